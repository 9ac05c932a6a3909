import { randomBytes, scryptSync } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { HttpProblem } from '../problems.js';
import { createHashPool, type HashPool } from './hash-pool.js';
import { createPasswords, hashPassword } from './password.js';

/** A cheap cost: these tests are about the bound, not the hash. */
const CHEAP = { N: 2 ** 12, r: 8, p: 1 };

let pool: HashPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('hash pool', () => {
  test('derives what scrypt derives', async () => {
    pool = createHashPool({ concurrency: 2, queue: 8 });
    const salt = randomBytes(16);
    const key = await pool.derive('a password', salt, 32, CHEAP);
    expect(key.equals(scryptSync('a password', salt, 32, CHEAP))).toBe(true);
  });

  test('never runs more than `concurrency` hashes; past the queue, a hash is refused at once with 503', async () => {
    pool = createHashPool({ concurrency: 2, queue: 3 });
    const p = pool;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 9 }, () => p.derive('pw', randomBytes(16), 32, { ...CHEAP, N: 2 ** 14 })),
    );
    const refused = outcomes.filter((o) => o.status === 'rejected');
    // Two run and three wait; the other four are refused without waiting.
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    expect(refused).toHaveLength(4);
    for (const o of refused) {
      const reason = o.reason as HttpProblem;
      expect(reason).toBeInstanceOf(HttpProblem);
      expect(reason.code).toBe('unavailable');
      expect(reason.extensions.retryAfter).toBe(1);
    }
    expect(p.figures()).toEqual({ running: 0, waiting: 0, peakRunning: 2 });
  });

  test('a waiting hash whose client left (its signal aborted) is dropped, not run', async () => {
    pool = createHashPool({ concurrency: 1, queue: 4 });
    const left = new AbortController();
    const first = pool.derive('pw', randomBytes(16), 32, CHEAP);
    const abandoned = pool.derive('pw', randomBytes(16), 32, CHEAP, left.signal);
    const last = pool.derive('pw', randomBytes(16), 32, CHEAP);
    left.abort();
    await expect(abandoned).rejects.toMatchObject({ code: 'unavailable' });
    await expect(first).resolves.toHaveLength(32);
    await expect(last).resolves.toHaveLength(32);
  });

  test('passwords: right and wrong, a decoy for no hash, and a rehash for a hash of an older cost', async () => {
    pool = createHashPool({ concurrency: 1, queue: 8 });
    const passwords = createPasswords(pool);
    const current = await passwords.hash('correct horse');
    expect(current).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await passwords.verify('correct horse', current)).toEqual({ ok: true, rehash: false });
    expect(await passwords.verify('wrong horse', current)).toEqual({ ok: false, rehash: false });
    expect(await passwords.verify('correct horse', undefined)).toEqual({ ok: false, rehash: false });

    const older = await hashPassword('correct horse', { N: 2 ** 14, r: 8, p: 1 });
    expect(await passwords.verify('correct horse', older)).toEqual({ ok: true, rehash: true });
    expect(await passwords.verify('wrong horse', older)).toEqual({ ok: false, rehash: false });
    // Malformed, or dearer than the threads allow: no match, no hashing.
    for (const bad of ['', 'scrypt$0$8$1$a$b', 'scrypt$3$8$1$a$b', `scrypt$${2 ** 20}$8$1$a$b`, 'bcrypt$x'])
      expect(await passwords.verify('correct horse', bad)).toEqual({ ok: false, rehash: false });
  });
});
