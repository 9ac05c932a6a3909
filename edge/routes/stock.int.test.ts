import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { describe, expect, vi } from 'vitest';
import {
  type Api,
  type Config,
  type Dropline,
  expectProblem,
  payBody,
  test,
} from '../../infra/testing/index.js';
import { createAdmissionTokens } from '../index.js';
import { createHttpMetrics } from '../middleware/observe.js';
import { createStockCache, type StockCache, type StockSnapshot } from '../stock-cache.js';
import { stockFastPath } from './stock.js';

/** The cache keeps a drop's figures for a second: a fresh read comes within a few seconds at most. */
const REFRESH = { timeout: 5000, interval: 50 };

interface Fixtures {
  api: Api;
  config: Config;
  dropline: Dropline;
  prefix: string;
}

async function openDrop({ api, config, dropline, prefix }: Fixtures, extra: Record<string, unknown> = {}) {
  const { brand, drop } = await api.openDrop({
    title: 'Watch',
    sku: 'WA-1',
    priceCents: 30_000,
    stock: 40,
    admissionPerMinute: 6000,
    ...extra,
  });
  const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  return {
    brand,
    drop,
    /** A new guest and its directly signed admission. */
    async guest() {
      const g = await api.guest();
      const admission = await tokens.sign({
        shopperId: g.user.id,
        dropId: drop.id,
        expiresAt: new Date(Date.now() + 5 * 60_000),
      });
      return { ...g, admission };
    },
    reserve: (g: { token: string; admission: string }) =>
      api.post(`/api/drops/${drop.id}/reservations`, {
        token: g.token,
        headers: { 'x-admission-token': g.admission },
      }),
    read: (token?: string) => api.get(`/api/drops/${drop.id}/stock`, { token }),
    /** The exact figures, from Redis. */
    async exact() {
      const h = await dropline.redis.hgetall(`${prefix}{drop:${drop.id}}:stock`);
      return {
        total: Number(h.total),
        available: Number(h.available),
        held: Number(h.held),
        sold: Number(h.sold),
      };
    },
  };
}

const figures = (s: StockSnapshot) => ({
  total: s.total,
  available: s.available,
  held: s.held,
  sold: s.sold,
});

describe('GET /api/drops/:id/stock', () => {
  test('anyone reads the figures, with Cache-Control public, max-age=1', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const d = await openDrop({ api, config, dropline, prefix }, { stock: 40 });
    const before = Date.now();
    const anonymous = await d.read();
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get('cache-control')).toBe('public, max-age=1');
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/json/);
    expect(anonymous.body).toEqual({
      dropId: d.drop.id,
      total: 40,
      available: 40,
      held: 0,
      sold: 0,
      status: 'open',
      nextReturnAt: null,
      heldUntil: null,
      asOf: expect.any(String),
    });
    const asOf = Date.parse(anonymous.body.asOf);
    expect(new Date(asOf).toISOString()).toBe(anonymous.body.asOf);
    expect(asOf).toBeGreaterThanOrEqual(before - 1000);
    expect(asOf).toBeLessThanOrEqual(Date.now());

    for (const who of [await api.shopper(), d.brand]) {
      const r = await d.read(who.token);
      expect(r.status).toBe(200);
      expect(figures(r.body)).toEqual({ total: 40, available: 40, held: 0, sold: 0 });
    }
  });

  test('an unknown or malformed drop id is 404 not_found', async ({ api }) => {
    for (const id of [randomUUID(), 'abc', '1']) {
      const r = await api.get(`/api/drops/${id}/stock`);
      expectProblem(r, 404, 'not_found');
    }
  });

  test('served from a cache at most a second old: the same asOf within the second, a change shown after it', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const d = await openDrop({ api, config, dropline, prefix }, { stock: 40 });
    const g = await d.guest();

    // Nothing has read this drop's stock yet: the first read fills the cache, for a second.
    const filled = Date.now();
    const first = await d.read();
    expect(first.status).toBe(200);
    const reserved = await d.reserve(g);
    expect(reserved.status).toBe(201);
    expect(await d.exact()).toEqual({ total: 40, available: 39, held: 1, sold: 0 });
    const second = await d.read();
    // Both reads fell within the first one's second.
    expect(Date.now() - filled).toBeLessThan(1000);
    expect(second.body).toEqual(first.body);

    const fresh = await vi.waitFor(async () => {
      const r = await d.read();
      expect(r.body.asOf).not.toBe(first.body.asOf);
      return r;
    }, REFRESH);
    expect(Date.parse(fresh.body.asOf) - Date.parse(first.body.asOf)).toBeGreaterThanOrEqual(1000);
    expect(fresh.body).toMatchObject({ total: 40, available: 39, held: 1, sold: 0, status: 'open' });
  });

  test('every unit held: the drop stays open and says when held units return; every unit sold: sold_out for good', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const d = await openDrop({ api, config, dropline, prefix }, { stock: 2, holdSeconds: 600 });
    const [a, b] = [await d.guest(), await d.guest()];
    const first = await d.read();
    expect(first.body).toMatchObject({ available: 2, status: 'open', nextReturnAt: null, heldUntil: null });
    const heldA = await d.reserve(a);
    const heldB = await d.reserve(b);
    expect([heldA.status, heldB.status]).toEqual([201, 201]);
    const deadlines = [heldA.body.expiresAt as string, heldB.body.expiresAt as string].sort();
    const allHeld = await vi.waitFor(async () => {
      const r = await d.read();
      // Every unit held, but they may come back: still open, with the earliest and the latest hold deadline.
      expect(r.body).toMatchObject({
        available: 0,
        held: 2,
        status: 'open',
        nextReturnAt: deadlines[0],
        heldUntil: deadlines[1],
      });
      return r;
    }, REFRESH);

    expect((await api.delete(`/api/reservations/${heldA.body.id}`, { token: a.token })).status).toBe(200);
    const released = await vi.waitFor(async () => {
      const r = await d.read();
      expect(r.body.asOf).not.toBe(allHeld.body.asOf);
      expect(r.body).toMatchObject({ available: 1, held: 1, status: 'open' });
      return r;
    }, REFRESH);
    expect(released.body).toMatchObject({
      nextReturnAt: heldB.body.expiresAt,
      heldUntil: heldB.body.expiresAt,
    });

    const c = await d.guest();
    const heldC = await d.reserve(c);
    expect(heldC.status).toBe(201);
    for (const [g, id] of [
      [b, heldB.body.id],
      [c, heldC.body.id],
    ] as const)
      expect(
        (await api.post(`/api/reservations/${id}/pay`, { token: g.token, body: payBody() })).status,
      ).toBe(200);
    await vi.waitFor(async () => {
      const r = await d.read();
      expect(r.body).toMatchObject({
        total: 2,
        available: 0,
        held: 0,
        sold: 2,
        status: 'sold_out',
        nextReturnAt: null,
        heldUntil: null,
      });
    }, REFRESH);
  });

  test('available + held + sold == total at every read while 100 concurrent reservations, then payments and releases, run', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const d = await openDrop({ api, config, dropline, prefix }, { stock: 60 });
    const crowd = await Promise.all(Array.from({ length: 100 }, () => d.guest()));

    // Reads the served figures (HTTP, cached) and the exact ones (Redis) in a loop until told to stop.
    let done = false;
    const served: StockSnapshot[] = [];
    const exact: Awaited<ReturnType<typeof d.exact>>[] = [];
    const reader = (async () => {
      while (!done) {
        const [r, e] = await Promise.all([d.read(), d.exact()]);
        expect(r.status).toBe(200);
        served.push(r.body as StockSnapshot);
        exact.push(e);
      }
    })();
    const lastServed = () => figures(served.at(-1)!);
    try {
      const reserved = await Promise.all(crowd.map((g) => d.reserve(g)));
      const won = reserved.flatMap((r, k) => (r.status === 201 ? [{ guest: crowd[k]!, id: r.body.id }] : []));
      expect(won).toHaveLength(60);
      expect(reserved.filter((r) => r.status === 409 && r.body.code === 'sold_out')).toHaveLength(40);
      // The served figures catch up with the holds before anyone pays or releases.
      await vi.waitFor(
        () => expect(lastServed()).toEqual({ total: 60, available: 0, held: 60, sold: 0 }),
        REFRESH,
      );

      // A third pay, a third release, a third keep their hold, all at once.
      await Promise.all(
        won.map(async ({ guest, id }, k) => {
          const path = `/api/reservations/${id}`;
          if (k % 3 === 0) {
            const paid = await api.post(`${path}/pay`, { token: guest.token, body: payBody() });
            expect(paid.status).toBe(200);
          } else if (k % 3 === 1) {
            expect((await api.delete(path, { token: guest.token })).status).toBe(200);
          }
        }),
      );
      const final = { total: 60, available: 20, held: 20, sold: 20 };
      expect(await d.exact()).toEqual(final);
      await vi.waitFor(() => expect(lastServed()).toEqual(final), REFRESH);
    } finally {
      done = true;
      await reader;
    }

    // At least three distinct cached snapshots were served: before, between and after.
    expect(new Set(served.map((s) => s.asOf)).size).toBeGreaterThanOrEqual(3);
    for (const s of [...served.map(figures), ...exact]) {
      expect(s.available + s.held + s.sold, JSON.stringify(s)).toBe(s.total);
      expect(s.total).toBe(60);
      expect(Math.min(s.available, s.held, s.sold)).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('the stock fast path (ahead of the app, in Node’s request handler)', () => {
  const DROP = randomUUID();
  const snapshot: StockSnapshot = {
    dropId: DROP,
    total: 10,
    available: 7,
    held: 2,
    sold: 1,
    status: 'open',
    nextReturnAt: null,
    heldUntil: null,
    asOf: new Date().toISOString(),
  };

  /** A bare Node server with the fast path first and 418 for whatever it leaves to the app. */
  async function server(stock: StockCache, registry: Registry) {
    const fast = stockFastPath({ stock, metrics: createHttpMetrics(registry) });
    const s = createServer((req, res) => {
      if (fast(req, res)) return;
      res.writeHead(418);
      res.end();
    });
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    return {
      get: (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, init),
      close: () => new Promise<void>((resolve) => s.close(() => resolve())),
    };
  }
  const served = async (registry: Registry) =>
    (await registry.getSingleMetric('http_requests_total')!.get()).values.find(
      (v) => v.labels.route === '/api/drops/:id/stock' && v.labels.status === '200',
    )?.value ?? 0;

  test('answers a fresh cached read itself, with the route’s headers, and counts it in the metrics', async () => {
    const registry = new Registry();
    const stock = createStockCache({ read: () => Promise.resolve(snapshot), ttlMs: 60_000 });
    await stock.get(DROP);
    const s = await server(stock, registry);
    try {
      for (const path of [`/api/drops/${DROP}/stock`, `/api/drops/${DROP.toUpperCase()}/stock?x=1`]) {
        const r = await s.get(path);
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toBe('application/json');
        expect(r.headers.get('cache-control')).toBe('public, max-age=1');
        expect(await r.json()).toEqual(snapshot);
      }
      expect(await served(registry)).toBe(2);
    } finally {
      await s.close();
    }
  });

  test('leaves everything else to the app: a cold or stale cache, other methods, other paths', async () => {
    const registry = new Registry();
    let now = 0;
    const stock = createStockCache({
      read: () => Promise.resolve(snapshot),
      ttlMs: 1000,
      clock: { now: () => now },
    });
    const s = await server(stock, registry);
    try {
      expect((await s.get(`/api/drops/${DROP}/stock`)).status).toBe(418); // nothing cached yet
      await stock.get(DROP);
      expect((await s.get(`/api/drops/${DROP}/stock`)).status).toBe(200);
      for (const [path, init] of [
        [`/api/drops/${DROP}/stock`, { method: 'HEAD' }],
        [`/api/drops/${DROP}/stock`, { method: 'POST' }],
        [`/api/drops/${DROP}/stock/`, {}],
        [`/api/drops/${DROP}`, {}],
        [`/api/drops/not-a-uuid/stock`, {}],
        [`/x/api/drops/${DROP}/stock`, {}],
      ] as const)
        expect((await s.get(path, init)).status, `${init.method ?? 'GET'} ${path}`).toBe(418);
      now += 1000; // the cached answer is a second old: the app reads afresh
      expect((await s.get(`/api/drops/${DROP}/stock`)).status).toBe(418);
      expect(await served(registry)).toBe(1);
    } finally {
      await s.close();
    }
  });

  test('the edge serves it over HTTP: the same answer as the app’s route, counted once per read', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const d = await openDrop({ api, config, dropline, prefix }, { stock: 40 });
    const viaApp = await d.read(); // fills the cache
    const { port } = await dropline.listen(0, '127.0.0.1');
    const count = async () => {
      const text = await (await dropline.app!.request('/metrics')).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('http_requests_total{') && l.includes('route="/api/drops/:id/stock"'));
      return Number(line?.split(' ').pop() ?? 0);
    };
    const before = await count();
    const reads = await Promise.all(
      Array.from({ length: 200 }, () => fetch(`http://127.0.0.1:${port}/api/drops/${d.drop.id}/stock`)),
    );
    for (const r of reads) {
      expect(r.status).toBe(200);
      expect(r.headers.get('cache-control')).toBe('public, max-age=1');
      expect(figures((await r.json()) as StockSnapshot)).toEqual(figures(viaApp.body as StockSnapshot));
    }
    expect(await count()).toBe(before + 200);
  });
});
