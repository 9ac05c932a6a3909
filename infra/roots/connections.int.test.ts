/**
 * Outages end by themselves: each connection is opened against a server of the test's own, which the test kills
 * and starts again, and must work again afterwards without being opened anew.
 */
import { Queue, Worker } from 'bullmq';
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { describe, expect, onTestFinished, vi } from 'vitest';
import {
  createStatusPublisher,
  ensureEventStream,
  EventsUnavailableError,
  startConsumer,
} from '../../workers/events/index.js';
import { countOf, privateNats, privateRedis, silentLog, test, testConfig } from '../testing/index.js';
import { openConnections, type Connections } from './connections.js';

/** Every condition below is expected within seconds of its cause; the deadline only bounds a failure. */
const SOON = { timeout: 15_000, interval: 50 };
/** nats.js's default: the number of reconnect attempts after which a connection used to close for good. */
const DEFAULT_ATTEMPTS = 10;

/** Resolves with the check's outcome: 'ok', or the error's message. */
const outcome = (check: () => Promise<unknown>) =>
  check().then(
    () => 'ok',
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );

/** Counts the client's reconnect attempts, from its status events. */
function countAttempts(conn: Connections) {
  let attempts = 0;
  void (async () => {
    for await (const status of conn.nats.status()) if (status.type === 'reconnecting') attempts++;
  })();
  return () => attempts;
}

/** The event ids a consumer shell applied, reading the workers' durable consumer of `events`. */
function consumeIds(conn: Connections, events: { stream: string; subjectPrefix: string; durable: string }) {
  const applied = new Set<string>();
  const consumer = startConsumer({
    js: conn.js,
    config: events,
    log: silentLog,
    what: 'test event',
    parse: (data) => {
      const text = new TextDecoder().decode(data);
      return /^[\w-]+$/.test(text) ? text : null;
    },
    apply: async (ids) => void ids.forEach((id) => applied.add(id)),
  });
  onTestFinished(() => consumer.stop());
  return applied;
}

describe('after NATS returns', () => {
  test('the connection outlives more than ten reconnect attempts; readiness, publishing and the consumer resume', async ({
    databaseUrl,
    prefix,
  }) => {
    const nats = await privateNats();
    onTestFinished(() => nats.close());
    const name = prefix.replace(/:$/, '');
    const config = testConfig({
      databaseUrl,
      redisPrefix: prefix,
      NATS_URL: nats.url,
      RECONNECT_WAIT_MS: '250',
      EVENTS_STREAM: name,
      EVENTS_SUBJECT_PREFIX: name,
    });
    const conn = await openConnections(config, silentLog);
    onTestFinished(() => conn.close());
    const events = { ...config.events, durable: 'workers' };
    await ensureEventStream(conn.jsm, events);
    const publishStatus = createStatusPublisher(conn.js, events, { ready: conn.natsConnected });
    const applied = consumeIds(conn, events);
    const attempts = countAttempts(conn);
    const subject = `${name}.events.d1.test`;

    await conn.js.publish(subject, 'before', { msgID: 'before' });
    await vi.waitFor(() => expect(applied.has('before')).toBe(true), SOON);
    expect(await outcome(conn.readiness.nats)).toBe('ok');

    await nats.kill();
    await vi.waitFor(() => expect(conn.natsConnected()).toBe(false), SOON);
    const started = Date.now();
    await expect(outcome(conn.readiness.nats)).resolves.toBe('NATS disconnected');
    const refused = publishStatus({ id: randomUUID(), dropId: 'd1', type: 'drop.opened' });
    await expect(refused).rejects.toBeInstanceOf(EventsUnavailableError);
    expect(Date.now() - started).toBeLessThan(100); // at once, not after a timeout
    // Down for longer than the client's default attempts would have lasted.
    await vi.waitFor(() => expect(attempts()).toBeGreaterThan(DEFAULT_ATTEMPTS + 5), SOON);

    await nats.start();
    const back = Date.now();
    await vi.waitFor(async () => expect(await outcome(conn.readiness.nats)).toBe('ok'), SOON);
    expect(Date.now() - back).toBeLessThan(3000);
    await publishStatus({ id: randomUUID(), dropId: 'd1', type: 'drop.opened' });
    await conn.js.publish(subject, 'after', { msgID: 'after' });
    await vi.waitFor(() => expect(applied.has('after')).toBe(true), SOON);
    expect(Date.now() - back).toBeLessThan(8000);
  }, 60_000);

  test('a publish waiting when the outage starts fails within its timeout, not the client’s 5 s', async ({
    databaseUrl,
    prefix,
  }) => {
    const nats = await privateNats();
    onTestFinished(() => nats.close());
    // A stream with no server behind it would answer "no responders" at once; a killed server answers nothing.
    const config = testConfig({ databaseUrl, redisPrefix: prefix, NATS_URL: nats.url });
    const conn = await openConnections(config, silentLog);
    onTestFinished(() => conn.close());
    const events = { ...config.events, durable: 'workers' };
    await ensureEventStream(conn.jsm, events);
    // Not told that the connection dropped: only the timeout can end the wait.
    const publish = createStatusPublisher(conn.js, events, { timeoutMs: 500 });
    await nats.kill();
    const started = Date.now();
    await expect(publish({ id: randomUUID(), dropId: 'd1', type: 'drop.opened' })).rejects.toBeInstanceOf(
      EventsUnavailableError,
    );
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('the first connection fails fast, naming the service', async ({ databaseUrl, prefix }) => {
    const nats = await privateNats();
    await nats.close();
    const config = testConfig({ databaseUrl, redisPrefix: prefix, NATS_URL: nats.url });
    await expect(openConnections(config, silentLog)).rejects.toThrow(
      new RegExp(`^NATS at nats://127\\.0\\.0\\.1:${nats.port} is not reachable`),
    );
  });
});

describe('after Redis returns', () => {
  test('readiness follows the outage and every client, the duplicated ones too, works again', async ({
    databaseUrl,
    prefix,
  }) => {
    const redis = await privateRedis();
    onTestFinished(() => redis.close());
    const config = testConfig({
      databaseUrl,
      redisPrefix: prefix,
      REDIS_URL: redis.url,
      RECONNECT_WAIT_MS: '250',
    });
    const conn = await openConnections(config, silentLog);
    onTestFinished(() => conn.close());
    const [pub, sub] = [conn.duplicateRedis('pub'), conn.duplicateRedis('sub')];
    const received: string[] = [];
    sub.on('message', (_channel: string, message: string) => received.push(message));
    await sub.subscribe(`${prefix}channel`);
    // BullMQ on its connection, as the workers run it: a worker blocked on the queue when Redis goes away.
    const bull = { connection: conn.bullConnection, prefix: `${prefix}bull` };
    const queue = new Queue('outage', bull);
    const done: string[] = [];
    const worker = new Worker('outage', async (job) => void done.push(job.name), bull);
    onTestFinished(async () => {
      await worker.close(true);
      await queue.close();
    });
    worker.on('error', () => {}); // each failed reconnect attempt, while Redis is down
    await queue.add('before', {});
    await vi.waitFor(() => expect(done).toContain('before'), SOON);
    expect(await outcome(conn.readiness.redis)).toBe('ok');

    await redis.kill();
    await vi.waitFor(
      async () => expect(await outcome(conn.readiness.redis)).toMatch(/^Redis connection /),
      SOON,
    );
    const started = Date.now();
    expect(await outcome(conn.readiness.redis)).not.toBe('ok');
    expect(Date.now() - started).toBeLessThan(100);

    await redis.start();
    const back = Date.now();
    await vi.waitFor(async () => expect(await outcome(conn.readiness.redis)).toBe('ok'), SOON);
    expect(Date.now() - back).toBeLessThan(3000);
    expect(await conn.bullConnection.ping()).toBe('PONG');
    await queue.add('after', {});
    await vi.waitFor(() => expect(done).toContain('after'), SOON);
    // ioredis subscribes again after reconnecting: the Socket.IO adapter's channels keep working.
    await vi.waitFor(async () => {
      await pub.publish(`${prefix}channel`, 'after');
      expect(received).toContain('after');
    }, SOON);
  }, 60_000);
});

describe('PostgreSQL', () => {
  test('a connection that broke is replaced by the next query', async ({ databaseUrl, prefix }) => {
    const config = testConfig({ databaseUrl, redisPrefix: prefix });
    const conn = await openConnections(config, silentLog);
    onTestFinished(() => conn.close());
    expect(await outcome(conn.readiness.postgres)).toBe('ok');
    // What a PostgreSQL restart does to the pool: every server process of this database ends.
    const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    onTestFinished(() => admin.end());
    const killed = await countOf(admin`
      SELECT count(pg_terminate_backend(pid))::int AS count FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    expect(killed).toBeGreaterThan(0);
    // A query sent on a connection that broke fails (CONNECTION_CLOSED); postgres.js then opens a new one.
    await vi.waitFor(async () => expect(await outcome(conn.readiness.postgres)).toBe('ok'), SOON);
    expect(await conn.sql`SELECT 1 AS one`).toEqual([{ one: 1 }]);
  });
});
