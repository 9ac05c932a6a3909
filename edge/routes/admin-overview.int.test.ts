import { describe, expect, vi } from 'vitest';
import { type Api, type Config, expectProblem, payBody, test } from '../../infra/testing/index.js';
import { createAdmissionTokens } from '../index.js';
import type { OverviewDropJson, OverviewJson } from './admin-overview.js';
import type { DropJson } from './drops.js';
import type { ReservationJson } from './reservations.js';

const HOUR = 3600_000;
/** The workers apply events to PostgreSQL asynchronously; this is the deadline for seeing a payment's revenue. */
const PIPELINE = { timeout: 10_000, interval: 50 };

async function overview(api: Api, token: string): Promise<OverviewJson> {
  const r = await api.get('/api/admin/overview', { token });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as OverviewJson;
}

const ids = (o: OverviewJson) => o.drops.map((d) => d.id);

describe('GET /api/admin/overview', () => {
  test('lists drops that are open or open within 24 h, open ones first; not later, closed or cancelled ones', async ({
    api,
  }) => {
    const { operator, brand, drop: open } = await api.openDrop({ title: 'Open now' });
    const create = async (title: string, opensInMs: number) => {
      const r = await api.post('/api/drops', {
        token: brand.token,
        body: { title, sku: 'OV-1', priceCents: 1000, stock: 5, opensAt: new Date(Date.now() + opensInMs) },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body as DropJson;
    };
    const act = async (id: string, action: 'open' | 'close' | 'cancel') =>
      expect((await api.post(`/api/drops/${id}/${action}`, { token: brand.token })).status).toBe(200);

    const inTwoHours = await create('In two hours', 2 * HOUR);
    const inThreeHours = await create('In three hours', 3 * HOUR);
    const inTwoDays = await create('In two days', 48 * HOUR);
    const closed = await create('Closed', HOUR);
    await act(closed.id, 'open');
    await act(closed.id, 'close');
    const cancelled = await create('Cancelled', HOUR);
    await act(cancelled.id, 'cancel');

    const listed = ids(await overview(api, operator.token));
    expect(listed).toContain(open.id);
    expect(listed).toContain(inTwoHours.id);
    expect(listed).toContain(inThreeHours.id);
    for (const absent of [inTwoDays, closed, cancelled]) expect(listed).not.toContain(absent.id);
    // Open drops first; scheduled ones after them, the soonest first.
    expect(listed.indexOf(open.id)).toBeLessThan(listed.indexOf(inTwoHours.id));
    expect(listed.indexOf(inTwoHours.id)).toBeLessThan(listed.indexOf(inThreeHours.id));

    const scheduled = (await overview(api, operator.token)).drops.find((d) => d.id === inTwoHours.id);
    expect(scheduled).toEqual({
      id: inTwoHours.id,
      title: 'In two hours',
      status: 'scheduled',
      opensAt: inTwoHours.opensAt,
      closesAt: null,
      paused: false,
      challengeBits: 0,
      queueLength: 0,
      activeShoppers: 0,
      units: { total: 5, available: 5, held: 0, sold: 0 },
      revenue: { paidCents: 0, currency: 'USD' },
    } satisfies OverviewDropJson);

    // `limit` keeps to the first drops of the same order.
    const r = await api.get('/api/admin/overview?limit=1', { token: operator.token });
    expect(r.status).toBe(200);
    expect(ids(r.body as OverviewJson)).toEqual(listed.slice(0, 1));
  });

  test('each drop’s line, units and revenue: after joins, a reservation and a payment', async ({
    api,
    config,
  }) => {
    const { operator, drop } = await api.openDrop({
      title: 'Figures',
      priceCents: 2_500,
      currency: 'EUR',
      stock: 10,
      perUserLimit: 3,
      holdSeconds: 600,
    });
    const admission = async (body: Record<string, unknown>) =>
      expect(
        (await api.put(`/api/admin/drops/${drop.id}/admission`, { token: operator.token, body })).status,
      ).toBe(200);
    // Paused, so that the joiners stay in the line.
    await admission({ paused: true });
    for (let i = 0; i < 3; i++) {
      const joined = await api.post(`/api/drops/${drop.id}/queue`, { token: (await api.guest()).token });
      expect(joined.status, JSON.stringify(joined.body)).toBe(201);
    }
    await admission({ challengeBits: 4 });

    const holder = await api.guest();
    const buyer = await api.guest();
    const reserve = reserver(api, config, drop.id);
    await reserve(holder, 2);
    const bought = await reserve(buyer, 1);
    const paid = await api.post(`/api/reservations/${bought.id}/pay`, {
      token: buyer.token,
      body: payBody(),
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);

    const figures = async () =>
      (await overview(api, operator.token)).drops.find((d) => d.id === drop.id) as OverviewDropJson;
    // Units come from Redis at once; the revenue once the workers have written the payment's order.
    expect(await figures()).toMatchObject({
      status: 'open',
      paused: true,
      challengeBits: 4,
      queueLength: 3,
      // The holder shops on while holding units; the buyer's turn ended with the payment.
      activeShoppers: 1,
      units: { total: 10, available: 7, held: 2, sold: 1 },
    });
    await vi.waitFor(
      async () => expect((await figures()).revenue).toEqual({ paidCents: 2_500, currency: 'EUR' }),
      PIPELINE,
    );
  });

  test('operators only: a shopper or a brand is 403, nobody signed in 401; a bad query is 400', async ({
    api,
  }) => {
    const { operator, brand } = await api.openDrop();
    const shopper = await api.shopper();
    expectProblem(await api.get('/api/admin/overview'), 401, 'unauthorized');
    expectProblem(await api.get('/api/admin/overview', { token: shopper.token }), 403, 'forbidden');
    expectProblem(await api.get('/api/admin/overview', { token: brand.token }), 403, 'forbidden');
    for (const query of ['?limit=0', '?limit=201', '?limit=x', '?limit=1.5', '?status=open', '?cursor=x']) {
      expectProblem(
        await api.get(`/api/admin/overview${query}`, { token: operator.token }),
        400,
        'validation_failed',
      );
    }
  });
});

/** Reserves units of the drop for a shopper with a directly signed admission. */
function reserver(api: Api, config: Config, dropId: string) {
  const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  return async (shopper: { token: string; user: { id: string } }, quantity: number) => {
    const admission = await tokens.sign({
      shopperId: shopper.user.id,
      dropId,
      expiresAt: new Date(Date.now() + 5 * 60_000),
    });
    const r = await api.post(`/api/drops/${dropId}/reservations`, {
      token: shopper.token,
      body: { quantity },
      headers: { 'x-admission-token': admission },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as ReservationJson;
  };
}
