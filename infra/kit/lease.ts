/**
 * Leases in Redis: one owner at a time per key, for as long as it renews (a drop's outbox relay, for one). The
 * same Lua (lua/lease.lua) is included by scripts that take a lease and act in one step (queue's admission tick).
 */
import type { Redis, Result } from 'ioredis';
import { defineScripts } from './lua-scripts.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    kitLeaseTake(key: string, owner: string, ms: number): Result<number, Context>;
  }
}

/** Takes or renews the lease at `key` for `owner`; false while another owner holds it. */
export type TakeLease = (key: string, owner: string, ms: number) => Promise<boolean>;

export function createLease(redis: Redis): TakeLease {
  defineScripts(redis, { dir: new URL('./lua/', import.meta.url), prefix: 'kit' });
  return async (key, owner, ms) => (await redis.kitLeaseTake(key, owner, ms)) === 1;
}
