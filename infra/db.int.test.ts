/**
 * The PostgreSQL driver when a server connection dies under a session (patches/postgres+3.4.9.patch): postgres.js
 * 3.4.9 buffers small writes behind an immediate that, once the connection had closed, threw out of the process
 * ("Cannot read properties of null (reading 'write')") or left the connection unable to write again. A PostgreSQL
 * restart killed the workers that way. The next query must reject instead, and the pool must go on working.
 */
import { describe, expect } from 'vitest';
import { connectPostgres } from './db.js';
import { test } from './testing/index.js';

/** Resolves to the value, or rejects once `ms` passed: a query that hangs fails the test instead of stalling it. */
const within = <T>(ms: number, work: Promise<T>, what = 'the query') =>
  Promise.race([
    work,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms).unref(),
    ),
  ]);

describe('a PostgreSQL connection that dies', () => {
  test('rejects the next query of its session, and the pool goes on', async ({ databaseUrl }) => {
    const sql = connectPostgres(databaseUrl, { max: 2 });
    try {
      const session = await sql.reserve();
      const [{ pid }] = await session<[{ pid: number }]>`SELECT pg_backend_pid() AS pid`;
      await sql`SELECT pg_terminate_backend(${pid})`;
      await expect
        .poll(async () => (await sql`SELECT 1 FROM pg_stat_activity WHERE pid = ${pid}`).length)
        .toBe(0);

      // The first write meets either the closed socket or the server's reset, as the kernel's timing has it.
      const closed = ['CONNECTION_CLOSED', 'ECONNRESET', 'EPIPE'];
      for (const what of ['first', 'second']) {
        const error = await within(5000, session`SELECT 1`, what).then(
          () => undefined,
          (e: Error & { code?: string }) => e,
        );
        expect(closed).toContain(error?.code);
      }
      session.release();
      const [{ n }] = await within(5000, sql<[{ n: number }]>`SELECT 2 AS n`, 'pool');
      expect(n).toBe(2);
    } finally {
      // As the roots end it: a session's connection that broke may not say it ended (reserve is not used by Dropline).
      await within(5000, sql.end({ timeout: 1 }), 'end');
    }
  });

  test('a transaction whose connection dies rejects, and later transactions commit', async ({
    databaseUrl,
  }) => {
    const sql = connectPostgres(databaseUrl, { max: 2 });
    const admin = connectPostgres(databaseUrl, { max: 1 });
    try {
      await sql`CREATE TABLE IF NOT EXISTS driver_probe (n int)`;
      const attempts = Array.from({ length: 20 }, (_, i) =>
        within(
          10_000,
          sql.begin(async (tx) => {
            await tx`INSERT INTO driver_probe VALUES (${i})`;
            if (i % 4 === 0) {
              const [{ pid }] = await tx<[{ pid: number }]>`SELECT pg_backend_pid() AS pid`;
              await admin`SELECT pg_terminate_backend(${pid})`;
            }
            await tx`INSERT INTO driver_probe VALUES (${i})`;
          }),
        ).then(
          () => 'committed',
          (error: Error & { code?: string }) => error.code ?? error.message,
        ),
      );
      const outcomes = await Promise.all(attempts);
      expect(
        outcomes
          .filter((o) => o !== 'committed')
          .every((o) => ['CONNECTION_CLOSED', 'ECONNRESET', 'EPIPE', '57P01'].includes(o)),
      ).toBe(true);
      expect(outcomes.filter((o) => o === 'committed')).toHaveLength(15);
      const [{ rows }] = await within(
        5000,
        sql<[{ rows: number }]>`SELECT count(*)::int AS rows FROM driver_probe`,
      );
      expect(rows).toBe(30);
    } finally {
      await within(5000, Promise.all([sql.end(), admin.end()]));
    }
  });
});
