/**
 * Ended sessions, known to every edge at once. Sessions are stateless tokens; a user an operator disables (or gives a
 * new password) has every session issued before that moment refused. Each edge keeps a map userId → validAfter (ms)
 * in memory, so the check costs one Map lookup per request, with no Redis or PostgreSQL call:
 * - at start it is filled from PostgreSQL (only what a live token could still be issued before: TTL back);
 * - the edge that ends a user's sessions publishes `{userId, validAfter}` on a Redis channel after its commit, and
 *   every edge subscribed applies it (and disconnects the user's sockets on that edge);
 * - on every (re)subscription the map is loaded from PostgreSQL again, so a message missed while the subscriber's
 *   connection was down cannot leave an ended session alive.
 * Entries older than the session TTL are dropped: every token they could refuse has expired.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { EndedSessions } from './tokens.js';

export interface SessionEnds extends EndedSessions {
  /** Applies an end here at once and tells every edge (call it after the change is committed). */
  publish(userId: string, validAfter: Date): Promise<void>;
  /** Subscribes and loads the map; resolves once both are done. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface SessionEndsOptions {
  /** A connection of its own: a subscribed Redis client can do nothing else. */
  subscriber: Redis;
  publisher: Redis;
  channel: string;
  /** Users whose sessions ended after `since` (PostgreSQL). */
  load(since: Date): Promise<{ userId: string; validAfter: Date }[]>;
  ttlSeconds: number;
  log: Pick<Logger, 'warn' | 'error'>;
  clock?: Pick<DateConstructor, 'now'>;
  /** Told of every end this edge learns of, its own included (to disconnect the user's sockets). */
  onEnded?: (userId: string) => void;
  /** The wait before loading again after a failed reload (default 1 s). */
  retryMs?: number;
}

const message = z.strictObject({ userId: z.uuid(), validAfter: z.number().int().nonnegative() });

export function createSessionEnds(options: SessionEndsOptions): SessionEnds {
  const { subscriber, publisher, channel, log, clock = Date } = options;
  const ttlMs = options.ttlSeconds * 1000;
  const validAfter = new Map<string, number>();

  /** Keeps the later of two ends: a late or repeated message never revives sessions. */
  const apply = (userId: string, at: number) => {
    if ((validAfter.get(userId) ?? -Infinity) < at) validAfter.set(userId, at);
  };

  const prune = () => {
    const horizon = clock.now() - ttlMs;
    for (const [userId, at] of validAfter) if (at < horizon) validAfter.delete(userId);
  };

  async function reload() {
    const rows = await options.load(new Date(clock.now() - ttlMs));
    for (const r of rows) apply(r.userId, r.validAfter.getTime());
    prune();
  }

  const onMessage = (from: string, raw: string) => {
    if (from !== channel) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const result = message.safeParse(parsed);
    if (!result.success) return log.warn({ channel }, 'ignored a malformed session-end message');
    apply(result.data.userId, result.data.validAfter);
    prune();
    options.onEnded?.(result.data.userId);
  };

  /** Subscribe first, then load: an end committed meanwhile arrives by one way or the other. */
  async function subscribeAndLoad() {
    await subscriber.subscribe(channel);
    await reload();
  }

  // After a reconnect ioredis subscribes again by itself; loading again covers what was missed while it was down.
  // Should PostgreSQL fail meanwhile, the load is tried again until it succeeds (or another reconnect starts over).
  let retry: ReturnType<typeof setTimeout> | undefined;
  const onReady = () => {
    clearTimeout(retry);
    subscribeAndLoad().catch((error: unknown) => {
      log.error({ err: error }, 'could not reload ended sessions after a reconnect; trying again');
      retry = setTimeout(onReady, options.retryMs ?? 1000);
    });
  };
  let started = false;

  return {
    validAfter: (userId) => validAfter.get(userId),
    async publish(userId, at) {
      apply(userId, at.getTime());
      options.onEnded?.(userId);
      await publisher.publish(channel, JSON.stringify({ userId, validAfter: at.getTime() }));
    },
    async start() {
      subscriber.on('message', onMessage);
      await subscribeAndLoad();
      // Registered after the first load: the first 'ready' may come while it runs.
      subscriber.on('ready', onReady);
      started = true;
    },
    async stop() {
      if (!started) return;
      clearTimeout(retry);
      subscriber.off('ready', onReady);
      subscriber.off('message', onMessage);
      // Not while Redis is away: the command would wait for its return. Closing the connection ends it anyway.
      if (subscriber.status === 'ready') await subscriber.unsubscribe(channel).catch(() => {});
    },
  };
}
