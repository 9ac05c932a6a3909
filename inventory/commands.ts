/**
 * Loads inventory/'s Lua scripts (commands/<name>-<numberOfKeys>.lua) into an ioredis client with defineCommand.
 * A line `-- @include <name>` is replaced by commands/includes/<name>.lua, so scripts share helpers without copies.
 * Only the typed wrappers in this folder call them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Redis, Result } from 'ioredis';

const COMMANDS_DIR = new URL('./commands/', import.meta.url);

type Arg = string | number;
type Reply = (string | number | null)[];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    inventoryMirrorDrop(...keysAndArgs: Arg[]): Result<number, Context>;
    inventoryReserve(...keysAndArgs: Arg[]): Result<Reply, Context>;
    inventoryRelease(...keysAndArgs: Arg[]): Result<Reply, Context>;
    inventoryPay(...keysAndArgs: Arg[]): Result<Reply, Context>;
    inventoryExpire(...keysAndArgs: Arg[]): Result<number, Context>;
    inventoryLease(key: string, owner: string, ms: number): Result<number, Context>;
    inventoryRestore(...keysAndArgs: Arg[]): Result<number[], Context>;
  }
}

function readScript(file: string): string {
  return readFileSync(new URL(file, COMMANDS_DIR), 'utf8').replace(
    /^-- @include ([\w-]+)\s*$/gm,
    (_, name: string) => readFileSync(new URL(`includes/${name}.lua`, COMMANDS_DIR), 'utf8'),
  );
}

const loaded = new WeakSet<Redis>();

export function defineInventoryCommands(redis: Redis): void {
  if (loaded.has(redis)) return;
  for (const file of readdirSync(COMMANDS_DIR)) {
    const match = /^([a-z-]+)-(\d+)\.lua$/.exec(file);
    if (!match) continue;
    const name = `inventory-${match[1]!}`.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    redis.defineCommand(name, { numberOfKeys: Number(match[2]), lua: readScript(file) });
  }
  loaded.add(redis);
}
