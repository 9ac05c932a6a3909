import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, vi } from 'vitest';
import { createDropMirror, createInventoryKeys } from '../../inventory/index.js';
import {
  apiClient,
  countOf,
  createDropline,
  silentLog,
  spawnDropline,
  test,
} from '../../infra/testing/index.js';
import { DROP_SCHEDULE_QUEUE } from './index.js';

const WAIT = { timeout: 15_000, interval: 50 };
const body = (opensAt: Date, extra: Record<string, unknown> = {}) => ({
  title: 'Lounge chair',
  sku: 'LC-1',
  priceCents: 49_000,
  stock: 100,
  opensAt: opensAt.toISOString(),
  ...extra,
});
const inMs = (ms: number) => new Date(Date.now() + ms);

describe('drops open and close by themselves', () => {
  test('a drop opens at opensAt and closes at closesAt, mirrored into Redis', async ({
    api,
    dropline,
    prefix,
  }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const opensAt = inMs(1200);
    const created = await api.post('/api/drops', {
      token: brand.token,
      body: body(opensAt, { closesAt: new Date(opensAt.getTime() + 1000).toISOString() }),
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;

    await vi.waitFor(async () => expect((await api.get(`/api/drops/${id}`)).body.status).toBe('open'), WAIT);
    expect(Date.now()).toBeGreaterThanOrEqual(opensAt.getTime());
    await vi.waitFor(
      async () => expect((await api.get(`/api/drops/${id}`)).body.status).toBe('closed'),
      WAIT,
    );

    const audit = await dropline.sql`
      SELECT actor, from_value, to_value FROM drop_audit WHERE drop_id = ${id} AND field = 'status' ORDER BY id`;
    expect(audit.map((a) => [a.actor, a.from_value, a.to_value])).toEqual([
      ['system:schedule', 'scheduled', 'open'],
      ['system:schedule', 'open', 'closed'],
    ]);
    const mirror = createDropMirror({ redis: dropline.redis, keys: createInventoryKeys(prefix) });
    expect((await mirror.read(id))?.status).toBe('closed');
  });

  test('a drop scheduled by a process that then stops still opens when workers start later', async ({
    config,
  }) => {
    const edgeOnly = await createDropline({ config, log: silentLog, roles: { edge: true, workers: false } });
    const client = apiClient(edgeOnly.app!, config);
    const op = await client.operator();
    const brand = await client.brand(op.token);
    const created = await client.post('/api/drops', { token: brand.token, body: body(inMs(800)) });
    expect(created.status).toBe(201);
    await edgeOnly.close();

    const workers = await createDropline({ config, log: silentLog, roles: { edge: false, workers: true } });
    try {
      await vi.waitFor(
        async () => expect((await workers.drops.get(created.body.id)).status).toBe('open'),
        WAIT,
      );
    } finally {
      await workers.close();
    }
  });

  test('a drop written to PostgreSQL but never scheduled (a crash in between) is scheduled when workers start', async ({
    config,
    databaseUrl,
  }) => {
    const first = await createDropline({ config, log: silentLog, roles: { edge: false, workers: false } });
    const [brand] =
      await first.sql`INSERT INTO brands (id, name) VALUES (gen_random_uuid(), 'Crashy') RETURNING id`;
    const [drop] = await first.sql`
      INSERT INTO drops (id, brand_id, title, sku, price_cents, currency, stock, per_user_limit, hold_seconds,
                         admission_per_minute, max_active, opens_at)
      VALUES (gen_random_uuid(), ${brand!.id}, 'Orphan', 'O-1', 100, 'USD', 5, 1, 60, 60, 10, ${inMs(500)})
      RETURNING id`;
    await first.close();
    expect(databaseUrl).toContain('dropline_test');

    const workers = await createDropline({ config, log: silentLog, roles: { edge: false, workers: true } });
    try {
      await vi.waitFor(async () => expect((await workers.drops.get(drop!.id)).status).toBe('open'), WAIT);
    } finally {
      await workers.close();
    }
  });

  test('patching opensAt later leaves the old job without effect; patching it earlier opens it earlier', async ({
    api,
    config,
    prefix,
  }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const first = inMs(800);
    const later = await api.post('/api/drops', { token: brand.token, body: body(first) });
    const moved = await api.patch(`/api/drops/${later.body.id}`, {
      token: brand.token,
      body: { opensAt: inMs(60 * 60_000).toISOString() },
    });
    expect(moved.status).toBe(200);

    // The job for the first time runs and, finding another time in the drop, does nothing.
    const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(DROP_SCHEDULE_QUEUE, { connection, prefix: `${prefix}bull` });
    try {
      const staleId = `open-${later.body.id}-${first.getTime()}`;
      await vi.waitFor(async () => {
        const job = await queue.getJob(staleId);
        expect(await job?.getState()).toBe('completed');
        expect(job?.returnvalue).toBe('skipped');
      }, WAIT);
    } finally {
      await queue.close();
      connection.disconnect();
    }
    expect((await api.get(`/api/drops/${later.body.id}`)).body.status).toBe('scheduled');

    const earlier = await api.post('/api/drops', { token: brand.token, body: body(inMs(60 * 60_000)) });
    const soon = inMs(700);
    await api.patch(`/api/drops/${earlier.body.id}`, {
      token: brand.token,
      body: { opensAt: soon.toISOString() },
    });
    await vi.waitFor(
      async () => expect((await api.get(`/api/drops/${earlier.body.id}`)).body.status).toBe('open'),
      WAIT,
    );
  });

  test('concurrent scheduled openings of one drop apply exactly once', async ({ api, dropline }) => {
    const op = await api.operator();
    const brand = await api.brand(op.token);
    const created = await api.post('/api/drops', { token: brand.token, body: body(inMs(60 * 60_000)) });
    const at = new Date(created.body.opensAt);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () => dropline.drops.runScheduled('open', created.body.id, at)),
    );
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'skipped')).toHaveLength(49);
    const count = await countOf(dropline.sql`
      SELECT count(*)::int AS count FROM drop_audit WHERE drop_id = ${created.body.id} AND to_value = '"open"'`);
    expect(count).toBe(1);
  });
});

describe('two worker processes', () => {
  test('each drop opens exactly once and both stop cleanly on SIGTERM', async ({
    config,
    databaseUrl,
    prefix,
  }) => {
    const env = { DATABASE_URL: databaseUrl, REDIS_PREFIX: prefix };
    const processes = [spawnDropline('workers', env), spawnDropline('workers', env)];
    try {
      await Promise.all(processes.map((p) => p.waitFor(/Dropline workers are running/)));
      const edge = await createDropline({ config, log: silentLog, roles: { edge: true, workers: false } });
      const client = apiClient(edge.app!, config);
      const op = await client.operator();
      const brand = await client.brand(op.token);
      const opensAt = inMs(1500);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const created = await client.post('/api/drops', {
          token: brand.token,
          body: body(opensAt, { sku: `S-${i}` }),
        });
        expect(created.status).toBe(201);
        ids.push(created.body.id);
      }
      await vi.waitFor(async () => {
        const rows =
          await edge.sql`SELECT count(*)::int AS count FROM drops WHERE id = ANY(${ids}) AND status = 'open'`;
        expect(rows[0]?.count).toBe(ids.length);
      }, WAIT);
      const opened = await edge.sql`
        SELECT drop_id, count(*)::int AS count FROM drop_audit
        WHERE drop_id = ANY(${ids}) AND to_value = '"open"' GROUP BY drop_id`;
      expect(opened).toHaveLength(ids.length);
      expect(opened.every((row) => row.count === 1)).toBe(true);
      // Every opening was made by one of the two processes, once (their log lines arrive a moment after the commit).
      await vi.waitFor(() => {
        const logs = processes.map((p) => (p.output().match(/drop opened on schedule/g) ?? []).length);
        expect(logs[0]! + logs[1]!).toBe(ids.length);
      }, WAIT);
      await edge.close();
    } finally {
      const codes = await Promise.all(processes.map((p) => p.stop('SIGTERM')));
      expect(codes).toEqual([0, 0]);
    }
  });
});
