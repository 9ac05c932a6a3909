/**
 * Cross-site refusal on the shopper's writes: joining and leaving the line, holding, releasing and paying. Each,
 * signed by the session cookie and sent from another site (or as a form), is refused and changes nothing; with a
 * Bearer token it works as before, a bodiless one without any content type too.
 */
import { describe, expect } from 'vitest';
import {
  type Api,
  type Config,
  expectProblem,
  expectRefusedAcrossSites,
  payBody,
  sendFromOwnPage,
  sendWithToken,
  test,
  type Write,
} from '../../infra/testing/index.js';
import { createAdmissionTokens } from '../index.js';

/** An open drop, a guest shopper and an admission token for it (signed directly: reserving checks only that). */
async function shopperAt(api: Api, config: Config) {
  const { drop } = await api.openDrop({ admissionPerMinute: 6000, stock: 5 });
  const shopper = await api.guest();
  const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  const admission = await tokens.sign({
    shopperId: shopper.user.id,
    dropId: drop.id,
    expiresAt: new Date(Date.now() + 5 * 60_000),
  });
  const me = async () =>
    (await api.get(`/api/drops/${drop.id}/queue/me`, { token: shopper.token })).body.status;
  return { drop, shopper, admission, me };
}

describe('cross-site writes: the shopper', () => {
  test('joining and leaving the line: refused with the cookie; work with a token', async ({
    api,
    config,
  }) => {
    const { drop, shopper, me } = await shopperAt(api, config);
    const join: Write = { method: 'POST', path: `/api/drops/${drop.id}/queue` };
    await expectRefusedAcrossSites(api, join, shopper.token, async () => expect(await me()).toBe('none'));
    expect((await sendWithToken(api, join, shopper.token)).status).toBe(201);
    const queued = await me();
    expect(queued).not.toBe('none');

    const leave: Write = { method: 'DELETE', path: `/api/drops/${drop.id}/queue/me` };
    await expectRefusedAcrossSites(api, leave, shopper.token, async () => expect(await me()).toBe(queued));
    expect((await sendWithToken(api, leave, shopper.token)).status).toBe(204);
    expect(await me()).toBe('left');
    // From our own page: the bodiless join with its JSON content type works with the cookie.
    expect((await sendFromOwnPage(api, join, shopper.token)).status).toBe(201);
  });

  test('holding, releasing and paying: refused with the cookie; work with a token', async ({
    api,
    config,
  }) => {
    const { drop, shopper, admission } = await shopperAt(api, config);
    const reserve: Write = {
      method: 'POST',
      path: `/api/drops/${drop.id}/reservations`,
      body: { quantity: 1 },
      headers: { 'x-admission-token': admission },
    };
    const holds = async () => (await api.get(`/api/drops/${drop.id}`)).body.status;
    const heldUnits = async () => {
      const stock = await api.get(`/api/drops/${drop.id}/stock`);
      return stock.status === 200 ? (stock.body.held as number) : undefined;
    };
    await expectRefusedAcrossSites(api, reserve, shopper.token, async () => {
      expect(await holds()).toBe('open');
      expect(await heldUnits()).toBe(0);
    });
    const held = await sendWithToken(api, reserve, shopper.token);
    expect(held.status).toBe(201);
    const id = held.body.id as string;
    const status = async () =>
      (await api.get(`/api/reservations/${id}`, { token: shopper.token })).body.status;

    const pay: Write = { method: 'POST', path: `/api/reservations/${id}/pay`, body: payBody() };
    const release: Write = { method: 'DELETE', path: `/api/reservations/${id}` };
    for (const write of [pay, release]) {
      await expectRefusedAcrossSites(api, write, shopper.token, async () =>
        expect(await status()).toBe('held'),
      );
    }
    expect((await sendWithToken(api, release, shopper.token)).status).toBe(200);
    expect(await status()).toBe('released');

    const again = await sendWithToken(api, reserve, shopper.token);
    expect(again.status).toBe(201);
    const paid = await sendWithToken(
      api,
      { ...pay, path: `/api/reservations/${again.body.id}/pay` },
      shopper.token,
    );
    expect(paid.status).toBe(200);
  });

  test('a cookie-signed write without any content type is 415; a Bearer one works as before', async ({
    api,
    dropline,
    config,
  }) => {
    const { drop, shopper, me } = await shopperAt(api, config);
    const app = dropline.app!;
    const path = `/api/drops/${drop.id}/queue`;
    const viaCookie = await app.request(path, {
      method: 'POST',
      headers: { cookie: `dropline_session=${shopper.token}`, origin: 'http://localhost' },
    });
    expectProblem(
      { status: viaCookie.status, headers: viaCookie.headers, body: await viaCookie.json() },
      415,
      'unsupported_media_type',
    );
    expect(await me()).toBe('none');
    // A JSON body with no content type: refused with the cookie as well.
    const body = await app.request(`/api/drops`, {
      method: 'POST',
      headers: { cookie: `dropline_session=${shopper.token}`, origin: 'http://localhost' },
      body: '{}',
    });
    expect(body.status).toBe(415);
    const viaToken = await app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${shopper.token}` },
    });
    expect(viaToken.status).toBe(201);
    expect(viaToken.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
