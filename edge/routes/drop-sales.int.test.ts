import { randomUUID } from 'node:crypto';
import { describe, expect, vi } from 'vitest';
import { type Api, type Config, expectProblem, payBody, test } from '../../infra/testing/index.js';
import { createAdmissionTokens } from '../index.js';
import type { DropSalesResponse } from './drop-sales.js';
import type { ReservationJson } from './reservations.js';

/** The workers apply events to PostgreSQL asynchronously; this is the deadline for seeing them. */
const PIPELINE = { timeout: 10_000, interval: 50 };

/** An open drop of a new brand, and a shopper's paid purchase of `quantity` units of it. */
async function openDrop(api: Api, config: Config, extra: Record<string, unknown> = {}) {
  const { operator, brand, drop } = await api.openDrop({
    priceCents: 24_900,
    currency: 'EUR',
    stock: 20,
    perUserLimit: 5,
    admissionPerMinute: 6000,
    ...extra,
  });
  const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  return {
    operator,
    brand,
    drop,
    async buy(quantity: number) {
      const shopper = await api.shopper();
      const admission = await tokens.sign({
        shopperId: shopper.user.id,
        dropId: drop.id,
        expiresAt: new Date(Date.now() + 5 * 60_000),
      });
      const held = await api.post(`/api/drops/${drop.id}/reservations`, {
        token: shopper.token,
        body: { quantity },
        headers: { 'x-admission-token': admission },
      });
      expect(held.status, JSON.stringify(held.body)).toBe(201);
      const { id } = held.body as ReservationJson;
      const paid = await api.post(`/api/reservations/${id}/pay`, { token: shopper.token, body: payBody() });
      expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    },
    sales: (token: string | undefined) => api.get(`/api/drops/${drop.id}/sales`, { token }),
  };
}

describe('GET /api/drops/:id/sales', () => {
  test('the brand sees cumulative units and revenue of its paid orders, the same on every read', async ({
    api,
    config,
  }) => {
    const d = await openDrop(api, config);
    const before = await d.sales(d.brand.token);
    expect(before.status).toBe(200);
    expect(before.body).toEqual({ points: [], currency: 'EUR', bucketSeconds: 5 });

    await d.buy(1);
    await d.buy(2);
    // A hold never paid is no sale.
    const unpaid = await api.shopper();
    const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
    const admission = await tokens.sign({
      shopperId: unpaid.user.id,
      dropId: d.drop.id,
      expiresAt: new Date(Date.now() + 60_000),
    });
    const held = await api.post(`/api/drops/${d.drop.id}/reservations`, {
      token: unpaid.token,
      body: { quantity: 1 },
      headers: { 'x-admission-token': admission },
    });
    expect(held.status).toBe(201);

    await vi.waitFor(async () => {
      const r = await d.sales(d.brand.token);
      expect((r.body as DropSalesResponse).points.at(-1)).toMatchObject({ units: 3, revenueCents: 74_700 });
    }, PIPELINE);
    const { body } = (await d.sales(d.brand.token)) as { body: DropSalesResponse };
    expect(body.currency).toBe('EUR');
    // Within seconds of each other: 5-second intervals, cumulative, oldest first.
    expect(body.bucketSeconds).toBe(5);
    expect(body.points.length).toBeGreaterThanOrEqual(1);
    expect(body.points.length).toBeLessThanOrEqual(2);
    for (const p of body.points) {
      expect(Date.parse(p.t) % 5000).toBe(0);
      expect(p.revenueCents).toBe(p.units * 24_900);
    }
    const times = body.points.map((p) => Date.parse(p.t));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // What a reload reads: the same series.
    expect((await d.sales(d.brand.token)).body).toEqual(body);
    // An operator reads it too.
    const op = await d.sales(d.operator.token);
    expect(op.status).toBe(200);
    expect(op.body).toEqual(body);
  });

  test('a partner brand reads the sales of the drop it takes part in', async ({ api }) => {
    const { operator, brand, drop } = await api.openDrop({ stock: 5 }, { open: false });
    const partner = await api.brand(operator.token, 'Partner Brand');
    const patched = await api.patch(`/api/drops/${drop.id}`, {
      token: brand.token,
      body: {
        brands: [
          { brandId: brand.user.brandId, sharePercent: 70 },
          { brandId: partner.user.brandId, sharePercent: 30 },
        ],
      },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const r = await api.get(`/api/drops/${drop.id}/sales`, { token: partner.token });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ points: [], currency: 'USD', bucketSeconds: 5 });
  });

  test('another brand, a shopper and a visitor are refused; a malformed or unknown id is not found', async ({
    api,
    config,
  }) => {
    const d = await openDrop(api, config);
    const other = await api.brand(d.operator.token, 'Other Brand');
    expectProblem(await d.sales(other.token), 403, 'forbidden');
    expectProblem(await d.sales((await api.shopper()).token), 403, 'forbidden');
    expectProblem(await d.sales(undefined), 401, 'unauthorized');
    expectProblem(await api.get('/api/drops/not-a-uuid/sales', { token: d.brand.token }), 404, 'not_found');
    expectProblem(
      await api.get(`/api/drops/${randomUUID()}/sales`, { token: d.brand.token }),
      404,
      'not_found',
    );
  });
});
