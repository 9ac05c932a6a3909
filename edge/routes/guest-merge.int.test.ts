import { randomBytes } from 'node:crypto';
import { describe, expect, vi } from 'vitest';
import { type Api, type Config, connectSocket, payBody, test } from '../../infra/testing/index.js';
import { createAdmissionTokens, createGuestMerge, createTokenService } from '../index.js';
import { createGuestMerges } from '../../workers/identity/index.js';
import type { OrderListResponse } from './orders.js';
import type { QueueMeJson } from './queue.js';
import type { MyReservationsResponse, ReservationJson } from './reservations.js';
import type { SignInResponse } from './identity.js';
import { createInventoryKeys } from '../../inventory/index.js';
import { createQueueKeys } from '../../queue/index.js';

/** The workers write reservations to PostgreSQL asynchronously; this is the deadline for seeing them there. */
const PIPELINE = { timeout: 10_000, interval: 50 };
const ADMIT = { timeout: 10_000, interval: 25 };
const PASSWORD = 'correct horse battery';

type Signed = { token: string; user: { id: string } };

const email = () => `merge-${randomBytes(5).toString('hex')}@example.com`;

function shop(api: Api, config: Config, dropId: string) {
  const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  return {
    join: (s: Signed) => api.post(`/api/drops/${dropId}/queue`, { token: s.token }),
    me: async (token: string) => {
      const r = await api.get(`/api/drops/${dropId}/queue/me`, { token });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body as QueueMeJson;
    },
    /** Reserves with an admission token signed here (for tests that do not wait for the line). */
    async reserve(s: Signed, admission?: string): Promise<ReservationJson> {
      const token =
        admission ??
        (await tokens.sign({ shopperId: s.user.id, dropId, expiresAt: new Date(Date.now() + 300_000) }));
      const r = await api.post(`/api/drops/${dropId}/reservations`, {
        token: s.token,
        headers: { 'x-admission-token': token },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body as ReservationJson;
    },
  };
}

const signUp = async (api: Api, options: { token?: string; headers?: Record<string, string> } = {}) => {
  const r = await api.post('/api/auth/signup', { body: { email: email(), password: PASSWORD }, ...options });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as SignInResponse;
};

const reservationsOf = async (api: Api, token: string) =>
  ((await api.get('/api/reservations', { token })).body as MyReservationsResponse).reservations;

describe('a guest who signs up or signs in keeps what it earned', () => {
  test('admitted and holding, the guest signs up: the account sees the hold and the admission, and pays', async ({
    api,
    config,
    dropline,
  }) => {
    const { drop } = await api.openDrop({ stock: 5, perUserLimit: 2, admissionPerMinute: 6000 });
    const d = shop(api, config, drop.id);
    const guest = await api.guest();
    expect((await d.join(guest)).status).toBe(201);
    const admitted = await vi.waitFor(async () => {
      const me = await d.me(guest.token);
      expect(me.status).toBe('admitted');
      return me;
    }, ADMIT);
    const hold = await d.reserve(guest, admitted.admission!.token);
    await vi.waitFor(async () => expect(await reservationsOf(api, guest.token)).toHaveLength(1), PIPELINE);

    const account = await signUp(api, { token: guest.token });
    expect(account.user.guest).toBe(false);
    expect(account.merged).toEqual({ places: 1, holds: 1, orders: 0 });

    const mine = await reservationsOf(api, account.token);
    expect(mine).toMatchObject([{ id: hold.id, status: 'held', expiresAt: hold.expiresAt }]);
    const me = await d.me(account.token);
    expect(me).toMatchObject({ status: 'admitted', position: admitted.position });
    expect(me.admission!.expiresAt).toBe(admitted.admission!.expiresAt);
    expect(me.admission!.token).not.toBe(admitted.admission!.token);
    expect(me.hold).toMatchObject({ reservationId: hold.id, expiresAt: hold.expiresAt });
    // Named as the account's latest hold in Redis, the guest's name for it gone.
    const units = createInventoryKeys(config.redisPrefix).units(drop.id);
    expect(await dropline.redis.hget(units, `live:${account.user.id}`)).toBe(hold.id);
    expect(await dropline.redis.hget(units, `live:${guest.user.id}`)).toBeNull();

    // The guest has nothing left: its admission reserves no more, its hold is not its own.
    expect((await d.me(guest.token)).status).toBe('left');
    expect(await reservationsOf(api, guest.token)).toEqual([]);
    const refused = await api.post(`/api/drops/${drop.id}/reservations`, {
      token: guest.token,
      headers: { 'x-admission-token': admitted.admission!.token },
    });
    expect(refused.body.code).toBe('not_admitted');
    const notTheirs = await api.post(`/api/reservations/${hold.id}/pay`, {
      token: guest.token,
      body: payBody(),
    });
    expect(notTheirs.status).toBe(404);

    // The account's own admission token reserves (within perUserLimit 2: one held), and it pays the merged hold.
    await d.reserve(account, me.admission!.token);
    const paid = await api.post(`/api/reservations/${hold.id}/pay`, {
      token: account.token,
      body: payBody(),
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    await vi.waitFor(async () => {
      const orders = (await api.get('/api/orders', { token: account.token })).body as OrderListResponse;
      expect(orders.orders.find((o) => o.id === hold.id)?.status).toBe('paid');
    }, PIPELINE);
  });

  test('a guest with a paid order signs in to an existing account: the order is the account’s, once', async ({
    api,
    config,
    dropline,
  }) => {
    const { drop } = await api.openDrop({ stock: 5, perUserLimit: 1 });
    const d = shop(api, config, drop.id);
    const address = email();
    await api.post('/api/auth/signup', { body: { email: address, password: PASSWORD } });

    const guest = await api.guest();
    const hold = await d.reserve(guest);
    const paid = await api.post(`/api/reservations/${hold.id}/pay`, {
      token: guest.token,
      body: payBody(),
    });
    expect(paid.status).toBe(200);
    await vi.waitFor(async () => {
      const orders = (await api.get('/api/orders', { token: guest.token })).body as OrderListResponse;
      expect(orders.orders.map((o) => o.status)).toEqual(['paid']);
    }, PIPELINE);

    const login = await api.post('/api/auth/login', {
      token: guest.token,
      body: { email: address, password: PASSWORD },
    });
    expect(login.status).toBe(200);
    const account = login.body as SignInResponse;
    expect(account.merged).toEqual({ places: 0, holds: 0, orders: 1 });
    const orders = (await api.get('/api/orders', { token: account.token })).body as OrderListResponse;
    expect(orders.orders).toMatchObject([{ id: hold.id, status: 'paid' }]);
    expect(((await api.get('/api/orders', { token: guest.token })).body as OrderListResponse).orders).toEqual(
      [],
    );
    const [payment] = await dropline.sql<{ shopper_id: string }[]>`
      SELECT shopper_id FROM payments WHERE reservation_id = ${hold.id}`;
    expect(payment?.shopper_id).toBe(account.user.id);
    // The paid record in Redis is the account's too: it reads it, and the limit counts it (1 of 1).
    expect((await api.get(`/api/reservations/${hold.id}`, { token: account.token })).body.status).toBe(
      'paid',
    );
    const again = await api.post(`/api/drops/${drop.id}/reservations`, {
      token: account.token,
      headers: {
        'x-admission-token': await createAdmissionTokens({
          key: new TextEncoder().encode(config.jwtSecret),
        }).sign({ shopperId: account.user.id, dropId: drop.id, expiresAt: new Date(Date.now() + 60_000) }),
      },
    });
    expect(again.body.code).toBe('limit_reached');

    // Repeated: nothing more moves, and the guest cannot be merged into another account.
    const repeat = await api.post('/api/auth/login', {
      token: guest.token,
      body: { email: address, password: PASSWORD },
    });
    expect((repeat.body as SignInResponse).merged).toEqual({ places: 0, holds: 0, orders: 0 });
    const other = await signUp(api, { token: guest.token });
    expect(other.merged).toEqual({ places: 0, holds: 0, orders: 0 });
    expect(((await api.get('/api/orders', { token: other.token })).body as OrderListResponse).orders).toEqual(
      [],
    );
  });

  test('the account’s other connections are told of the holds it got', async ({ api, config, dropline }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const { drop } = await api.openDrop({ stock: 5 });
    const d = shop(api, config, drop.id);
    const account = await signUp(api);
    const elsewhere = await connectSocket(`http://127.0.0.1:${server.port}`, account.token);
    try {
      const guest = await api.guest();
      const hold = await d.reserve(guest);
      const signedIn = await api.post('/api/auth/login', {
        token: guest.token,
        body: { email: account.user.email, password: PASSWORD },
      });
      expect((signedIn.body as SignInResponse).merged.holds).toBe(1);
      const pushed = await elsewhere.next('hold', (p) => p.reservationId === hold.id);
      expect(pushed).toEqual({
        dropId: drop.id,
        reservationId: hold.id,
        status: 'held',
        quantity: 1,
        expiresAt: hold.expiresAt,
      });
    } finally {
      elsewhere.close();
    }
  });

  test('an event of the guest still in the outbox at the merge is applied to the account', async ({
    api,
    config,
    dropline,
  }) => {
    const { drop } = await api.openDrop({ stock: 5 });
    const d = shop(api, config, drop.id);
    // The relay waits: the hold's reservation.created is still in the drop's outbox when the guest signs up.
    await dropline.background.stop();
    const guest = await api.guest();
    const hold = await d.reserve(guest);
    const account = await signUp(api, { token: guest.token });
    expect(account.merged).toEqual({ places: 0, holds: 1, orders: 0 });
    dropline.background.start();
    await vi.waitFor(async () => {
      expect(await reservationsOf(api, account.token)).toMatchObject([{ id: hold.id, status: 'held' }]);
    }, PIPELINE);
    const [order] = await dropline.sql<
      { user_id: string }[]
    >`SELECT user_id FROM orders WHERE id = ${hold.id}`;
    expect(order?.user_id).toBe(account.user.id);
    expect(await reservationsOf(api, guest.token)).toEqual([]);
  });

  test('an account already in the same line keeps the better place, and the other is removed', async ({
    api,
    config,
  }) => {
    const { drop, operator } = await api.openDrop({ stock: 5 });
    await api.put(`/api/admin/drops/${drop.id}/admission`, { token: operator.token, body: { paused: true } });
    const d = shop(api, config, drop.id);

    // The account joined first: it keeps its place; the guest's later one is gone.
    const early = await signUp(api);
    const lateGuest = await api.guest();
    await d.join(early);
    await d.join(lateGuest);
    const signedIn = await api.post('/api/auth/login', {
      token: lateGuest.token,
      body: { email: early.user.email, password: PASSWORD },
    });
    expect((signedIn.body as SignInResponse).merged.places).toBe(1);
    expect(await d.me(early.token)).toMatchObject({ status: 'waiting', position: 1, queueLength: 1 });
    expect((await d.me(lateGuest.token)).status).toBe('left');

    // The guest joined before the account: the account takes the guest's earlier place.
    const earlyGuest = await api.guest();
    const late = await signUp(api);
    await d.join(earlyGuest);
    await d.join(late);
    const before = await d.me(earlyGuest.token);
    const merged = await api.post('/api/auth/login', {
      token: earlyGuest.token,
      body: { email: late.user.email, password: PASSWORD },
    });
    expect((merged.body as SignInResponse).merged.places).toBe(1);
    expect(await d.me(late.token)).toMatchObject({
      status: 'waiting',
      position: before.position,
      queueLength: 2,
    });
  });

  test('past perUserLimit after the merge, the account keeps every hold, pays them and reserves no more', async ({
    api,
    config,
  }) => {
    const { drop } = await api.openDrop({ stock: 5, perUserLimit: 1 });
    const d = shop(api, config, drop.id);
    const account = await signUp(api);
    const own = await d.reserve(account);
    const guest = await api.guest();
    const guests = await d.reserve(guest);
    const signedIn = await api.post('/api/auth/login', {
      token: guest.token,
      body: { email: account.user.email, password: PASSWORD },
    });
    const merged = signedIn.body as SignInResponse;
    expect(merged.merged.holds).toBe(1);
    const limited = await api.post(`/api/drops/${drop.id}/reservations`, {
      token: merged.token,
      headers: {
        'x-admission-token': await createAdmissionTokens({
          key: new TextEncoder().encode(config.jwtSecret),
        }).sign({ shopperId: account.user.id, dropId: drop.id, expiresAt: new Date(Date.now() + 60_000) }),
      },
    });
    expect(limited.body).toMatchObject({ code: 'limit_reached' });
    for (const hold of [own, guests]) {
      const paid = await api.post(`/api/reservations/${hold.id}/pay`, {
        token: merged.token,
        body: payBody(),
      });
      expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    }
  });

  test('a drop being restored refuses the merge whole (503) and the next sign-in finishes it', async ({
    api,
    config,
    dropline,
  }) => {
    const { drop } = await api.openDrop({ stock: 5 });
    const d = shop(api, config, drop.id);
    const address = email();
    await api.post('/api/auth/signup', { body: { email: address, password: PASSWORD } });
    const guest = await api.guest();
    const hold = await d.reserve(guest);
    const meta = createInventoryKeys(config.redisPrefix).dropMeta(drop.id);
    await dropline.redis.hset(meta, 'fenced', '1');
    const refused = await api.post('/api/auth/login', {
      token: guest.token,
      body: { email: address, password: PASSWORD },
    });
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('unavailable');
    expect(
      JSON.parse(
        (await dropline.redis.hget(createInventoryKeys(config.redisPrefix).holds(drop.id), hold.id))!,
      ),
    ).toMatchObject({
      s: guest.user.id,
    });
    await dropline.redis.hdel(meta, 'fenced');
    const done = await api.post('/api/auth/login', {
      token: guest.token,
      body: { email: address, password: PASSWORD },
    });
    expect((done.body as SignInResponse).merged.holds).toBe(1);
    expect(
      (await api.get(`/api/reservations/${hold.id}`, { token: (done.body as SignInResponse).token })).body
        .status,
    ).toBe('held');
  });

  test('in the pre-queue, the smaller drawn score is kept', async ({ api, config, dropline }) => {
    const { drop } = await api.openDrop({ stock: 5 }, { open: false });
    const d = shop(api, config, drop.id);
    const pre = createQueueKeys(config.redisPrefix).pre(drop.id);
    const pairs = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const guest = await api.guest();
        const account = await signUp(api);
        await d.join(guest);
        await d.join(account);
        const scores = await Promise.all([guest, account].map((s) => dropline.redis.zscore(pre, s.user.id)));
        return { guest, account, best: Math.min(...scores.map(Number)) };
      }),
    );
    for (const { guest, account, best } of pairs) {
      const r = await api.post('/api/auth/login', {
        token: guest.token,
        body: { email: account.user.email, password: PASSWORD },
      });
      expect((r.body as SignInResponse).merged.places).toBe(1);
      expect(Number(await dropline.redis.zscore(pre, account.user.id))).toBe(best);
      expect(await dropline.redis.zscore(pre, guest.user.id)).toBeNull();
      expect((await d.me(account.token)).status).toBe('prequeue');
    }
    expect(await dropline.redis.zcard(pre)).toBe(4);
  });

  test('merges during admission ticks and hold expiries leave every count consistent', async ({
    api,
    config,
    dropline,
  }) => {
    const { drop } = await api.openDrop({
      stock: 60,
      perUserLimit: 1,
      holdSeconds: 2,
      admissionPerMinute: 600,
      maxActive: 60,
    });
    const d = shop(api, config, drop.id);
    const holders = await Promise.all(Array.from({ length: 30 }, () => api.guest()));
    const waiters = await Promise.all(Array.from({ length: 10 }, () => api.guest()));
    const holds = await Promise.all(holders.map((g) => d.reserve(g)));
    for (const w of waiters) expect((await d.join(w)).status).toBe(201);
    const guests = [...holders, ...waiters].map((g) => g.user.id);
    const accounts = await Promise.all(
      guests.map(async () => {
        const user = await dropline.users.create({ email: email(), passwordHash: 'unused', role: 'shopper' });
        return user.id;
      }),
    );
    // PostgreSQL knows every hold before the merges, as it would a moment after the holds were made.
    await vi.waitFor(async () => {
      const [row] = await dropline.sql`SELECT count(*)::int AS n FROM orders WHERE drop_id = ${drop.id}`;
      expect(row?.n).toBe(30);
    }, PIPELINE);

    // The merges go out as the first holds fall due, beside a sweeper and the admission controller's ticks.
    const firstDue = Math.min(...holds.map((h) => Date.parse(h.expiresAt)));
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(firstDue - 15), { timeout: 5000, interval: 1 });
    const merge = createGuestMerge({
      redis: dropline.redis,
      merges: createGuestMerges(dropline.sql),
      inventoryKeys: createInventoryKeys(config.redisPrefix),
      queueKeys: createQueueKeys(config.redisPrefix),
    });
    let sweeping = true;
    const sweeper = (async () => {
      let swept = 0;
      while (sweeping) swept += await dropline.holds.expireDue(drop.id);
      return swept;
    })();
    const merged = await Promise.all(guests.map((g, i) => merge.merge(g, accounts[i]!)));
    const lastDue = Math.max(...holds.map((h) => Date.parse(h.expiresAt)));
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(lastDue), { timeout: 5000, interval: 5 });
    await dropline.holds.expireDue(drop.id);
    sweeping = false;
    await sweeper;

    const redis = dropline.redis;
    const inv = createInventoryKeys(config.redisPrefix);
    const q = createQueueKeys(config.redisPrefix);
    const guestIds = new Set(guests);
    // Every hold ended (expired) and is its account's; no unit is held; the counts agree with the records.
    const records = await redis.hgetall(inv.holds(drop.id));
    expect(Object.keys(records)).toHaveLength(30);
    holds.forEach((h, i) => {
      const r = JSON.parse(records[h.id]!) as { s: string; st: string; g: boolean };
      expect(r).toMatchObject({ s: accounts[i], st: 'expired', g: false });
    });
    expect(await redis.hgetall(inv.stock(drop.id))).toMatchObject({ available: '60', held: '0', sold: '0' });
    expect(await redis.hgetall(inv.heldBy(drop.id))).toEqual({});
    for (const units of Object.values(await redis.hgetall(inv.units(drop.id)))) expect(units).toBe('0');
    expect(await redis.zcard(inv.deadlines(drop.id))).toBe(0);
    expect(merged.reduce((n, m) => n + m.merged.holds, 0)).toBe(merged.flatMap((m) => m.holds).length);
    // No guest is left in the line or active; each account from the line is there once, as waiting or admitted.
    const states = await redis.hgetall(q.state(drop.id));
    for (const g of guests.slice(30)) expect(states[g]).toMatch(/^left\|/);
    const active = await redis.zrange(q.active(drop.id), 0, '-1');
    const waiting = await redis.zrange(q.wait(drop.id), 0, '-1');
    for (const id of [...active, ...waiting]) expect(guestIds.has(id)).toBe(false);
    expect(new Set([...active, ...waiting]).size).toBe(active.length + waiting.length);
    for (const id of accounts.slice(30)) expect(states[id]).toMatch(/^(waiting|admitted)\|/);
    expect(merged.slice(30).map((m) => m.merged.places)).toEqual(Array.from({ length: 10 }, () => 1));
    // In PostgreSQL every reservation ends as its account's and expired, whichever of its events was applied before
    // or after the merge that moved it.
    await vi.waitFor(async () => {
      const rows = await dropline.sql<{ id: string; user_id: string; status: string }[]>`
        SELECT id, user_id, status FROM orders WHERE drop_id = ${drop.id}`;
      expect(rows).toHaveLength(30);
      for (const row of rows) {
        expect(row.user_id).toBe(accounts[holds.findIndex((h) => h.id === row.id)]);
        expect(row.status).toBe('expired');
      }
    }, PIPELINE);
  });

  test('without a guest session, or with a forged one, nothing is merged', async ({ api, config }) => {
    const { drop, operator } = await api.openDrop({ stock: 5 });
    await api.put(`/api/admin/drops/${drop.id}/admission`, { token: operator.token, body: { paused: true } });
    const d = shop(api, config, drop.id);
    const guest = await api.guest();
    const hold = await d.reserve(guest);
    await d.join(guest);

    expect((await signUp(api)).merged).toEqual({ places: 0, holds: 0, orders: 0 });
    // A session signed with another key, as a Bearer token: refused, nothing created.
    const forger = createTokenService({ secret: 'x'.repeat(40), ttlSeconds: 600 });
    const forged = (
      await forger.sign({
        ...guest.user,
        userId: guest.user.id,
        role: 'shopper',
        email: null,
        brandId: null,
        guest: true,
      })
    ).token;
    const address = email();
    const refused = await api.post('/api/auth/signup', {
      token: forged,
      body: { email: address, password: PASSWORD },
    });
    expect(refused.status).toBe(401);
    // As a cookie: no session, so a plain sign-up that merges nothing.
    const viaCookie = await signUp(api, { headers: { cookie: `dropline_session=${forged}` } });
    expect(viaCookie.merged).toEqual({ places: 0, holds: 0, orders: 0 });
    // A signed session of a user that is not a guest carries nothing to merge either.
    const plain = await signUp(api);
    const signedIn = await api.post('/api/auth/login', {
      token: plain.token,
      body: { email: viaCookie.user.email, password: PASSWORD },
    });
    expect((signedIn.body as SignInResponse).merged).toEqual({ places: 0, holds: 0, orders: 0 });

    // Signing in to an account that is not a shopper's (an operator) carries nothing over either.
    const asOperator = await api.post('/api/auth/login', { token: guest.token, body: config.operator });
    expect(asOperator.status).toBe(200);
    expect((asOperator.body as SignInResponse).merged).toEqual({ places: 0, holds: 0, orders: 0 });

    // The guest keeps everything.
    expect((await d.me(guest.token)).status).toBe('waiting');
    expect((await api.get(`/api/reservations/${hold.id}`, { token: guest.token })).body.status).toBe('held');
    expect((await api.post('/api/auth/login', { body: { email: address, password: PASSWORD } })).status).toBe(
      401,
    );
  });
});
