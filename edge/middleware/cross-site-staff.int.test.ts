/**
 * Cross-site refusal on the writes of sign-in, accounts and drops: each one, signed by the session cookie and sent
 * from another site (or as a form), is refused and changes nothing; with a Bearer token it works as before.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect } from 'vitest';
import {
  expectRefusedAcrossSites,
  sendFromOwnPage,
  sendWithToken,
  test,
  type Dropline,
  type Write,
} from '../../infra/testing/index.js';

const newEmail = () => `x-${randomBytes(5).toString('hex')}@example.com`;
const PASSWORD = 'correct horse battery';

/** No account has `email`: the refused write created none (read from the store: failed sign-ins would be limited). */
async function noAccount(dropline: Dropline, email: string) {
  expect(await dropline.users.findByEmail(email)).toBeNull();
}

describe('cross-site writes: sign-in and accounts', () => {
  test('sign-up: refused from another site, with or without a session; works with a token', async ({
    api,
    dropline,
  }) => {
    const victim = await api.guest();
    const write: Write = {
      method: 'POST',
      path: '/api/auth/signup',
      body: { email: newEmail(), password: PASSWORD },
    };
    const unchanged = () => noAccount(dropline, (write.body as { email: string }).email);
    await expectRefusedAcrossSites(api, write, undefined, unchanged);
    await expectRefusedAcrossSites(api, write, victim.token, unchanged);
    expect((await sendWithToken(api, write, victim.token)).status).toBe(201);
  });

  test('login and guest: another site cannot swap the session; a token client signs in', async ({ api }) => {
    const victim = await api.guest();
    const email = newEmail();
    await api.post('/api/auth/signup', { body: { email, password: PASSWORD } });
    const login: Write = { method: 'POST', path: '/api/auth/login', body: { email, password: PASSWORD } };
    const guest: Write = { method: 'POST', path: '/api/auth/guest' };
    for (const write of [login, guest]) {
      await expectRefusedAcrossSites(api, write, undefined, async () => {});
      await expectRefusedAcrossSites(api, write, victim.token, async () => {});
    }
    expect((await sendWithToken(api, login, victim.token)).status).toBe(200);
    expect((await sendWithToken(api, guest, victim.token)).status).toBe(201);
    // From our own page, with or without a session yet: a new session and its cookie.
    const own = await sendFromOwnPage(api, guest, victim.token);
    expect(own.status).toBe(201);
    expect(own.headers.get('set-cookie')).toMatch(/^dropline_session=/);
    const anonymous = await api.post('/api/auth/guest', { headers: { origin: 'http://localhost' } });
    expect(anonymous.status).toBe(201);
  });

  test('logout: another site cannot sign the shopper out; a token client can', async ({ api }) => {
    const victim = await api.guest();
    const write: Write = { method: 'POST', path: '/api/auth/logout' };
    await expectRefusedAcrossSites(api, write, victim.token, async () => {});
    expect((await sendWithToken(api, write, victim.token)).status).toBe(204);
  });

  test('creating a user: refused with the operator’s cookie from another site; works with a token', async ({
    api,
    dropline,
  }) => {
    const op = await api.operator();
    const email = newEmail();
    const write: Write = {
      method: 'POST',
      path: '/api/admin/users',
      body: { email, password: PASSWORD, role: 'operator' },
    };
    await expectRefusedAcrossSites(api, write, op.token, () => noAccount(dropline, email));
    expect((await sendWithToken(api, write, op.token)).status).toBe(201);
  });
});

describe('cross-site writes: drops', () => {
  test('creating a drop: refused with the brand’s cookie; works with a token', async ({ api }) => {
    const { brand } = await api.openDrop({}, { open: false });
    const title = `Forged ${randomBytes(4).toString('hex')}`;
    const write: Write = {
      method: 'POST',
      path: '/api/drops',
      body: {
        title,
        sku: 'F-1',
        priceCents: 100,
        stock: 1,
        opensAt: new Date(Date.now() + 3600_000).toISOString(),
      },
    };
    const titles = async () =>
      ((await api.get('/api/drops?limit=200')).body.drops as { title: string }[]).map((d) => d.title);
    await expectRefusedAcrossSites(api, write, brand.token, async () => {
      expect(await titles()).not.toContain(title);
    });
    expect((await sendWithToken(api, write, brand.token)).status).toBe(201);
    expect(await titles()).toContain(title);
  });

  test('changing a drop: refused with the brand’s cookie; works with a token', async ({ api }) => {
    const { brand, drop } = await api.openDrop({ title: 'Kept' }, { open: false });
    const write: Write = { method: 'PATCH', path: `/api/drops/${drop.id}`, body: { title: 'Defaced' } };
    const title = async () => (await api.get(`/api/drops/${drop.id}`)).body.title as string;
    await expectRefusedAcrossSites(api, write, brand.token, async () => expect(await title()).toBe('Kept'));
    expect((await sendWithToken(api, write, brand.token)).status).toBe(200);
    expect(await title()).toBe('Defaced');
  });

  test('open, close and cancel: refused with the brand’s cookie; work with a token', async ({ api }) => {
    const { brand, drop } = await api.openDrop({}, { open: false });
    const status = async () => (await api.get(`/api/drops/${drop.id}`)).body.status as string;
    for (const [action, before, after] of [
      ['open', 'scheduled', 'open'],
      ['close', 'open', 'closed'],
    ] as const) {
      const write: Write = { method: 'POST', path: `/api/drops/${drop.id}/${action}` };
      await expectRefusedAcrossSites(api, write, brand.token, async () =>
        expect(await status()).toBe(before),
      );
      expect((await sendWithToken(api, write, brand.token)).status).toBe(200);
      expect(await status()).toBe(after);
    }
    const [byToken, byPage] = [
      await api.openDrop({}, { open: false }),
      await api.openDrop({}, { open: false }),
    ];
    const cancel = (id: string): Write => ({ method: 'POST', path: `/api/drops/${id}/cancel` });
    const statusOf = async (id: string) => (await api.get(`/api/drops/${id}`)).body.status as string;
    await expectRefusedAcrossSites(api, cancel(byToken.drop.id), byToken.brand.token, async () =>
      expect(await statusOf(byToken.drop.id)).toBe('scheduled'),
    );
    expect((await sendWithToken(api, cancel(byToken.drop.id), byToken.brand.token)).status).toBe(200);
    expect(await statusOf(byToken.drop.id)).toBe('cancelled');
    // A bodiless write from our own page says JSON too, and works with the cookie.
    expect((await sendFromOwnPage(api, cancel(byPage.drop.id), byPage.brand.token)).status).toBe(200);
    expect(await statusOf(byPage.drop.id)).toBe('cancelled');
  });

  test('admission settings: refused with the operator’s cookie; work with a token', async ({ api }) => {
    const { operator, drop } = await api.openDrop({ admissionPerMinute: 60 });
    const path = `/api/admin/drops/${drop.id}/admission`;
    const write: Write = { method: 'PUT', path, body: { perMinute: 6000 } };
    const perMinute = async () => (await api.get(path, { token: operator.token })).body.perMinute as number;
    await expectRefusedAcrossSites(api, write, operator.token, async () =>
      expect(await perMinute()).toBe(60),
    );
    expect((await sendWithToken(api, write, operator.token)).status).toBe(200);
    expect(await perMinute()).toBe(6000);
  });
});
