/**
 * inventory/'s Lua scripts (commands/<name>-<numberOfKeys>.lua): the commands they become on an ioredis client,
 * and the script set that infra/ loads into its clients with its Lua loader. Each script sees the status codes
 * (codes.ts) as Lua constants, and the waiting room's active-set scores, which the waiting room owns: infra/ hands
 * them in. Only the typed wrappers in this folder call the scripts.
 */
import type { Redis, Result } from 'ioredis';
import { InventoryCode } from './codes.js';

type Arg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    inventoryMirrorDrop(...keysAndArgs: Arg[]): Result<unknown, Context>;
    inventoryReserve(...keysAndArgs: Arg[]): Result<unknown, Context>;
    inventoryRelease(...keysAndArgs: Arg[]): Result<unknown, Context>;
    inventoryPay(...keysAndArgs: Arg[]): Result<unknown, Context>;
    inventoryExpire(...keysAndArgs: Arg[]): Result<number, Context>;
    inventoryRestore(...keysAndArgs: Arg[]): Result<unknown, Context>;
    inventoryVerify(...keysAndArgs: Arg[]): Result<unknown, Context>;
  }
}

/** The waiting room's active-set scores the hold scripts write (see queue/'s keys). */
export interface ActiveScores {
  /** A shopper holding units stays active until its holds end. */
  holding: number;
  /** A shopper whose holds have all ended. */
  finished: number;
}

/** What infra/'s Lua loader takes: the folder of scripts, their command prefix and their constants. */
export function inventoryScripts(scores: ActiveScores) {
  return {
    dir: new URL('./commands/', import.meta.url),
    prefix: 'inventory',
    constants: { ...InventoryCode, HOLDING_SCORE: scores.holding, FINISHED_SCORE: scores.finished },
  };
}

/** Fails at construction, not at the first call, when the client was not given the scripts. */
export function assertInventoryScripts(redis: Redis): void {
  if (typeof redis.inventoryReserve !== 'function')
    throw new Error('inventory/ scripts are not loaded on this Redis client: load inventoryScripts first');
}
