/**
 * edge/'s Lua scripts (commands/<name>-<numberOfKeys>.lua), typed on ioredis, and the set infra/ loads with its Lua
 * loader. Only the typed wrappers of edge/ call them (holders, guest challenges, login attempts).
 */
import type { Redis, Result } from 'ioredis';

type Arg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    edgeHolderClaim(...keysAndArgs: Arg[]): Result<unknown, Context>;
    edgeHolderUnclaim(...keysAndArgs: Arg[]): Result<unknown, Context>;
    edgeLoginAttempt(...keysAndArgs: Arg[]): Result<unknown, Context>;
    edgeChallengeConsume(...keysAndArgs: Arg[]): Result<unknown, Context>;
  }
}

/** The status codes edge/'s scripts reply with. */
export enum EdgeCode {
  OK = 1,
  /** holder-claim: the address has as many accounts holding units of the drop as it may. */
  HOLDERS_CAPPED = -1,
  /** login-attempt: the account backs off; the reply carries the wait in ms. */
  LOGIN_BACKOFF = -2,
  /** challenge-consume: no such challenge (never issued, expired or used), or too few zero bits. */
  CHALLENGE_FAILED = -3,
}

export const edgeScripts = {
  dir: new URL('./commands/', import.meta.url),
  prefix: 'edge',
  constants: { ...EdgeCode },
} as const;

/** Fails at construction, not at the first call, when the client was not given the scripts. */
export function assertEdgeScripts(redis: Redis): void {
  if (typeof redis.edgeHolderClaim !== 'function')
    throw new Error('edge/ scripts are not loaded on this Redis client: load edgeScripts first');
}
