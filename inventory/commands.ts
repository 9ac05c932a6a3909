/**
 * Loads inventory/'s Lua scripts (commands/<name>-<numberOfKeys>.lua) into an ioredis client with defineCommand.
 * Only the typed wrappers in this folder call them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Redis, Result } from 'ioredis';

const COMMANDS_DIR = new URL('./commands/', import.meta.url);

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mirrorDrop(
      metaKey: string,
      stockKey: string,
      version: number,
      ...fieldsAndValues: string[]
    ): Result<number, Context>;
  }
}

const loaded = new WeakSet<Redis>();

export function defineInventoryCommands(redis: Redis): void {
  if (loaded.has(redis)) return;
  for (const file of readdirSync(COMMANDS_DIR)) {
    const match = /^([a-z-]+)-(\d+)\.lua$/.exec(file);
    if (!match) continue;
    const name = match[1]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    redis.defineCommand(name, {
      numberOfKeys: Number(match[2]),
      lua: readFileSync(new URL(file, COMMANDS_DIR), 'utf8'),
    });
  }
  loaded.add(redis);
}
