/**
 * edge/'s Lua scripts (commands/<name>-<numberOfKeys>.lua), typed on ioredis, and the set infra/ loads with its Lua
 * loader. Only the typed wrappers of edge/ call them (holders, guest challenges, login attempts, guest merges).
 * The guest merge changes the waiting room's and the inventory's keys of a drop in one script: it includes the Lua
 * each of those rooms keeps for its own keys, and their constants.
 */
import type { Redis, Result } from 'ioredis';
import { inventoryScripts } from '../inventory/index.js';
import { ACTIVE_SCORE, queueScripts } from '../queue/index.js';

type Arg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    edgeHolderClaim(...keysAndArgs: Arg[]): Result<unknown, Context>;
    edgeHolderUnclaim(...keysAndArgs: Arg[]): Result<unknown, Context>;
    edgeLoginAttempt(...keysAndArgs: Arg[]): Result<unknown, Context>;
    edgeChallengeConsume(...keysAndArgs: Arg[]): Result<unknown, Context>;
    edgeGuestMerge(...keysAndArgs: Arg[]): Result<unknown, Context>;
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
  /** guest-merge: the guest has units on a drop that is fenced while Redis is rebuilt; nothing was written. */
  MERGE_FENCED = -4,
}

export const edgeScripts = {
  dir: new URL('./commands/', import.meta.url),
  prefix: 'edge',
  constants: { ...EdgeCode, HOLDING_SCORE: ACTIVE_SCORE.holding, FINISHED_SCORE: ACTIVE_SCORE.finished },
  includeDirs: [
    new URL('includes/', queueScripts.dir),
    new URL('includes/', inventoryScripts(ACTIVE_SCORE).dir),
  ],
} as const;

/** Fails at construction, not at the first call, when the client was not given the scripts. */
export function assertEdgeScripts(redis: Redis): void {
  if (typeof redis.edgeHolderClaim !== 'function')
    throw new Error('edge/ scripts are not loaded on this Redis client: load edgeScripts first');
}
