/** Redis helpers of the composition roots. */
import { Redis } from 'ioredis';
import { edgeScripts } from '../edge/index.js';
import { inventoryScripts } from '../inventory/index.js';
import { ACTIVE_SCORE, queueScripts } from '../queue/index.js';
import { defineScripts } from './kit/index.js';

/** Deletes every Redis key under `prefix` (tests and benchmarks clean up after themselves with it). */
export async function clearPrefix(redisUrl: string, prefix: string): Promise<void> {
  if (!prefix) throw new Error('refusing to clear every key: give a prefix');
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Loads every room's Lua scripts into a client, each with the constants it is owed: the inventory's hold scripts
 * write the waiting room's active-set scores, which queue/ owns, so they are handed over here and typed nowhere else.
 */
export function loadScripts<T extends Redis>(redis: T): T {
  defineScripts(redis, queueScripts);
  defineScripts(redis, inventoryScripts(ACTIVE_SCORE));
  defineScripts(redis, edgeScripts);
  return redis;
}
