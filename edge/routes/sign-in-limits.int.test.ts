import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import {
  apiClient,
  createDropline,
  expectProblem,
  silentLog,
  test,
  testConfig,
  type Api,
} from '../../infra/testing/index.js';
import { hashPassword } from '../auth/password.js';
import { PAIR_FREE } from '../auth/login-guard.js';

const password = 'correct horse battery';
const from = (address: string) => ({ 'x-forwarded-for': address });

/**
 * An edge of its own with `env` on top of the test's configuration, hashing at the production cost (N = 2^17);
 * closed after `run`.
 */
async function withEdge(
  base: { databaseUrl: string; prefix: string },
  env: Record<string, string>,
  run: (api: Api) => Promise<void>,
) {
  const config = testConfig({
    databaseUrl: base.databaseUrl,
    redisPrefix: base.prefix,
    SCRYPT_N: String(2 ** 17),
    ...env,
  });
  const dropline = await createDropline({ config, log: silentLog, roles: { edge: true, workers: false } });
  try {
    await run(apiClient(dropline.app!, config));
  } finally {
    await dropline.close();
  }
}

describe('sign-in limits', () => {
  test('per address (rate limits on): sign-ins and sign-ups share LOGIN_RATE_LIMIT_PER_MINUTE, then 429', async ({
    databaseUrl,
    prefix,
  }) => {
    const env = { RATE_LIMITS: 'on', LOGIN_RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '1' };
    await withEdge({ databaseUrl, prefix }, env, async (api) => {
      const email = `a-${randomUUID()}@example.com`;
      expect(
        (await api.post('/api/auth/signup', { body: { email, password }, headers: from('10.1.0.9') })).status,
      ).toBe(201);
      // Sent together, so that the minute's window cannot turn between them.
      const answers = await Promise.all([
        api.post('/api/auth/signup', {
          body: { email: `b-${randomUUID()}@example.com`, password },
          headers: from('10.1.0.1'),
        }),
        ...Array.from({ length: 4 }, (_, i) =>
          api.post('/api/auth/login', {
            body: { email: `nobody-${i}@example.com`, password },
            headers: from('10.1.0.1'),
          }),
        ),
      ]);
      const refused = answers.filter((r) => r.status === 429);
      expect(refused).toHaveLength(2);
      expect(answers.filter((r) => r.status === 201 || r.status === 401)).toHaveLength(3);
      expectProblem(refused[0]!, 429, 'rate_limited');
      expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Another address is not held back.
      const other = await api.post('/api/auth/login', {
        body: { email, password },
        headers: from('10.1.0.2'),
      });
      expect(other.status).toBe(200);
    });
  });

  test('per account (always on): wrong passwords back off with 429 and Retry-After; the owner elsewhere signs in', async ({
    databaseUrl,
    prefix,
  }) => {
    await withEdge({ databaseUrl, prefix }, { TRUST_PROXY: '1' }, async (api) => {
      const email = `owner-${randomUUID()}@example.com`;
      const owner = await api.post('/api/auth/signup', {
        body: { email, password },
        headers: from('10.2.0.1'),
      });
      expect(owner.status).toBe(201);
      const guess = () =>
        api.post('/api/auth/login', {
          body: { email, password: 'wrong password' },
          headers: from('10.2.0.66'),
        });
      for (let i = 0; i < PAIR_FREE; i++) expect((await guess()).status).toBe(401);
      // Past the free ones, of guesses made together one is checked and the others wait, however long a hash takes.
      const together = await Promise.all([guess(), guess(), guess()]);
      expect(together.map((r) => r.status).sort()).toEqual([401, 429, 429]);
      const refused = together.find((r) => r.status === 429)!;
      expectProblem(refused, 429, 'rate_limited');
      expect(refused.headers.get('retry-after')).toBe('1');
      // The owner, from its own address, is not held back.
      const home = await api.post('/api/auth/login', {
        body: { email, password },
        headers: from('10.2.0.1'),
      });
      expect(home.status).toBe(200);
    });
  });

  test('hashing runs PASSWORD_HASH_CONCURRENCY at once; past the queue, 503 with Retry-After, never a 500', async ({
    databaseUrl,
    prefix,
  }) => {
    const env = { PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '1' };
    await withEdge({ databaseUrl, prefix }, env, async (api) => {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          api.post('/api/auth/login', { body: { email: `flood-${i}@example.com`, password } }),
        ),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
      expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(2);
      const busy = answers.filter((a) => a.status === 503);
      expect(busy.length).toBeGreaterThanOrEqual(1);
      for (const b of busy) {
        expectProblem(b, 503, 'unavailable');
        expect(b.headers.get('retry-after')).toBe('1');
      }
    });
  });

  test('a hash of an older cost is stored again at N = 2^17 on a successful sign-in', async ({
    databaseUrl,
    prefix,
    dropline,
  }) => {
    await withEdge({ databaseUrl, prefix }, {}, async (api) => {
      const email = `old-${randomUUID()}@example.com`;
      const old = await hashPassword(password, { N: 2 ** 14, r: 8, p: 1 });
      await dropline.sql`INSERT INTO users (id, email, password_hash, role) VALUES (${randomUUID()}, ${email}, ${old}, 'shopper')`;
      expect(
        (await api.post('/api/auth/login', { body: { email, password: 'wrong password' } })).status,
      ).toBe(401);
      const [unchanged] = await dropline.sql`SELECT password_hash FROM users WHERE email = ${email}`;
      expect(unchanged?.password_hash).toBe(old);

      expect((await api.post('/api/auth/login', { body: { email, password } })).status).toBe(200);
      const [row] = await dropline.sql`SELECT password_hash FROM users WHERE email = ${email}`;
      expect(row?.password_hash).toMatch(/^scrypt\$131072\$8\$1\$/);
      expect((await api.post('/api/auth/login', { body: { email, password } })).status).toBe(200);
    });
  });

  test('logout answers 204 even with a broken or malformed Bearer token', async ({ api }) => {
    for (const authorization of ['Bearer not.a.jwt', 'Bearer', 'Basic abc', `Bearer ${'x'.repeat(40)}`]) {
      const r = await api.post('/api/auth/logout', { headers: { authorization } });
      expect({ authorization, status: r.status }).toEqual({ authorization, status: 204 });
    }
    // Elsewhere a broken Bearer token is still refused.
    expect((await api.get('/api/auth/me', { headers: { authorization: 'Bearer not.a.jwt' } })).status).toBe(
      401,
    );
  });
});
