import { randomUUID } from 'node:crypto';
import { describe, expect, vi } from 'vitest';
import {
  type Api,
  apiClient,
  type ApiResponse,
  type Config,
  createDropline,
  type Dropline,
  expectProblem,
  payBody,
  silentLog,
  test,
  TEST_BUYER,
} from '../../infra/testing/index.js';
import { createAdmissionTokens } from '../index.js';
import type { OrderJson } from './orders.js';
import type { ReservationJson } from './reservations.js';

/** The workers apply events to PostgreSQL asynchronously (target p99 < 1 s); this is the deadline for seeing them. */
const PIPELINE = { timeout: 10_000, interval: 50 };

interface Fixtures {
  api: Api;
  config: Config;
  dropline: Dropline;
}

/** An open drop of a new brand; `admitted` gives a shopper a directly signed admission to it. */
async function openDrop({ api, config }: Fixtures, extra: Record<string, unknown> = {}) {
  const { operator, brand, drop } = await api.openDrop({
    title: 'Jacket',
    sku: 'JA-1',
    priceCents: 4_999,
    stock: 20,
    admissionPerMinute: 6000,
    holdSeconds: 600,
    ...extra,
  });
  const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  return {
    operator,
    brand,
    drop,
    async reserve(
      shopper: { token: string; user: { id: string } },
      quantity = 1,
      admissionEndsAt = new Date(Date.now() + 5 * 60_000),
    ): Promise<ReservationJson> {
      const admission = await tokens.sign({
        shopperId: shopper.user.id,
        dropId: drop.id,
        expiresAt: admissionEndsAt,
      });
      const r = await api.post(`/api/drops/${drop.id}/reservations`, {
        token: shopper.token,
        body: { quantity },
        headers: { 'x-admission-token': admission },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body as ReservationJson;
    },
    async pay(shopper: { token: string }, id: string) {
      const r = await api.post(`/api/reservations/${id}/pay`, { token: shopper.token, body: payBody() });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    },
    async release(shopper: { token: string }, id: string) {
      const r = await api.delete(`/api/reservations/${id}`, { token: shopper.token });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    },
    orders: (token: string | undefined, query = '') =>
      api.get(`/api/drops/${drop.id}/orders${query}`, { token }),
  };
}

/** Follows `nextCursor` from the first page to the last; returns every page. */
async function allPages(api: Api, token: string, path: string, limit: number) {
  const pages: ApiResponse[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await api.get(`${path}${query}`, { token });
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    pages.push(page);
    cursor = page.body.nextCursor as string | null;
    expect(pages.length).toBeLessThanOrEqual(20);
  } while (cursor !== null);
  return pages;
}

describe('a shopper’s orders', () => {
  test('GET /api/orders lists only the caller’s orders, newest first, and pages to a null cursor', async ({
    api,
    config,
    dropline,
  }) => {
    const d = await openDrop({ api, config, dropline }, { perUserLimit: 5, priceCents: 700 });
    const me = await api.shopper();
    const other = await api.guest();

    // Three reservations with distinct creation times (ms), so that "newest first" has one answer.
    const mine: ReservationJson[] = [];
    for (let k = 0; k < 3; k++) {
      const previous = mine.at(-1);
      if (previous) {
        const createdAt = Date.parse(previous.expiresAt) - 600_000;
        await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(createdAt), { timeout: 1000, interval: 1 });
      }
      mine.push(await d.reserve(me, [1, 2, 1][k]));
    }
    const [paid, released, held] = mine as [ReservationJson, ReservationJson, ReservationJson];
    await d.pay(me, paid.id);
    await d.release(me, released.id);
    const theirs = await d.reserve(other);
    await d.pay(other, theirs.id);

    const order = (r: ReservationJson, status: string) => ({
      id: r.id,
      dropId: d.drop.id,
      quantity: r.quantity,
      amountCents: 700 * r.quantity,
      status,
      createdAt: new Date(Date.parse(r.expiresAt) - 600_000).toISOString(),
      paidAt: status === 'paid' ? expect.any(String) : null,
      // What was bought, from whom; a paid order's number and buyer (none for an order never checked out).
      number:
        status === 'paid' ? expect.stringMatching(/^DL-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/) : null,
      title: 'Jacket',
      brandName: 'Test Brand',
      currency: 'USD',
      buyer: status === 'paid' ? TEST_BUYER : null,
      // Not marked shipped (fulfilment.int.test.ts marks orders shipped).
      shipment: null,
    });
    const expected = [order(held, 'held'), order(released, 'released'), order(paid, 'paid')];
    await vi.waitFor(async () => {
      const list = await api.get('/api/orders', { token: me.token });
      expect(list.status).toBe(200);
      expect(list.body).toEqual({ orders: expected, nextCursor: null });
    }, PIPELINE);
    await vi.waitFor(async () => {
      const list = await api.get('/api/orders', { token: other.token });
      expect(list.body).toEqual({ orders: [order(theirs, 'paid')], nextCursor: null });
    }, PIPELINE);

    for (const limit of [1, 2]) {
      const pages = await allPages(api, me.token, '/api/orders', limit);
      expect(pages).toHaveLength(Math.ceil(3 / limit));
      for (const page of pages.slice(0, -1)) expect(page.body.nextCursor).toEqual(expect.any(String));
      expect(pages.at(-1)!.body.nextCursor).toBeNull();
      expect(pages.flatMap((p) => p.body.orders as OrderJson[])).toEqual(expected);
    }

    for (const r of mine) {
      const one = await api.get(`/api/orders/${r.id}`, { token: me.token });
      expect(one.status).toBe(200);
      expect(one.body).toEqual(expected.find((o) => o.id === r.id));
    }
  });

  test('another shopper’s order and unknown ids are 404; anonymous is 401; brand and operator are 403', async ({
    api,
    config,
    dropline,
  }) => {
    const d = await openDrop({ api, config, dropline });
    const owner = await api.guest();
    const intruder = await api.shopper();
    const reserved = await d.reserve(owner);
    await d.pay(owner, reserved.id);
    // The order exists in PostgreSQL before anyone else asks for it.
    await vi.waitFor(async () => {
      expect((await api.get(`/api/orders/${reserved.id}`, { token: owner.token })).status).toBe(200);
    }, PIPELINE);

    expectProblem(await api.get(`/api/orders/${reserved.id}`, { token: intruder.token }), 404, 'not_found');
    expect((await api.get('/api/orders', { token: intruder.token })).body).toEqual({
      orders: [],
      nextCursor: null,
    });
    for (const id of [`rsv_${'A'.repeat(43)}`, 'abc', randomUUID()]) {
      expectProblem(await api.get(`/api/orders/${id}`, { token: owner.token }), 404, 'not_found');
    }

    for (const path of ['/api/orders', `/api/orders/${reserved.id}`]) {
      expectProblem(await api.get(path), 401, 'unauthorized');
      expectProblem(await api.get(path, { token: d.brand.token }), 403, 'forbidden');
      expectProblem(await api.get(path, { token: d.operator.token }), 403, 'forbidden');
    }
  });

  test('paging parameters are validated: a bad limit or cursor is 400', async ({ api }) => {
    const me = await api.shopper();
    for (const query of ['?limit=0', '?limit=201', '?limit=x', '?cursor=not-a-cursor', '?colour=red']) {
      expectProblem(await api.get(`/api/orders${query}`, { token: me.token }), 400, 'validation_failed');
    }
    expect((await api.get('/api/orders?limit=200', { token: me.token })).status).toBe(200);
  });
});

describe('a drop’s orders', () => {
  test('only its brand and operators see them: other brand and shopper 403, anonymous 401, unknown drop 404', async ({
    api,
    config,
    dropline,
  }) => {
    const d = await openDrop({ api, config, dropline });
    const shopper = await api.shopper();
    const reserved = await d.reserve(shopper);
    const otherBrand = await api.brand(d.operator.token, 'Other Brand');

    const expected = {
      orders: [expect.objectContaining({ id: reserved.id, status: 'held' })],
      totals: {
        paidUnits: 0,
        paidCents: 0,
        heldUnits: 1,
        expiredUnits: 0,
        byBrand: [{ brandId: d.brand.user.brandId, name: 'Test Brand', sharePercent: 100, paidCents: 0 }],
      },
      nextCursor: null,
    };
    await vi.waitFor(async () => {
      const r = await d.orders(d.brand.token);
      expect(r.status).toBe(200);
      expect(r.body).toEqual(expected);
    }, PIPELINE);
    const byOperator = await d.orders(d.operator.token);
    expect(byOperator.status).toBe(200);
    expect(byOperator.body).toEqual(expected);

    expectProblem(await d.orders(otherBrand.token), 403, 'forbidden');
    expectProblem(await d.orders(shopper.token), 403, 'forbidden');
    expectProblem(await d.orders(undefined), 401, 'unauthorized');
    for (const id of [randomUUID(), 'abc']) {
      for (const token of [d.operator.token, d.brand.token]) {
        expectProblem(await api.get(`/api/drops/${id}/orders`, { token }), 404, 'not_found');
      }
    }
  });

  test('a drop’s orders page newest first to a null cursor; totals cover every page', async ({
    api,
    config,
    dropline,
  }) => {
    const d = await openDrop({ api, config, dropline });
    const shoppers = await Promise.all(Array.from({ length: 4 }, () => api.guest()));
    const reserved = await Promise.all(shoppers.map((s) => d.reserve(s)));
    const ids = reserved.map((r) => r.id);

    await vi.waitFor(async () => {
      const r = await d.orders(d.brand.token);
      expect((r.body.orders as OrderJson[]).map((o) => o.id).sort()).toEqual([...ids].sort());
    }, PIPELINE);
    const all = (await d.orders(d.brand.token)).body as { orders: OrderJson[] };
    // Newest first (concurrent reservations may share a millisecond; the id then breaks the tie).
    const created = all.orders.map((o) => Date.parse(o.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));

    const pages = await allPages(api, d.brand.token, `/api/drops/${d.drop.id}/orders`, 1);
    expect(pages).toHaveLength(4);
    expect(pages.flatMap((p) => p.body.orders as OrderJson[])).toEqual(all.orders);
    for (const page of pages) {
      expect(page.body.totals).toMatchObject({ paidUnits: 0, paidCents: 0, heldUnits: 4, expiredUnits: 0 });
    }
  });

  test('totals agree with what happened: one paid of 2 units, one held, one expired', async ({ config }) => {
    // The holds' clock is injected, so that one hold expires while another, made later, is still held.
    let offset = 0;
    const clock = { now: () => Date.now() + offset };
    const dropline = await createDropline({
      config,
      log: silentLog,
      roles: { edge: true, workers: true },
      clock,
    });
    try {
      const api = apiClient(dropline.app!, config);
      const d = await openDrop({ api, config, dropline }, { perUserLimit: 2, priceCents: 4_999, stock: 10 });
      const [payer, holder, lapser] = await Promise.all([api.guest(), api.shopper(), api.guest()]);

      const lapsed = await d.reserve(lapser);
      offset = 601_000; // past the lapsed hold's 600 s
      await vi.waitFor(async () => {
        const r = await api.get(`/api/reservations/${lapsed.id}`, { token: lapser.token });
        expect(r.body.status).toBe('expired');
      }, PIPELINE);

      const admissionEndsAt = new Date(clock.now() + 5 * 60_000);
      const bought = await d.reserve(payer, 2, admissionEndsAt);
      await d.pay(payer, bought.id);
      const held = await d.reserve(holder, 1, admissionEndsAt);

      const totals = {
        paidUnits: 2,
        paidCents: 9_998,
        heldUnits: 1,
        expiredUnits: 1,
        byBrand: [{ brandId: d.brand.user.brandId, name: 'Test Brand', sharePercent: 100, paidCents: 9_998 }],
      };
      await vi.waitFor(async () => {
        const r = await d.orders(d.brand.token);
        expect(r.status).toBe(200);
        expect(r.body.totals).toEqual(totals);
        const statuses = Object.fromEntries(
          (r.body.orders as OrderJson[]).map((o) => [o.id, [o.status, o.quantity, o.amountCents]]),
        );
        expect(statuses).toEqual({
          [lapsed.id]: ['expired', 1, 4_999],
          [bought.id]: ['paid', 2, 9_998],
          [held.id]: ['held', 1, 4_999],
        });
      }, PIPELINE);
      expect((await d.orders(d.operator.token)).body.totals).toEqual(totals);
      expect(dropline.payments.captured).toEqual([bought.id]);
    } finally {
      await dropline.close();
    }
  });
});
