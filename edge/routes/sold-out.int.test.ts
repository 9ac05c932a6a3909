/**
 * Sold out for good, end to end (HTTP, Socket.IO, the workers and PostgreSQL): a drop is `sold_out` only once every
 * unit is sold and none held, audited once; its waiting shoppers are told `all_sold` (GET …/queue/me and a `queue`
 * push) and its line closes (joins 409 `sold_out`, changing nothing). While every unit is merely held the drop stays
 * open, its waiting shoppers see `sold_out` and the stock says when held units return.
 */
import { onTestFinished, describe, expect, vi } from 'vitest';
import {
  type Api,
  type Config,
  connectSocket,
  type Dropline,
  expectProblem,
  payBody,
  type RecordingSocket,
  test,
} from '../../infra/testing/index.js';
import { createAdmissionTokens } from '../index.js';

/** The workers apply events to PostgreSQL asynchronously (target p99 < 1 s); this is the deadline for seeing them. */
const PIPELINE = { timeout: 15_000, interval: 50 };

interface Fixtures {
  api: Api;
  config: Config;
  dropline: Dropline;
}

/**
 * An open drop whose admission is paused, so whoever joins keeps waiting; buyers reserve with directly signed
 * admissions (the reservation endpoint checks only the token).
 */
async function pausedDrop({ api, config, dropline }: Fixtures, stock: number, holdSeconds = 600) {
  const { operator, drop } = await api.openDrop({
    title: 'Jacket',
    sku: 'JA-1',
    priceCents: 9000,
    stock,
    holdSeconds,
    admissionPerMinute: 6000,
  });
  const path = `/api/drops/${drop.id}`;
  const paused = await api.put(`/api/admin/drops/${drop.id}/admission`, {
    token: operator.token,
    body: { paused: true },
  });
  expect(paused.status).toBe(200);
  const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  const d = {
    drop,
    path,
    /** A new guest holding one unit (201 expected). */
    async buyer() {
      const guest = await api.guest();
      const admission = await tokens.sign({
        shopperId: guest.user.id,
        dropId: drop.id,
        expiresAt: new Date(Date.now() + 600_000),
      });
      const reserve = () =>
        api.post(`${path}/reservations`, { token: guest.token, headers: { 'x-admission-token': admission } });
      return { guest, reserve };
    },
    pay: (token: string, id: string) => api.post(`/api/reservations/${id}/pay`, { token, body: payBody() }),
    me: (token: string) => api.get(`${path}/queue/me`, { token }),
    status: async () => (await api.get(path)).body.status as string,
    /** The drop's status changes in its audit log, oldest first. */
    async statusAudit() {
      const r = await api.get(`/api/admin/drops/${drop.id}/audit?limit=200`, { token: operator.token });
      expect(r.status).toBe(200);
      return (r.body.entries as { actor: string; change: { field: string; from: unknown; to: unknown } }[])
        .filter((e) => e.change.field === 'status')
        .map((e) => `${String(e.change.from)}→${String(e.change.to)}`)
        .reverse();
    },
    /** Waits until PostgreSQL has applied every event the drop's Redis has numbered. */
    async settled() {
      await vi.waitFor(async () => {
        const r = await dropline.reconciler.reconcile(drop.id);
        expect(r.seq.redis).toBe(r.seq.postgres);
        expect(r.matches).toBe(true);
      }, PIPELINE);
    },
    /** Exact units, from Redis. */
    async units() {
      const h = await dropline.redis.hgetall(`${config.redisPrefix}{drop:${drop.id}}:stock`);
      return { available: Number(h.available), held: Number(h.held), sold: Number(h.sold) };
    },
  };
  return d;
}

async function socketsOf(dropline: Dropline, tokens: string[]): Promise<RecordingSocket[]> {
  const server = await dropline.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${server.port}`;
  const list = await Promise.all(tokens.map((t) => connectSocket(url, t)));
  onTestFinished(() => list.forEach((s) => s.close()));
  return list;
}

describe('sold out for good', () => {
  test('every unit held: the drop stays open, unaudited; waiting shoppers see sold_out and when units return; then all sold: 20 waiting shoppers are told all_sold, audited once, and the line closes', async ({
    api,
    config,
    dropline,
  }) => {
    const d = await pausedDrop({ api, config, dropline }, 2);
    const waiting = await Promise.all(Array.from({ length: 20 }, () => api.guest()));
    for (const g of waiting) expect((await api.post(`${d.path}/queue`, { token: g.token })).status).toBe(201);
    const socks = await socketsOf(
      dropline,
      waiting.map((g) => g.token),
    );
    for (const s of socks)
      expect(await s.call('watch', { dropId: d.drop.id })).toMatchObject({ status: 'waiting' });

    // Every unit held: units may come back, so the drop stays open, with no audit entry and no status push.
    const [a, b] = [await d.buyer(), await d.buyer()];
    const heldA = await a.reserve();
    const heldB = await b.reserve();
    expect([heldA.status, heldB.status]).toEqual([201, 201]);
    expect(await d.units()).toEqual({ available: 0, held: 2, sold: 0 });
    const deadlines = [heldA.body.expiresAt as string, heldB.body.expiresAt as string].sort();
    await Promise.all(socks.map((s) => s.next('queue', (p) => p.status === 'sold_out')));
    for (const g of waiting)
      expect((await d.me(g.token)).body).toMatchObject({ status: 'sold_out', etaSeconds: null });
    await vi.waitFor(async () => {
      const stock = await api.get(`${d.path}/stock`);
      expect(stock.body).toMatchObject({
        available: 0,
        held: 2,
        status: 'open',
        nextReturnAt: deadlines[0],
        heldUntil: deadlines[1],
      });
    }, PIPELINE);
    // The stock push says it too.
    expect(await socks[0]!.next('stock', (p) => p.held === 2, PIPELINE.timeout)).toEqual({
      dropId: d.drop.id,
      available: 0,
      held: 2,
      sold: 0,
      nextReturnAt: deadlines[0],
      heldUntil: deadlines[1],
    });
    await d.settled();
    expect(await d.status()).toBe('open');
    expect(await d.statusAudit()).toEqual(['scheduled→open']);

    // The last unit paid: sold out for good.
    expect((await d.pay(a.guest.token, heldA.body.id)).status).toBe(200);
    expect(await d.units()).toEqual({ available: 0, held: 1, sold: 1 });
    expect((await d.me(waiting[0]!.token)).body.status).toBe('sold_out');
    expect((await d.pay(b.guest.token, heldB.body.id)).status).toBe(200);
    expect(await d.units()).toEqual({ available: 0, held: 0, sold: 2 });

    // Every waiting shopper is told, by GET …/queue/me at once and by a push; the drop's status follows.
    for (const g of waiting)
      expect((await d.me(g.token)).body).toMatchObject({ status: 'all_sold', etaSeconds: null });
    const told = await Promise.all(socks.map((s) => s.next('queue', (p) => p.status === 'all_sold')));
    expect(new Set(told.map((p) => p.position)).size).toBe(20);
    await Promise.all(socks.map((s) => s.next('status', (p) => p.status === 'sold_out')));
    expect(await socks[0]!.next('stock', (p) => p.sold === 2, PIPELINE.timeout)).toMatchObject({
      held: 0,
      nextReturnAt: null,
      heldUntil: null,
    });
    expect(await d.status()).toBe('sold_out');
    await d.settled();
    expect(await d.statusAudit()).toEqual(['scheduled→open', 'open→sold_out']);
    // The watch ack says it too, and the line is closed: no further push follows the last one.
    for (const [i, s] of socks.entries()) {
      expect(await s.call('watch', { dropId: d.drop.id })).toMatchObject({ status: 'all_sold' });
      expect(s.received('queue').filter((p) => p.status === 'all_sold')).toHaveLength(1);
      expect(s.received('queue').at(-1)).toEqual(told[i]);
    }

    // New joins are refused (HTTP and socket) and change nothing; so is a reservation.
    const before = (await d.me(waiting[0]!.token)).body;
    const newcomer = await api.guest();
    expectProblem(await api.post(`${d.path}/queue`, { token: newcomer.token }), 409, 'sold_out');
    const [late] = await socketsOf(dropline, [newcomer.token]);
    expect(await late!.call('join', { dropId: d.drop.id })).toEqual({
      error: { code: 'sold_out', message: expect.any(String) },
    });
    expect((await d.me(newcomer.token)).body).toMatchObject({ status: 'none', position: null });
    expect((await d.me(waiting[0]!.token)).body).toEqual(before);
    expectProblem(await (await d.buyer()).reserve(), 409, 'sold_out');
    expect(await d.units()).toEqual({ available: 0, held: 0, sold: 2 });

    // A sold-out drop may still be closed.
    expect((await api.post(`${d.path}/close`, { token: (await api.operator()).token })).status).toBe(200);
    expect(await d.statusAudit()).toEqual(['scheduled→open', 'open→sold_out', 'sold_out→closed']);
  });

  test('a held unit that expires comes back: waiting shoppers wait again, the drop never left open, joins still work', async ({
    api,
    config,
    dropline,
  }) => {
    const d = await pausedDrop({ api, config, dropline }, 1, 1);
    const waiter = await api.guest();
    expect((await api.post(`${d.path}/queue`, { token: waiter.token })).status).toBe(201);
    const buyer = await d.buyer();
    const held = await buyer.reserve();
    expect(held.status).toBe(201);
    expect((await d.me(waiter.token)).body.status).toBe('sold_out');

    // The sweeper returns the unit within a second of its deadline.
    await vi.waitFor(
      async () => expect(await d.units()).toEqual({ available: 1, held: 0, sold: 0 }),
      PIPELINE,
    );
    expect((await d.me(waiter.token)).body.status).toBe('waiting');
    expect((await api.post(`${d.path}/queue`, { token: (await api.guest()).token })).status).toBe(201);
    await d.settled();
    expect(await d.status()).toBe('open');
    expect(await d.statusAudit()).toEqual(['scheduled→open']);
  });

  test('hundreds of shoppers racing to reserve and pay (or give back) the last units: one sold-out-for-good transition', async ({
    api,
    config,
    dropline,
  }) => {
    const d = await pausedDrop({ api, config, dropline }, 25);
    const buyers = await Promise.all(Array.from({ length: 200 }, () => d.buyer()));
    const bought = new Set<number>();
    const answers: number[] = [];
    for (let round = 0; bought.size < 25 && round < 40; round++) {
      await Promise.all(
        buyers.map(async (b, i) => {
          if (bought.has(i)) return;
          const held = await b.reserve();
          answers.push(held.status);
          if (held.status !== 201) {
            expect(held.body.code).toBe('sold_out');
            return;
          }
          // Every fourth winner gives its hold back: those units are raced for again.
          if (i % 4 === round % 4) {
            expect(
              (await api.delete(`/api/reservations/${held.body.id}`, { token: b.guest.token })).status,
            ).toBe(200);
            return;
          }
          expect((await d.pay(b.guest.token, held.body.id)).status).toBe(200);
          bought.add(i);
        }),
      );
    }
    expect(bought.size).toBe(25);
    expect(answers.filter((s) => s !== 201 && s !== 409)).toEqual([]);
    expect(await d.units()).toEqual({ available: 0, held: 0, sold: 25 });
    await d.settled();
    // The drop's status is applied by its own consumer, which may trail the inventory's.
    await vi.waitFor(async () => expect(await d.status()).toBe('sold_out'), PIPELINE);
    expect(await d.statusAudit()).toEqual(['scheduled→open', 'open→sold_out']);
    const [row] = await dropline.sql<{ availability_seq: number }[]>`
      SELECT availability_seq FROM drops WHERE id = ${d.drop.id}`;
    expect(row?.availability_seq).toBe(1);
  });
});
