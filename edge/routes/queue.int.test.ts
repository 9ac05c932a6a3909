import { randomUUID } from 'node:crypto';
import { describe, expect, vi } from 'vitest';
import {
  type Api,
  apiClient,
  type ApiResponse,
  createDropline,
  expectProblem,
  silentLog,
  test,
  testConfig,
} from '../../infra/testing/index.js';
import { createAdmissionTokens } from '../index.js';
import { HttpProblem } from '../problems.js';
import type { QueueStateJson } from '../queue-state.js';
import type { DropJson } from './drops.js';

const HOUR = 3600_000;
const opensAt = () => new Date(Date.now() + HOUR).toISOString();
/** How long the admission controller (ticking every 250 ms) may take to admit someone at 600 a minute. */
const ADMIT_DEADLINE = { timeout: 10_000, interval: 50 };

/**
 * A brand's drop and helpers for its waiting room. `admissionPerMinute: 1` (the default here) admits the first
 * shopper a minute after opening, so places and counts stand still for the length of a test.
 */
async function dropOf(api: Api, extra: Record<string, unknown> = {}) {
  const operator = await api.operator();
  const brand = await api.brand(operator.token);
  const created = await api.post('/api/drops', {
    token: brand.token,
    body: {
      title: 'Lamp',
      sku: 'LA-1',
      priceCents: 9900,
      stock: 50,
      opensAt: opensAt(),
      admissionPerMinute: 1,
      ...extra,
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const drop = created.body as DropJson;
  const path = `/api/drops/${drop.id}`;
  const act = async (action: 'open' | 'close' | 'cancel') => {
    const r = await api.post(`${path}/${action}`, { token: brand.token });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };
  return {
    operator,
    brand,
    drop,
    open: () => act('open'),
    close: () => act('close'),
    cancel: () => act('cancel'),
    join: (token?: string) => api.post(`${path}/queue`, { token }),
    /** GET /me; no shopper here holds a unit, so its `hold` is null and the rest is the queue's view as join gives it. */
    me: async (token?: string) => {
      const r = await api.get(`${path}/queue/me`, { token });
      if (r.status === 200) {
        const { hold, ...view } = r.body as Record<string, unknown>;
        expect(hold).toBeNull();
        return { ...r, body: view };
      }
      return r;
    },
    leave: (token?: string) => api.delete(`${path}/queue/me`, { token }),
  };
}

const guests = (api: Api, n: number) => Promise.all(Array.from({ length: n }, () => api.guest()));

describe('joining', () => {
  test('before opening a shopper joins the pre-queue: 201 first, then 200 with the same entry', async ({
    api,
  }) => {
    const d = await dropOf(api);
    const shopper = await api.shopper();
    const prequeue = {
      status: 'prequeue',
      position: null,
      ahead: null,
      queueLength: 0,
      etaSeconds: null,
      paused: false,
      pauseMessage: null,
    };
    const first = await d.join(shopper.token);
    expect(first.status).toBe(201);
    expect(first.body).toEqual(prequeue);
    const again = await d.join(shopper.token);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(prequeue);
    expect((await d.me(shopper.token)).body).toEqual(prequeue);
  });

  test('at opening the pre-queue gets places 1..n; a later joiner gets the next place', async ({ api }) => {
    const d = await dropOf(api);
    const early = await guests(api, 8);
    for (const g of early) expect((await d.join(g.token)).status).toBe(201);
    await d.open();

    const views = await Promise.all(early.map(async (g) => (await d.me(g.token)).body as QueueStateJson));
    expect(views.map((v) => v.position).sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const v of views) {
      expect(v).toEqual({
        status: 'waiting',
        position: v.position,
        ahead: v.position! - 1,
        queueLength: 8,
        etaSeconds: (v.position! - 1) * 60,
        paused: false,
        pauseMessage: null,
      });
    }
    // A repeat join after opening is the same place, not an error.
    const repeat = await d.join(early[0]!.token);
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(views[0]);

    const late = await api.guest();
    const joined = await d.join(late.token);
    expect(joined.status).toBe(201);
    expect(joined.body).toEqual({
      status: 'waiting',
      position: 9,
      ahead: 8,
      queueLength: 9,
      etaSeconds: 480,
      paused: false,
      pauseMessage: null,
    });
  });

  test('only shoppers join: anonymous 401, brand and operator 403 forbidden', async ({ api }) => {
    const d = await dropOf(api);
    await d.open();
    const refusals: [string, string | undefined, number, string][] = [
      ['anonymous', undefined, 401, 'unauthorized'],
      ['brand', d.brand.token, 403, 'forbidden'],
      ['operator', d.operator.token, 403, 'forbidden'],
    ];
    for (const [who, token, status, code] of refusals) {
      for (const r of [await d.join(token), await d.me(token), await d.leave(token)]) {
        expect({ who, status: r.status, code: r.body.code }).toEqual({ who, status, code });
        expect(r.headers.get('content-type')).toBe('application/problem+json');
      }
    }
    // None of them took a place: the first shopper to join is first.
    const [guest, shopper] = [await api.guest(), await api.shopper()];
    expect((await d.join(guest.token)).body).toMatchObject({
      status: 'waiting',
      position: 1,
      queueLength: 1,
    });
    expect((await d.join(shopper.token)).body).toMatchObject({
      status: 'waiting',
      position: 2,
      queueLength: 2,
    });
  });

  test('an unknown or malformed drop id is 404 not_found', async ({ api }) => {
    const shopper = await api.shopper();
    for (const id of [randomUUID(), 'abc', '1']) {
      const path = `/api/drops/${id}/queue`;
      for (const r of [
        await api.post(path, { token: shopper.token }),
        await api.get(`${path}/me`, { token: shopper.token }),
        await api.delete(`${path}/me`, { token: shopper.token }),
      ]) {
        expectProblem(r, 404, 'not_found');
      }
    }
  });

  test('a closed or a cancelled drop is 409 drop_not_open, for newcomers and those who joined', async ({
    api,
  }) => {
    const closed = await dropOf(api);
    const cancelled = await dropOf(api);
    const [inside, newcomer] = await guests(api, 2);
    expect((await closed.join(inside!.token)).status).toBe(201);
    expect((await cancelled.join(inside!.token)).status).toBe(201);
    await closed.open();
    await closed.close();
    await cancelled.cancel();

    for (const d of [closed, cancelled]) {
      for (const g of [newcomer!, inside!]) {
        const r = await d.join(g.token);
        expectProblem(r, 409, 'drop_not_open');
        expect(r.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status: 409 });
      }
      expect((await d.me(newcomer!.token)).body.status).toBe('none');
    }
  });
});

describe('reading one’s place', () => {
  test('GET /me is none before joining', async ({ api }) => {
    const d = await dropOf(api);
    const shopper = await api.shopper();
    const none = {
      status: 'none',
      position: null,
      ahead: null,
      queueLength: 0,
      etaSeconds: null,
      paused: false,
      pauseMessage: null,
    };
    expect((await d.me(shopper.token)).body).toEqual(none);
    await d.open();
    const r = await d.me(shopper.token);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(none);
  });

  test('ahead, queueLength and etaSeconds are exact, and follow those who leave', async ({ api }) => {
    // maxActive 1: once the first shopper is admitted (quickly, at 600 a minute) nobody else is, for the whole
    // admission window, so the line stands still while it is read.
    const d = await dropOf(api, { admissionPerMinute: 600, maxActive: 1 });
    await d.open();
    const first = await api.guest();
    expect((await d.join(first.token)).body.position).toBe(1);
    await vi.waitFor(
      async () => expect((await d.me(first.token)).body.status).toBe('admitted'),
      ADMIT_DEADLINE,
    );

    const line = await guests(api, 12);
    for (const g of line) expect((await d.join(g.token)).status).toBe(201);
    // etaSeconds = ceil(ahead / 600 × 60) = ceil(ahead / 10)
    const etas = [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2];
    for (const [k, g] of line.entries()) {
      const r = await d.me(g.token);
      expect(r.status).toBe(200);
      expect({ k, ...r.body }).toEqual({
        k,
        status: 'waiting',
        position: k + 2,
        ahead: k,
        queueLength: 12,
        etaSeconds: etas[k],
        paused: false,
        pauseMessage: null,
      });
    }

    // The fourth in line leaves: those behind it have one fewer ahead, and keep their places.
    expect((await d.leave(line[3]!.token)).status).toBe(204);
    for (const [k, g] of line.entries()) {
      if (k === 3) continue;
      const ahead = k < 3 ? k : k - 1;
      expect({ k, ...(await d.me(g.token)).body }).toEqual({
        k,
        status: 'waiting',
        position: k + 2,
        ahead,
        queueLength: 11,
        etaSeconds: Math.ceil(ahead / 10),
        paused: false,
        pauseMessage: null,
      });
    }
  });

  test('once admitted, GET /me carries an admission token for that shopper and drop only', async ({
    api,
    config,
  }) => {
    const d = await dropOf(api, { admissionPerMinute: 600 });
    await d.open();
    const shopper = await api.shopper();
    const before = Date.now();
    const joined = await d.join(shopper.token);
    expect(joined.status).toBe(201);
    expect(joined.body.position).toBe(1);

    const admitted = await vi.waitFor(async () => {
      const r = await d.me(shopper.token);
      expect(r.body.status).toBe('admitted');
      return r.body as Required<QueueStateJson>;
    }, ADMIT_DEADLINE);
    const after = Date.now();
    expect(admitted).toEqual({
      status: 'admitted',
      position: 1,
      ahead: null,
      queueLength: 0,
      etaSeconds: null,
      paused: false,
      pauseMessage: null,
      admission: { token: expect.any(String), expiresAt: expect.any(String) },
    });
    // The window starts at admission, somewhere between the join and the read that saw it.
    const expiresAt = Date.parse(admitted.admission.expiresAt);
    expect(new Date(expiresAt).toISOString()).toBe(admitted.admission.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + config.admissionWindowSeconds * 1000);
    expect(expiresAt).toBeLessThanOrEqual(after + config.admissionWindowSeconds * 1000);

    const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
    const { token } = admitted.admission;
    expect(await tokens.verify(token, shopper.user.id, d.drop.id)).toEqual({
      shopperId: shopper.user.id,
      dropId: d.drop.id,
      expiresAt: new Date(Math.floor(expiresAt / 1000) * 1000),
    });
    for (const [shopperId, dropId] of [
      [(await api.guest()).user.id, d.drop.id],
      [shopper.user.id, randomUUID()],
    ] as const) {
      const refused = await tokens.verify(token, shopperId, dropId).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(HttpProblem);
      expect((refused as HttpProblem).code).toBe('not_admitted');
    }

    // Reading again, or joining again, hands out the same admission.
    expect((await d.me(shopper.token)).body).toEqual(admitted);
    const rejoined = await d.join(shopper.token);
    expect(rejoined.status).toBe(200);
    expect(rejoined.body).toEqual(admitted);
  });

  test('a shopper never sees another shopper’s admission', async ({ api, config }) => {
    const d = await dropOf(api, { admissionPerMinute: 600, maxActive: 1 });
    await d.open();
    const [a, b] = await guests(api, 2);
    expect((await d.join(a!.token)).body.position).toBe(1);
    expect((await d.join(b!.token)).body.position).toBe(2);
    const tokenOf = async (token: string) =>
      vi.waitFor(async () => {
        const r = await d.me(token);
        expect(r.body.status).toBe('admitted');
        return r.body.admission.token as string;
      }, ADMIT_DEADLINE);
    const aToken = await tokenOf(a!.token);

    // B waits behind A's active admission (maxActive 1) and is shown nothing of it.
    const waiting = await d.me(b!.token);
    expect(waiting.body).toEqual({
      status: 'waiting',
      position: 2,
      ahead: 0,
      queueLength: 1,
      etaSeconds: 0,
      paused: false,
      pauseMessage: null,
    });
    expect(JSON.stringify(waiting.body)).not.toContain(aToken);

    // A leaves, which frees the slot: B is admitted with a token of its own.
    expect((await d.leave(a!.token)).status).toBe(204);
    const bToken = await tokenOf(b!.token);
    expect(bToken).not.toBe(aToken);
    const bView = await d.me(b!.token);
    expect(JSON.stringify(bView.body)).not.toContain(aToken);
    expect(JSON.stringify((await d.join(b!.token)).body)).not.toContain(aToken);
    expect((await d.me(a!.token)).body.admission).toBeUndefined();

    const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
    expect((await tokens.verify(bToken, b!.user.id, d.drop.id)).shopperId).toBe(b!.user.id);
    await expect(tokens.verify(bToken, a!.user.id, d.drop.id)).rejects.toMatchObject({
      code: 'not_admitted',
    });
  });
});

describe('leaving', () => {
  test('DELETE /me is 204, then the shopper has left; again is 404; joining again is a new place at the back', async ({
    api,
  }) => {
    const d = await dropOf(api);
    await d.open();
    const [a, b, never] = await guests(api, 3);
    expect((await d.join(a!.token)).body.position).toBe(1);
    expect((await d.join(b!.token)).body.position).toBe(2);

    const left = await d.leave(a!.token);
    expect(left.status).toBe(204);
    expect(left.body).toBeNull();
    const view = await d.me(a!.token);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ status: 'left', ahead: null, queueLength: 1, etaSeconds: null });
    expect((await d.me(b!.token)).body).toEqual({
      status: 'waiting',
      position: 2,
      ahead: 0,
      queueLength: 1,
      etaSeconds: 0,
      paused: false,
      pauseMessage: null,
    });

    expectProblem(await d.leave(a!.token), 404, 'not_found');
    expectProblem(await d.leave(never!.token), 404, 'not_found');

    const back = await d.join(a!.token);
    expect(back.status).toBe(201);
    expect(back.body).toEqual({
      status: 'waiting',
      position: 3,
      ahead: 1,
      queueLength: 2,
      etaSeconds: 60,
      paused: false,
      pauseMessage: null,
    });
  });

  test('leaving the pre-queue gives up the place that opening would have given', async ({ api }) => {
    const d = await dropOf(api);
    const [stays, goes] = await guests(api, 2);
    expect((await d.join(stays!.token)).status).toBe(201);
    expect((await d.join(goes!.token)).status).toBe(201);
    expect((await d.leave(goes!.token)).status).toBe(204);
    expect((await d.me(goes!.token)).body.status).toBe('left');
    await d.open();
    expect((await d.me(stays!.token)).body).toMatchObject({ status: 'waiting', position: 1, queueLength: 1 });
    expect((await d.me(goes!.token)).body).toMatchObject({ status: 'left', queueLength: 1 });
  });
});

describe('one place per account', () => {
  test('100 concurrent joins by one shopper: one 201, ninety-nine 200, one place', async ({ api }) => {
    const d = await dropOf(api);
    await d.open();
    const shopper = await api.shopper();
    const answers = await Promise.all(Array.from({ length: 100 }, () => d.join(shopper.token)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(99);
    expect(new Set(answers.map((a) => a.body.position))).toEqual(new Set([1]));
    expect((await d.me(shopper.token)).body).toEqual({
      status: 'waiting',
      position: 1,
      ahead: 0,
      queueLength: 1,
      etaSeconds: 0,
      paused: false,
      pauseMessage: null,
    });
  });

  test('300 concurrent joins by distinct guests get exactly the places 1..300', async ({ api }) => {
    const d = await dropOf(api);
    await d.open();
    const all = await guests(api, 300);
    const answers = await Promise.all(all.map((g) => d.join(g.token)));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    const places = answers.map((a) => a.body.position as number).sort((x, y) => x - y);
    expect(places).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    // Each keeps the place its join was given.
    const reread = await Promise.all(all.map(async (g) => (await d.me(g.token)).body.position));
    expect(reread).toEqual(answers.map((a) => a.body.position));
    expect((await d.me(all[0]!.token)).body.queueLength).toBe(300);
  });
});

describe('join rate limit', () => {
  test('when on, the fourth join from one address within the minute is 429 rate_limited', async ({
    databaseUrl,
    prefix,
  }) => {
    const config = testConfig({
      databaseUrl,
      redisPrefix: prefix,
      RATE_LIMITS: 'on',
      JOIN_RATE_LIMIT_PER_MINUTE: '3',
    });
    const dropline = await createDropline({ config, log: silentLog, roles: { edge: true, workers: false } });
    try {
      const api = apiClient(dropline.app!, config);
      const d = await dropOf(api);
      await d.open();
      const shoppers = await guests(api, 5);
      // The limiter counts per calendar minute: start well inside one, so that all five joins share it.
      await vi.waitFor(() => expect(Date.now() % 60_000).toBeLessThan(50_000), {
        timeout: 15_000,
        interval: 100,
      });
      const answers: ApiResponse[] = [];
      for (const s of shoppers) answers.push(await d.join(s.token));
      expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 429, 429]);
      const refused = answers[3]!;
      expectProblem(refused, 429, 'rate_limited');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // The refused shoppers took no place, and reading one's place is not limited.
      expect((await d.me(shoppers[3]!.token)).body.status).toBe('none');
      expect((await d.me(shoppers[0]!.token)).body).toMatchObject({ position: 1, queueLength: 3 });
    } finally {
      await dropline.close();
    }
  });
});
