/**
 * queue/'s Lua scripts (commands/<name>-<numberOfKeys>.lua): the commands they become on an ioredis client, and the
 * script set that infra/ loads into its clients with its Lua loader. Each script sees the status codes
 * (codes.ts) and the active-set scores (keys.ts) as Lua constants. Only the typed wrappers in this folder call them.
 */
import type { Redis, Result } from 'ioredis';
import { QueueCode } from './codes.js';
import { ACTIVE_SCORE } from './keys.js';

type Arg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    queueJoin(...keysAndArgs: Arg[]): Result<unknown, Context>;
    queueState(...keysAndArgs: Arg[]): Result<unknown, Context>;
    queueLeave(...keysAndArgs: Arg[]): Result<unknown, Context>;
    queueConfigure(...keysAndArgs: Arg[]): Result<unknown, Context>;
    queueTick(...keysAndArgs: Arg[]): Result<unknown, Context>;
  }
}

/** What infra/'s Lua loader takes: the folder of scripts, their command prefix and their constants. */
export const queueScripts = {
  dir: new URL('./commands/', import.meta.url),
  prefix: 'queue',
  constants: {
    ...QueueCode,
    HOLDING_SCORE: ACTIVE_SCORE.holding,
    FINISHED_SCORE: ACTIVE_SCORE.finished,
  },
} as const;

/** Fails at construction, not at the first call, when the client was not given the scripts. */
export function assertQueueScripts(redis: Redis): void {
  if (typeof redis.queueTick !== 'function')
    throw new Error('queue/ scripts are not loaded on this Redis client: load queueScripts first');
}
