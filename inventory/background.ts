/**
 * The inventory's background work, run by every Dropline process (its root calls `runOnce` four times a second):
 * for each live drop, expire the holds whose deadline passed (their units return within a second of it) and, where
 * `relays` is on (the workers; an edge running beside them leaves it to them), relay the outbox to JetStream.
 * Expiry does not rely on Redis keyspace notifications, which are lost when nobody listens: the deadlines are a
 * sorted set, swept. Several processes may sweep (a hold expires once, atomically); one relays a drop's outbox at a
 * time (a lease), and a relay that dies after publishing but before deleting is harmless: the events are published
 * again with the same message ids, which JetStream deduplicates.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { parseEvent, type InventoryEvent } from './events.js';
import type { Holds } from './holds.js';
import type { InventoryKeys } from './keys.js';

export interface InventoryBackgroundDeps {
  redis: Redis;
  keys: InventoryKeys;
  holds: Holds;
  /** Publishes one event durably (JetStream, message id = event id); resolves once stored. */
  publish: (event: InventoryEvent) => Promise<void>;
  onError: (error: unknown, context: string) => void;
  /** Takes or renews a lease (one relay per drop at a time); false while another process holds it. */
  takeLease: (key: string, owner: string, ms: number) => Promise<boolean>;
  /** Whether this process relays outboxes (true by default); every process sweeps expiries. */
  relays?: boolean;
  leaseMs?: number;
  batch?: number;
}

const DONE = new Set(['closed', 'cancelled']);

export type InventoryBackground = ReturnType<typeof createInventoryBackground>;

export function createInventoryBackground(deps: InventoryBackgroundDeps) {
  const { redis, keys, holds, publish, onError, takeLease } = deps;
  const leaseMs = deps.leaseMs ?? 5000;
  const batch = deps.batch ?? 1000;
  const relays = deps.relays ?? true;
  const id = randomUUID();

  /** Publishes what the drop's outbox holds, then deletes it; returns how many events were relayed. */
  async function relay(dropId: string): Promise<number> {
    if (!(await takeLease(keys.outboxLease(dropId), id, leaseMs))) return 0;
    const outbox = keys.outbox(dropId);
    const entries = await redis.xrange(outbox, '-', '+', 'COUNT', batch);
    if (entries.length === 0) return 0;
    const published: string[] = [];
    await Promise.all(
      entries.map(async ([entryId, fields]) => {
        const data = fields[fields.indexOf('data') + 1];
        const event = data === undefined ? null : parseEvent(data);
        if (!event) {
          onError(new Error(`outbox ${dropId}: dropping malformed entry ${entryId}`), 'relay');
        } else {
          await publish(event);
        }
        published.push(entryId);
      }),
    );
    if (published.length > 0) await redis.xdel(outbox, ...published);
    return published.length;
  }

  /** One pass over every live drop: expire, relay; drops that ended and have nothing left are let go. */
  async function runOnce(): Promise<{ expired: number; relayed: number }> {
    const drops = await redis.smembers(keys.live());
    let expired = 0;
    let relayed = 0;
    await Promise.all(
      drops.map(async (dropId) => {
        try {
          // Awaited into locals first: `total += await x` would read the total before the await, losing other drops'.
          const expiredHere = await holds.expireDue(dropId);
          const relayedHere = relays ? await relay(dropId) : 0;
          expired += expiredHere;
          relayed += relayedHere;
          const [status, held, pending] = await Promise.all([
            redis.hget(keys.dropMeta(dropId), 'status'),
            redis.zcard(keys.deadlines(dropId)),
            redis.xlen(keys.outbox(dropId)),
          ]);
          if ((status === null || DONE.has(status)) && held === 0 && pending === 0)
            await redis.srem(keys.live(), dropId);
        } catch (error) {
          onError(error, `drop ${dropId}`);
        }
      }),
    );
    return { expired, relayed };
  }

  return { runOnce, relay };
}
