import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { loadScripts, silentLog, test } from '../../infra/testing/index.js';
import { createEdgeKeys } from '../keys.js';
import { HttpProblem } from '../problems.js';
import { ACCOUNT_CAP_MS, createLoginGuard, PAIR_FREE } from './login-guard.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The wait (s) `attempt` is refused with, or 0 when it goes through. */
async function waitOf(attempt: Promise<void>): Promise<number> {
  try {
    await attempt;
    return 0;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpProblem);
    expect((error as HttpProblem).code).toBe('rate_limited');
    return (error as HttpProblem).extensions.retryAfter as number;
  }
}

function setup(prefix: string) {
  const redis = loadScripts(new Redis(redisUrl));
  const clock = { at: Date.UTC(2031, 0, 15, 12), now: () => clock.at };
  const guard = createLoginGuard({ redis, keys: createEdgeKeys(prefix), log: silentLog, clock });
  return { redis, clock, guard };
}

describe('login guard', () => {
  test('past its free attempts, one address backs off 1 s, 2 s, 4 s …; a success clears it', async ({
    prefix,
  }) => {
    const { redis, clock, guard } = setup(prefix);
    try {
      for (let i = 0; i < PAIR_FREE; i++)
        expect(await waitOf(guard.attempt('a@example.com', '10.0.0.1'))).toBe(0);
      const waits: number[] = [];
      for (let i = 0; i < 4; i++) {
        expect(await waitOf(guard.attempt('a@example.com', '10.0.0.1'))).toBe(0);
        const wait = await waitOf(guard.attempt('a@example.com', '10.0.0.1'));
        waits.push(wait);
        clock.at += wait * 1000;
      }
      expect(waits).toEqual([1, 2, 4, 8]);
      // Another account from the same address is not held back.
      expect(await waitOf(guard.attempt('b@example.com', '10.0.0.1'))).toBe(0);
      await guard.succeeded('a@example.com', '10.0.0.1');
      for (let i = 0; i < PAIR_FREE; i++)
        expect(await waitOf(guard.attempt('a@example.com', '10.0.0.1'))).toBe(0);
    } finally {
      await redis.quit();
    }
  });

  test('concurrent guesses past the free ones cannot pass the gate together', async ({ prefix }) => {
    const { redis, guard } = setup(prefix);
    try {
      const waits = await Promise.all(
        Array.from({ length: 40 }, () => waitOf(guard.attempt('c@example.com', '10.0.0.2'))),
      );
      expect(waits.filter((w) => w === 0)).toHaveLength(PAIR_FREE + 1);
    } finally {
      await redis.quit();
    }
  });

  test('a flood from many addresses cannot keep the owner out for long', async ({ prefix }) => {
    const { redis, clock, guard } = setup(prefix);
    const owner = 'owner@example.com';
    try {
      await guard.attempt(owner, '192.0.2.1');
      await guard.succeeded(owner, '192.0.2.1');
      // Guesses from 200 addresses, one each, again and again: the account backs off for new addresses.
      for (let round = 0; round < 3; round++)
        for (let a = 0; a < 200; a++) await waitOf(guard.attempt(owner, `198.51.100.${a}`));
      const stranger = await waitOf(guard.attempt(owner, '203.0.113.9'));
      expect(stranger).toBeGreaterThan(0);
      expect(stranger * 1000).toBeLessThanOrEqual(ACCOUNT_CAP_MS);

      // The owner, from the address it signed in from before, goes straight in.
      expect(await waitOf(guard.attempt(owner, '192.0.2.1'))).toBe(0);
      // From a new address, the owner waits at most the account's cap, then goes in.
      const wait = await waitOf(guard.attempt(owner, '203.0.113.10'));
      expect(wait * 1000).toBeLessThanOrEqual(ACCOUNT_CAP_MS);
      clock.at += wait * 1000;
      expect(await waitOf(guard.attempt(owner, '203.0.113.10'))).toBe(0);
    } finally {
      await redis.quit();
    }
  });

  test('when Redis fails the attempt goes through', async ({ prefix }) => {
    const redis = loadScripts(new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 }));
    redis.disconnect();
    const guard = createLoginGuard({ redis, keys: createEdgeKeys(prefix), log: silentLog });
    await expect(guard.attempt('d@example.com', '10.0.0.3')).resolves.toBeUndefined();
    await expect(guard.succeeded('d@example.com', '10.0.0.3')).resolves.toBeUndefined();
  });
});
