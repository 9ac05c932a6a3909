/** Redis helpers of the composition roots. */
import { Redis } from 'ioredis';

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
