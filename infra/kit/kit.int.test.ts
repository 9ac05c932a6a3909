/**
 * The plumbing against the real Redis: the Lua loader (includes, constants, once per client), every room's scripts
 * (they compile, and reply with named codes only), the lease and the ticker.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { describe, expect, onTestFinished, vi } from 'vitest';
import { InventoryCode, inventoryScripts } from '../../inventory/index.js';
import { ACTIVE_SCORE, QueueCode, queueScripts } from '../../queue/index.js';
import { test } from '../testing/index.js';
import { createLease, createTicker, defineScripts, scriptText, type ScriptSet } from './index.js';

function connect(url: string): Redis {
  const redis = new Redis(url);
  onTestFinished(async () => {
    await redis.quit();
  });
  return redis;
}

/** A folder of scripts of the test's own. */
function scriptFolder(files: Record<string, string>): URL {
  const dir = mkdtempSync(join(tmpdir(), 'lua-'));
  mkdirSync(join(dir, 'includes'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return pathToFileURL(`${dir}/`);
}

enum Code {
  OK = 1,
  GONE = -1,
}

describe('the Lua loader', () => {
  test('defines each script as a command with its constants and includes, once per client', async ({
    config,
  }) => {
    const redis = connect(config.redisUrl);
    const dir = scriptFolder({
      'answer-1.lua': '-- @include twice\n-- @include lease\nreturn { OK, GONE, twice(ANSWER), KEYS[1] }\n',
      'includes/twice.lua': 'local function twice(n) return 2 * n end\n',
    });
    const set: ScriptSet = { dir, prefix: 'probe', constants: { ...Code, ANSWER: 21 } };
    defineScripts(redis, set);
    defineScripts(redis, set);
    const call = (redis as unknown as Record<string, (...args: string[]) => Promise<unknown>>).probeAnswer!;
    expect(await call.call(redis, 'k')).toEqual([1, -1, 42, 'k']);
    // The shared lease is included too; the enum's reverse entries are not constants.
    expect(scriptText(set, 'answer-1.lua')).toContain('local function takeLease');
    expect(scriptText(set, 'answer-1.lua')).not.toContain('local 1');
  });

  test('refuses a constant that is not a name in capitals with a finite number, and an unknown include', () => {
    const dir = scriptFolder({ 'a-0.lua': 'return 1\n', 'b-0.lua': '-- @include nowhere\nreturn 1\n' });
    expect(() => scriptText({ dir, prefix: 'x', constants: { lower: 1 } }, 'a-0.lua')).toThrow(/capitals/);
    expect(() => scriptText({ dir, prefix: 'x', constants: { BAD: Number.NaN } }, 'a-0.lua')).toThrow(
      /finite/,
    );
    expect(() => scriptText({ dir, prefix: 'x' }, 'b-0.lua')).toThrow(/include "nowhere" not found/);
  });
});

describe('the rooms’ scripts', () => {
  const sets = [queueScripts, inventoryScripts(ACTIVE_SCORE)];

  test.for(sets.map((s) => [s.prefix, s] as const))(
    '%s: every script compiles and replies with named codes, never a bare number',
    async ([, set], { config }) => {
      const redis = connect(config.redisUrl);
      const files = readdirSync(set.dir).filter((f) => /^[a-z-]+-\d+\.lua$/.test(f));
      expect(files.length).toBeGreaterThan(3);
      for (const file of files) {
        const source = readFileSync(new URL(file, set.dir), 'utf8');
        expect(source, file).not.toMatch(/return\s*\{?\s*-?\d/);
        expect(await redis.script('LOAD', scriptText(set, file)), file).toMatch(/^[0-9a-f]{40}$/);
      }
    },
  );

  test('no two codes of a room share a number', () => {
    for (const codes of [QueueCode, InventoryCode]) {
      const numbers = Object.values(codes).filter((v) => typeof v === 'number');
      expect(new Set(numbers).size).toBe(numbers.length);
    }
  });
});

describe('the lease', () => {
  test('one owner at a time; the owner renews; another takes it once it lapses', async ({
    config,
    prefix,
  }) => {
    const take = createLease(connect(config.redisUrl));
    const key = `${prefix}lease`;
    expect(await take(key, 'a', 200)).toBe(true);
    expect(await take(key, 'b', 200)).toBe(false);
    expect(await take(key, 'a', 200)).toBe(true);
    await vi.waitFor(async () => expect(await take(key, 'b', 10_000)).toBe(true), { timeout: 2000 });
    expect(await take(key, 'a', 200)).toBe(false);
  });
});

describe('the ticker', () => {
  test('runs one at a time, goes on after a failure, stop waits for the run in flight, and it restarts', async () => {
    let runs = 0;
    let inFlight = 0;
    let most = 0;
    const errors: unknown[] = [];
    let release: () => void = () => {};
    const ticker = createTicker({
      everyMs: 1,
      onError: (error) => errors.push(error),
      run: async () => {
        runs += 1;
        inFlight += 1;
        most = Math.max(most, inFlight);
        try {
          if (runs === 2) throw new Error('boom');
          if (runs === 4) await new Promise<void>((resolve) => (release = resolve));
        } finally {
          inFlight -= 1;
        }
      },
    });
    ticker.start();
    ticker.start();
    await vi.waitFor(() => expect(runs).toBe(4));
    let stopped = false;
    const stopping = ticker.stop().then(() => (stopped = true));
    await new Promise(setImmediate);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect({ runs, most, errors: errors.length }).toEqual({ runs: 4, most: 1, errors: 1 });
    ticker.start();
    await vi.waitFor(() => expect(runs).toBeGreaterThan(4));
    await ticker.stop();
  });
});
