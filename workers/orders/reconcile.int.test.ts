import { describe, expect, vi } from 'vitest';
import { clearPrefix, countOf, payBody, test } from '../../infra/testing/index.js';
import { createAdmissionTokens } from '../../edge/index.js';

const WAIT = { timeout: 20_000, interval: 100 };

describe('reconciliation', () => {
  test('after Redis loses its data mid-drop, it is rebuilt from PostgreSQL: no payment lost, no unit sold twice', async ({
    api,
    dropline,
    config,
    prefix,
  }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const created = await api.post('/api/drops', {
      token: brand.token,
      body: {
        title: 'Desk',
        sku: 'D-1',
        priceCents: 1000,
        stock: 20,
        perUserLimit: 2,
        holdSeconds: 600,
        opensAt: new Date(Date.now() + 3600_000).toISOString(),
      },
    });
    const dropId: string = created.body.id;
    await api.post(`/api/drops/${dropId}/open`, { token: brand.token });
    const admissions = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
    const reserve = async () => {
      const guest = await api.guest();
      const admission = await admissions.sign({
        shopperId: guest.user.id,
        dropId,
        expiresAt: new Date(Date.now() + 600_000),
      });
      const r = await api.post(`/api/drops/${dropId}/reservations`, {
        token: guest.token,
        headers: { 'x-admission-token': admission },
        body: {},
      });
      expect(r.status).toBe(201);
      return { guest, id: r.body.id as string };
    };

    // 10 holds, 5 of them paid (each payment confirmed: stored in JetStream before its 200) …
    const holds = await Promise.all(Array.from({ length: 10 }, reserve));
    for (const h of holds.slice(0, 5)) {
      const paid = await api.post(`/api/reservations/${h.id}/pay`, {
        token: h.guest.token,
        body: payBody(),
      });
      expect(paid.status).toBe(200);
    }
    // … all recorded by PostgreSQL …
    await vi.waitFor(
      async () =>
        expect(
          await countOf(dropline.sql`SELECT count(*)::int AS count FROM orders WHERE drop_id = ${dropId}`),
        ).toBe(10),
      WAIT,
    );
    // … and 3 more whose events have not left Redis yet (the relay is stopped).
    await dropline.background.stop();
    const unrelayed = await Promise.all(Array.from({ length: 3 }, reserve));
    const before = await dropline.reconciler.reconcile(dropId);
    expect(before.unrecorded.sort()).toEqual(unrelayed.map((h) => h.id).sort());
    expect(before.redis).toEqual({ total: 20, available: 7, held: 8, sold: 5 });

    // Redis loses everything of this deployment.
    await clearPrefix(config.redisUrl, prefix);
    expect(await dropline.redis.exists(`${prefix}{drop:${dropId}}:stock`)).toBe(0);
    const during = await api.get(`/api/drops/${dropId}/stock`);
    expect([503, 200]).toContain(during.status);

    // The workers notice (the sentinel is gone), drain the stream and rebuild.
    dropline.background.start();
    await vi.waitFor(
      async () => expect(await dropline.redis.exists(`${prefix}{drop:${dropId}}:stock`)).toBe(1),
      WAIT,
    );
    const after = await dropline.reconciler.reconcile(dropId);
    expect(after.redis).toEqual({ total: 20, available: 10, held: 5, sold: 5 });
    expect(after.matches).toBe(true);
    const { total, available, held, sold } = after.redis!;
    expect(available + held + sold).toBe(total);

    // No confirmed payment lost; the recorded holds are back and can still be paid, exactly once.
    for (const h of holds.slice(0, 5)) {
      expect((await api.get(`/api/reservations/${h.id}`, { token: h.guest.token })).body.status).toBe('paid');
    }
    const held0 = holds[5]!;
    expect((await api.get(`/api/reservations/${held0.id}`, { token: held0.guest.token })).body.status).toBe(
      'held',
    );
    expect(
      (
        await api.post(`/api/reservations/${held0.id}/pay`, {
          token: held0.guest.token,
          body: payBody(),
        })
      ).status,
    ).toBe(200);
    // Paying again sells nothing more: 409, or 200 with the same order where checkout answers a retry with it.
    const again = await api.post(`/api/reservations/${held0.id}/pay`, {
      token: held0.guest.token,
      body: payBody(),
    });
    expect([409, 200]).toContain(again.status);
    if (again.status === 200) expect(again.body.orderId ?? again.body.id).toBe(held0.id);

    // The holds PostgreSQL never heard of are gone, and their shoppers are told so.
    for (const h of unrelayed) {
      const r = await api.get(`/api/reservations/${h.id}`, { token: h.guest.token });
      expect(r.status).toBe(404);
      expect(r.body.detail).toMatch(/no such reservation/);
    }
    await vi.waitFor(async () => {
      const paid = await countOf(
        dropline.sql`SELECT sum(quantity)::int AS count FROM orders WHERE drop_id = ${dropId} AND status = 'paid'`,
      );
      const redisSold = Number(await dropline.redis.hget(`${prefix}{drop:${dropId}}:stock`, 'sold'));
      expect(paid).toBe(6);
      expect(redisSold).toBe(6);
    }, WAIT);
  });

  test('a drop whose Redis data is intact is compared, never rebuilt', async ({ api, dropline }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const created = await api.post('/api/drops', {
      token: brand.token,
      body: {
        title: 'Stool',
        sku: 'S-1',
        priceCents: 100,
        stock: 5,
        opensAt: new Date(Date.now() + 3600_000).toISOString(),
      },
    });
    await api.post(`/api/drops/${created.body.id}/open`, { token: brand.token });
    const result = await dropline.reconciler.reconcile(created.body.id, { rebuild: true });
    expect(result).toMatchObject({
      matches: true,
      unrecorded: [],
      redis: { total: 5, available: 5, held: 0, sold: 0 },
    });
    expect(result.rebuilt).toBeUndefined();
  });
});
