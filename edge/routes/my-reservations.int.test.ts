import { describe, expect, vi } from 'vitest';
import { type Api, type Config, expectProblem, payBody, test } from '../../infra/testing/index.js';
import { createAdmissionTokens } from '../index.js';
import type { QueueMeJson } from './queue.js';
import type { MyReservationJson, MyReservationsResponse, ReservationJson } from './reservations.js';

/** The workers write reservations to PostgreSQL asynchronously; this is the deadline for seeing them there. */
const PIPELINE = { timeout: 10_000, interval: 50 };

type Shopper = { token: string; user: { id: string } };

async function openDrop(api: Api, config: Config) {
  const { drop } = await api.openDrop({
    title: 'Scarf',
    sku: 'SC-1',
    priceCents: 1_250,
    currency: 'EUR',
    stock: 20,
    perUserLimit: 5,
    admissionPerMinute: 6000,
    holdSeconds: 600,
  });
  const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  return {
    drop,
    async reserve(shopper: Shopper, quantity = 1): Promise<ReservationJson> {
      const admission = await tokens.sign({
        shopperId: shopper.user.id,
        dropId: drop.id,
        expiresAt: new Date(Date.now() + 5 * 60_000),
      });
      const r = await api.post(`/api/drops/${drop.id}/reservations`, {
        token: shopper.token,
        body: { quantity },
        headers: { 'x-admission-token': admission },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body as ReservationJson;
    },
    me: async (shopper: Shopper) => {
      const r = await api.get(`/api/drops/${drop.id}/queue/me`, { token: shopper.token });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body as QueueMeJson;
    },
  };
}

async function listAll(api: Api, token: string, limit: number): Promise<MyReservationJson[]> {
  const seen: MyReservationJson[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 20; pages++) {
    const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await api.get(`/api/reservations${query}`, { token });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const body = r.body as MyReservationsResponse;
    expect(body.reservations.length).toBeLessThanOrEqual(limit);
    seen.push(...body.reservations);
    cursor = body.nextCursor;
    if (cursor === null) return seen;
  }
  throw new Error('more than 20 pages');
}

/** Waits until each reservation is newer (in ms) than the previous one, so "newest first" has one answer. */
async function afterCreation(previous: ReservationJson | undefined): Promise<void> {
  if (!previous) return;
  const createdAt = Date.parse(previous.expiresAt) - 600_000;
  await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(createdAt), { timeout: 1000, interval: 1 });
}

describe('GET /api/reservations', () => {
  test('lists only the caller’s reservations, newest first, held / paid / released with what paying needs, paged', async ({
    api,
    config,
  }) => {
    const d = await openDrop(api, config);
    const me = await api.shopper();
    const other = await api.guest();
    const mine: ReservationJson[] = [];
    for (const quantity of [1, 2, 1]) {
      await afterCreation(mine.at(-1));
      mine.push(await d.reserve(me, quantity));
    }
    const [paid, released, held] = mine as [ReservationJson, ReservationJson, ReservationJson];
    const pay = await api.post(`/api/reservations/${paid.id}/pay`, { token: me.token, body: payBody() });
    expect(pay.status).toBe(200);
    expect((await api.delete(`/api/reservations/${released.id}`, { token: me.token })).status).toBe(200);
    await d.reserve(other);

    const expected = [
      {
        id: held.id,
        status: 'held',
        quantity: 1,
        pay: { method: 'POST', path: `/api/reservations/${held.id}/pay` },
      },
      { id: released.id, status: 'released', quantity: 2 },
      { id: paid.id, status: 'paid', quantity: 1, orderId: paid.id },
    ];
    await vi.waitFor(async () => {
      const listed = await listAll(api, me.token, 1);
      expect(listed).toMatchObject(expected);
    }, PIPELINE);
    const listed = await listAll(api, me.token, 50);
    expect(listed).toHaveLength(3);
    for (const r of listed) {
      expect(r).toMatchObject({ dropId: d.drop.id, currency: 'EUR', amountCents: 1_250 * r.quantity });
    }
    expect(listed[0]?.expiresAt).toBe(held.expiresAt);
    expect(listed.filter((r) => r.pay)).toHaveLength(1);
    expect((await listAll(api, other.token, 2)).map((r) => r.id)).not.toContain(held.id);
  });

  test('a released hold is told released at once: a row PostgreSQL saw held is read again from Redis', async ({
    api,
    config,
  }) => {
    const d = await openDrop(api, config);
    const me = await api.shopper();
    const hold = await d.reserve(me);
    await vi.waitFor(async () => expect(await listAll(api, me.token, 5)).toHaveLength(1), PIPELINE);
    expect((await api.delete(`/api/reservations/${hold.id}`, { token: me.token })).status).toBe(200);
    expect((await listAll(api, me.token, 5))[0]).toMatchObject({ id: hold.id, status: 'released' });
  });

  test('anonymous 401, brand 403, a bad limit or cursor 400 problem+json, and nothing changes', async ({
    api,
    config,
  }) => {
    const d = await openDrop(api, config);
    const me = await api.shopper();
    const hold = await d.reserve(me);
    await vi.waitFor(async () => expect(await listAll(api, me.token, 5)).toHaveLength(1), PIPELINE);
    const before = await listAll(api, me.token, 5);

    expectProblem(await api.get('/api/reservations'), 401, 'unauthorized');
    const operator = await api.operator();
    const brand = await api.brand(operator.token);
    expectProblem(await api.get('/api/reservations', { token: brand.token }), 403, 'forbidden');
    const bad = ['?limit=0', '?limit=201', '?limit=x', '?cursor=not-a-cursor', '?cursor=W10', '?colour=red'];
    for (const query of bad) {
      expectProblem(
        await api.get(`/api/reservations${query}`, { token: me.token }),
        400,
        'validation_failed',
      );
    }
    expect(await listAll(api, me.token, 5)).toEqual(before);
    expect((await d.me(me)).hold).toMatchObject({ reservationId: hold.id });
  });
});

describe('GET /api/drops/:id/queue/me and the shopper’s hold', () => {
  test('carries the live hold on that drop, for its shopper only, and null once paid or released', async ({
    api,
    config,
  }) => {
    const d = await openDrop(api, config);
    const me = await api.shopper();
    const other = await api.shopper();
    expect((await d.me(me)).hold).toBeNull();

    const first = await d.reserve(me, 2);
    await vi.waitFor(async () => {
      expect((await d.me(me)).hold).toEqual({
        reservationId: first.id,
        expiresAt: first.expiresAt,
        quantity: 2,
        amountCents: 2_500,
      });
    }, PIPELINE);
    expect((await d.me(other)).hold).toBeNull();

    const pay = await api.post(`/api/reservations/${first.id}/pay`, {
      token: me.token,
      body: payBody(),
    });
    expect(pay.status).toBe(200);
    expect((await d.me(me)).hold).toBeNull();

    const second = await d.reserve(me);
    await vi.waitFor(async () => {
      expect((await d.me(me)).hold?.reservationId).toBe(second.id);
    }, PIPELINE);
    expect((await api.delete(`/api/reservations/${second.id}`, { token: me.token })).status).toBe(200);
    expect((await d.me(me)).hold).toBeNull();
  });

  test('carries a hold the moment it is made, before PostgreSQL has heard of it', async ({
    api,
    config,
    dropline,
  }) => {
    // No outbox relay: the hold's events stay in Redis, so PostgreSQL never learns of it in this test.
    await dropline.background.stop();
    const d = await openDrop(api, config);
    const me = await api.shopper();
    const first = await d.reserve(me);
    expect((await d.me(me)).hold?.reservationId).toBe(first.id);
    // A second hold is the latest, and is the one told (an older one is found through PostgreSQL, which by then
    // has long heard of it).
    const second = await d.reserve(me);
    expect((await d.me(me)).hold?.reservationId).toBe(second.id);
    expect((await api.delete(`/api/reservations/${second.id}`, { token: me.token })).status).toBe(200);
    expect((await api.get('/api/orders', { token: me.token })).body.orders).toEqual([]);
    expect((await api.delete(`/api/reservations/${first.id}`, { token: me.token })).status).toBe(200);
    expect((await d.me(me)).hold).toBeNull();
  });

  test('another drop’s hold is not this drop’s', async ({ api, config }) => {
    const a = await openDrop(api, config);
    const b = await openDrop(api, config);
    const me = await api.shopper();
    const hold = await a.reserve(me);
    await vi.waitFor(async () => expect((await a.me(me)).hold?.reservationId).toBe(hold.id), PIPELINE);
    expect((await b.me(me)).hold).toBeNull();
  });
});
