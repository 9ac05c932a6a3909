/**
 * What a refused request must leave as it was: the rows of every table a request can write to in PostgreSQL (counted,
 * and the drops' versions summed, so an edit shows too), and one drop's Redis keys, read whole. The admission
 * controller's own bookkeeping (its last tick and rate credit, leases) and the outbox, which the relay drains, move
 * by themselves and are left out.
 */
import type { Redis } from 'ioredis';
import { createInventoryKeys } from '../../inventory/index.js';
import { createQueueKeys } from '../../queue/index.js';
import type { Sql } from '../db.js';

export interface StateSnapshot {
  rows: Record<string, number>;
  redis: Record<string, unknown>;
}

/** Reads a key whatever its type, in an order that does not depend on how Redis stores it. */
async function readKey(redis: Redis, key: string): Promise<unknown> {
  const type = await redis.type(key);
  switch (type) {
    case 'none':
      return null;
    case 'string':
      return redis.get(key);
    case 'hash':
      return Object.entries(await redis.hgetall(key)).sort(([a], [b]) => a.localeCompare(b));
    case 'zset':
      return redis.zrange(key, '0', '-1', 'WITHSCORES');
    case 'set':
      return (await redis.smembers(key)).sort();
    default:
      return type;
  }
}

/**
 * The admission controller's state in a drop's queue config (its rate credit and the pace of ended admissions,
 * `activeMs`, first written by the drop's first tick): it changes on every tick, whatever a request did.
 */
const TICK_FIELDS = new Set(['lastTick', 'credit', 'activeMs']);

export function stateSnapshots({ sql, redis, prefix }: { sql: Sql; redis: Redis; prefix: string }) {
  const queue = createQueueKeys(prefix);
  const inventory = createInventoryKeys(prefix);
  const dropKeys = (id: string) => [
    ...[queue.pre(id), queue.wait(id), queue.seq(id), queue.state(id), queue.active(id), queue.serving(id)],
    ...[inventory.dropMeta(id), inventory.stock(id), inventory.holds(id), inventory.deadlines(id)],
    ...[inventory.units(id), inventory.heldBy(id)],
  ];

  async function rows(): Promise<Record<string, number>> {
    const [row] = await sql<Record<string, string>[]>`
      SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM brands) AS brands,
             (SELECT count(*) FROM drops) AS drops, (SELECT coalesce(sum(version), 0) FROM drops) AS versions,
             (SELECT count(*) FROM drop_audit) AS audit, (SELECT count(*) FROM orders) AS orders,
             (SELECT count(*) FROM payments) AS payments`;
    return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
  }

  return {
    /** PostgreSQL's counts and the Redis keys of each of `dropIds`. */
    async take(dropIds: readonly string[]): Promise<StateSnapshot> {
      const entries: [string, unknown][] = [];
      for (const id of dropIds) {
        const config = Object.entries(await redis.hgetall(queue.config(id)))
          .filter(([field]) => !TICK_FIELDS.has(field))
          .sort(([a], [b]) => a.localeCompare(b));
        entries.push([queue.config(id), config]);
        const keys = dropKeys(id);
        const values = await Promise.all(keys.map((key) => readKey(redis, key)));
        keys.forEach((key, i) => entries.push([key, values[i]]));
      }
      return { rows: await rows(), redis: Object.fromEntries(entries) };
    },
  };
}
