/**
 * Loads a folder's Lua scripts into an ioredis client with `defineCommand`: every `<name>-<numberOfKeys>.lua` of
 * `dir` becomes the command `<prefix><Name>` (queue/commands/tick-8.lua → `queueTick`). A line `-- @include <x>`
 * is replaced by `<dir>/includes/<x>.lua`, or else by one of the set's `includeDirs` (another room's includes, for
 * a script that must change two rooms' keys of a drop at once), or else by the shared `infra/kit/lua/<x>.lua` (the
 * lease), so scripts share helpers without copies. `constants` are declared as Lua locals above every script of the set: the status
 * codes a room's typed wrappers read back, and facts another room owns (the waiting room's active-set scores), so
 * that no number is written on both sides. The folder that owns the scripts types the commands (ioredis's
 * `RedisCommander`) and only its typed wrappers call them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

export interface ScriptSet {
  dir: URL;
  prefix: string;
  /** Lua locals by name (capitals); a numeric TypeScript enum may be spread in (its reverse entries are skipped). */
  constants?: Readonly<Record<string, number | string>>;
  /** Further `includes/` folders searched after the set's own (each room keeps the Lua that knows its keys). */
  includeDirs?: readonly URL[];
}

const SHARED_DIR = new URL('./lua/', import.meta.url);
const SCRIPT_FILE = /^([a-z-]+)-(\d+)\.lua$/;

function include(set: ScriptSet, name: string): string {
  const dir = set.dir;
  for (const base of [new URL('includes/', dir), ...(set.includeDirs ?? []), SHARED_DIR]) {
    try {
      return readFileSync(new URL(`${name}.lua`, base), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error(`Lua include "${name}" not found in ${dir.pathname}includes/ nor in the shared scripts`);
}

/** The text of one script: its constants, then the script with its includes in place. */
export function scriptText(set: ScriptSet, file: string): string {
  const constants = Object.entries(set.constants ?? {})
    .filter(([name, value]) => !(typeof value === 'string' && /^-?\d+$/.test(name)))
    .map(([name, value]) => {
      if (!/^[A-Z][A-Z0-9_]*$/.test(name) || typeof value !== 'number' || !Number.isFinite(value))
        throw new Error(`Lua constant ${name}=${String(value)}: a name in capitals and a finite number`);
      return `local ${name} = ${value}\n`;
    });
  const body = readFileSync(new URL(file, set.dir), 'utf8').replace(
    /^-- @include ([\w-]+)\s*$/gm,
    (_, name: string) => include(set, name),
  );
  return constants.join('') + body;
}

const loaded = new WeakMap<object, Set<string>>();

/** Defines the set's commands on the client, once per client and prefix. */
export function defineScripts(redis: Pick<Redis, 'defineCommand'>, set: ScriptSet): void {
  const done = loaded.get(redis) ?? new Set<string>();
  loaded.set(redis, done);
  if (done.has(set.prefix)) return;
  for (const file of readdirSync(set.dir)) {
    const match = SCRIPT_FILE.exec(file);
    if (!match) continue;
    const name = `${set.prefix}-${match[1]!}`.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    redis.defineCommand(name, { numberOfKeys: Number(match[2]), lua: scriptText(set, file) });
  }
  done.add(set.prefix);
}
