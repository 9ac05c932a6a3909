/**
 * A Redis that comes back older, with the workers role running: the drop's keys put back from a DUMP taken before
 * more sales (what an older RDB or AOF, or a promoted lagging replica, does to it). The recovery watch notices that
 * Redis is behind PostgreSQL, fences the drop, rebuilds it from PostgreSQL and lifts the fence; a fenced drop
 * answers 503 to reserve and pay. Afterwards: PostgreSQL paid = Redis sold ≤ stock, every captured order is in
 * Redis, no order is stuck held, and the sold-out event after the rebuild is applied.
 */
import { describe, expect, vi } from 'vitest';
import { createAdmissionTokens } from '../../edge/index.js';
import { type Api, type Config, countOf, payBody, test } from '../../infra/testing/index.js';
import { createInventoryKeys, createRebuild } from '../../inventory/index.js';
import { createQueueKeys } from '../../queue/index.js';

const WAIT = { timeout: 20_000, interval: 100 };

async function openDrop(api: Api, stock: number): Promise<string> {
  const op = await api.operator();
  const brand = await api.brand(op.token);
  const created = await api.post('/api/drops', {
    token: brand.token,
    body: {
      title: 'Lamp',
      sku: 'L-1',
      priceCents: 500,
      stock,
      perUserLimit: 1,
      holdSeconds: 600,
      opensAt: new Date(Date.now() + 3600_000).toISOString(),
    },
  });
  await api.post(`/api/drops/${created.body.id}/open`, { token: brand.token });
  return created.body.id as string;
}

function shoppers(api: Api, config: Config, dropId: string) {
  const admissions = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  return async () => {
    const guest = await api.guest();
    const admission = await admissions.sign({
      shopperId: guest.user.id,
      dropId,
      expiresAt: new Date(Date.now() + 600_000),
    });
    const reserve = () =>
      api.post(`/api/drops/${dropId}/reservations`, {
        token: guest.token,
        headers: { 'x-admission-token': admission },
        body: {},
      });
    const r = await reserve();
    const id = r.body.id as string;
    return {
      reserved: r,
      id,
      reserveAgain: reserve,
      pay: () => api.post(`/api/reservations/${id}/pay`, { token: guest.token, body: payBody() }),
      release: () => api.delete(`/api/reservations/${id}`, { token: guest.token }),
    };
  };
}

describe('a Redis that comes back older', () => {
  test('is noticed, fenced and rebuilt from PostgreSQL; nothing oversold, nothing lost', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const dropId = await openDrop(api, 4);
    const shopper = shoppers(api, config, dropId);
    const keys = createInventoryKeys(prefix);
    const drop = [
      keys.dropMeta(dropId),
      keys.stock(dropId),
      keys.holds(dropId),
      keys.deadlines(dropId),
      keys.units(dropId),
      keys.heldBy(dropId),
    ];
    const sql = dropline.sql;
    const paidInPostgres = () =>
      countOf(
        sql`SELECT coalesce(sum(quantity), 0)::int AS count FROM orders WHERE drop_id = ${dropId} AND status = 'paid'`,
      );

    const a = await shopper();
    expect((await a.pay()).status).toBe(200);
    await vi.waitFor(async () => expect(await paidInPostgres()).toBe(1), WAIT);
    const snapshot = await Promise.all(
      drop.map(async (k) => [k, await dropline.redis.dumpBuffer(k)] as const),
    );

    // Three more sales: the drop is sold out, in Redis and in PostgreSQL.
    const later = [await shopper(), await shopper(), await shopper()];
    for (const s of later) expect((await s.pay()).status).toBe(200);
    await vi.waitFor(async () => {
      expect(await paidInPostgres()).toBe(4);
      expect((await api.get(`/api/drops/${dropId}`)).body.status).toBe('sold_out');
    }, WAIT);

    // Redis comes back older: it has forgotten three sales and would sell their units again.
    for (const [k, v] of snapshot) if (v) await dropline.redis.restore(k, 0, v, 'REPLACE');
    await vi.waitFor(async () => {
      const r = await dropline.reconciler.reconcile(dropId);
      expect(r.verdict).toBe('ok');
      expect(r.redis).toEqual({ total: 4, available: 0, held: 0, sold: 4 });
    }, WAIT);
    for (const s of [a, ...later]) {
      expect((await api.get(`/api/reservations/${s.id}`, { token: (await api.guest()).token })).status).toBe(
        404,
      );
    }
    const sold = Number(await dropline.redis.hget(keys.stock(dropId), 'sold'));
    expect(sold).toBe(await paidInPostgres());
    expect(sold).toBeLessThanOrEqual(4);
    expect(
      await countOf(
        sql`SELECT count(*)::int AS count FROM orders WHERE drop_id = ${dropId} AND status = 'held'`,
      ),
    ).toBe(0);
    const inRedis = await dropline.redis.hkeys(keys.holds(dropId));
    for (const s of [a, ...later]) expect(inRedis).toContain(s.id);
    expect((await shopper()).reserved.status).toBe(409);
  });

  test('a fenced drop answers 503 to reserve and pay until the watch rebuilds it; selling out continues', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const dropId = await openDrop(api, 2);
    const shopper = shoppers(api, config, dropId);
    const queueKeys = createQueueKeys(prefix);
    const rebuild = createRebuild({
      redis: dropline.redis,
      keys: createInventoryKeys(prefix),
      activeKey: (id) => queueKeys.active(id),
      clock: Date,
    });
    const a = await shopper();
    const b = await shopper();
    expect((await b.pay()).status).toBe(200);
    // Every unit held or sold, but a's may come back: the drop stays open once PostgreSQL has caught up.
    await vi.waitFor(async () => {
      const r = await dropline.reconciler.reconcile(dropId);
      expect(r.seq.redis).toBe(r.seq.postgres);
    }, WAIT);
    expect((await api.get(`/api/drops/${dropId}`)).body.status).toBe('open');

    // Fenced (as the watch does when it finds Redis behind): nothing is sold until the rebuild lifts it.
    await rebuild.fence(dropId, 'test');
    const pay = await a.pay();
    const reserve = (await shopper()).reserved;
    expect([pay.status, pay.body.code, reserve.status, reserve.body.code]).toEqual([
      503,
      'unavailable',
      503,
      'unavailable',
    ]);
    await vi.waitFor(async () => expect((await rebuild.position(dropId)).fenced).toBe(false), WAIT);

    // The rebuild kept the counters of PostgreSQL: paying the held unit sells the drop out for good, and
    // PostgreSQL applies it.
    expect((await a.pay()).status).toBe(200);
    await vi.waitFor(
      async () => expect((await api.get(`/api/drops/${dropId}`)).body.status).toBe('sold_out'),
      WAIT,
    );
    expect((await rebuild.position(dropId)).availabilitySeq).toBe(1);
    await vi.waitFor(async () => {
      const r = await dropline.reconciler.reconcile(dropId);
      expect(r.seq.redis).toBe(r.seq.postgres);
      expect(r.matches).toBe(true);
    }, WAIT);
  });
});
