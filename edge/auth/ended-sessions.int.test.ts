import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, onTestFinished, vi } from 'vitest';
import { silentLog, test } from '../../infra/testing/index.js';
import { createEdgeKeys } from '../keys.js';
import { createSessionEnds } from './ended-sessions.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TTL_SECONDS = 3600;

/** What PostgreSQL would hold: users whose sessions ended, and when; `failures` loads fail first (an outage). */
function store() {
  const rows: { userId: string; validAfter: Date }[] = [];
  const db = {
    rows,
    failures: 0,
    load: async (since: Date) => {
      if (db.failures > 0) {
        db.failures -= 1;
        throw new Error('PostgreSQL unreachable');
      }
      return rows.filter((r) => r.validAfter > since);
    },
  };
  return db;
}

/** One edge's view of ended sessions, on connections of its own, stopped after the test. */
async function edge(prefix: string, db: ReturnType<typeof store>, clock: { now(): number } = Date) {
  // A quick reconnect, but never at once: a test can act while the subscriber is away.
  const subscriber = new Redis(redisUrl, { retryStrategy: () => 200 });
  const publisher = new Redis(redisUrl);
  const ended: string[] = [];
  const ends = createSessionEnds({
    subscriber,
    publisher,
    channel: createEdgeKeys(prefix).sessionsEnded(),
    load: db.load,
    ttlSeconds: TTL_SECONDS,
    log: silentLog,
    clock,
    onEnded: (userId) => ended.push(userId),
    retryMs: 50,
  });
  await ends.start();
  onTestFinished(async () => {
    await ends.stop();
    subscriber.disconnect();
    publisher.disconnect();
  });
  return { ends, subscriber, publisher, ended };
}

describe('ended sessions', () => {
  test('an end published on one edge is known on the other at once; an older one never revives sessions', async ({
    prefix,
  }) => {
    const db = store();
    const [a, b] = [await edge(prefix, db), await edge(prefix, db)];
    const user = randomUUID();
    const at = new Date(Date.now() - 1000);
    await a.ends.publish(user, at);
    expect(a.ends.validAfter(user)).toBe(at.getTime());
    await vi.waitFor(() => expect(b.ends.validAfter(user)).toBe(at.getTime()), { timeout: 5000 });
    expect(b.ended).toContain(user);
    expect(a.ended).toContain(user);
    expect(b.ends.validAfter(randomUUID())).toBeUndefined();

    // An older end arriving late (or again) keeps the later one.
    await a.ends.publish(user, new Date(at.getTime() - 60_000));
    const later = new Date(at.getTime() + 1);
    await a.ends.publish(user, later);
    await vi.waitFor(() => expect(b.ends.validAfter(user)).toBe(later.getTime()), { timeout: 5000 });
    expect(a.ends.validAfter(user)).toBe(later.getTime());
  });

  test('a malformed message is ignored', async ({ prefix }) => {
    const db = store();
    const b = await edge(prefix, db);
    const channel = createEdgeKeys(prefix).sessionsEnded();
    const user = randomUUID();
    for (const junk of ['not json', '{}', JSON.stringify({ userId: 'x', validAfter: 1 }), '[1]'])
      await b.publisher.publish(channel, junk);
    await b.publisher.publish(channel, JSON.stringify({ userId: user, validAfter: Date.now() }));
    await vi.waitFor(() => expect(b.ends.validAfter(user)).toBeDefined(), { timeout: 5000 });
    expect(b.ended).toEqual([user]);
  });

  test('at start and after its subscriber reconnects, an edge loads the ends from the store: none is lost', async ({
    prefix,
  }) => {
    const db = store();
    const early = { userId: randomUUID(), validAfter: new Date(Date.now() - 5000) };
    // Sessions end after their TTL anyway: an end older than that is not loaded.
    const old = { userId: randomUUID(), validAfter: new Date(Date.now() - TTL_SECONDS * 1000 - 5000) };
    db.rows.push(early, old);
    const b = await edge(prefix, db);
    expect(b.ends.validAfter(early.userId)).toBe(early.validAfter.getTime());
    expect(b.ends.validAfter(old.userId)).toBeUndefined();

    // An end committed while the message never reached this edge (its connection dropped).
    const missed = { userId: randomUUID(), validAfter: new Date() };
    db.rows.push(missed);
    b.subscriber.disconnect(true);
    await vi.waitFor(() => expect(b.ends.validAfter(missed.userId)).toBe(missed.validAfter.getTime()), {
      timeout: 5000,
    });
    // Subscribed again: messages arrive as before.
    const next = randomUUID();
    await b.publisher.publish(
      createEdgeKeys(prefix).sessionsEnded(),
      JSON.stringify({ userId: next, validAfter: Date.now() }),
    );
    await vi.waitFor(() => expect(b.ends.validAfter(next)).toBeDefined(), { timeout: 5000 });

    // PostgreSQL failing when the subscriber comes back: the load is tried again until it works.
    const during = { userId: randomUUID(), validAfter: new Date() };
    db.rows.push(during);
    db.failures = 2;
    b.subscriber.disconnect(true);
    await vi.waitFor(() => expect(b.ends.validAfter(during.userId)).toBe(during.validAfter.getTime()), {
      timeout: 5000,
    });
    expect(db.failures).toBe(0);
  });

  test('an end is forgotten once every session it could refuse has expired', async ({ prefix }) => {
    const db = store();
    const clock = { at: Date.now(), now: () => clock.at };
    const a = await edge(prefix, db, clock);
    const user = randomUUID();
    await a.ends.publish(user, new Date(clock.at));
    await vi.waitFor(() => expect(a.ended).toHaveLength(2), { timeout: 5000 });
    clock.at += TTL_SECONDS * 1000 + 1;
    await a.ends.publish(randomUUID(), new Date(clock.at));
    await vi.waitFor(() => expect(a.ended).toHaveLength(4), { timeout: 5000 });
    expect(a.ends.validAfter(user)).toBeUndefined();
  });
});
