import { describe, expect } from 'vitest';
import { connectPostgres } from './db.js';
import { migrate, readMigrations } from './migrate.js';
import { test } from './testing/index.js';

describe('migrations', () => {
  test('apply once, even when several processes start together, and record their checksums', async ({
    databaseUrl,
  }) => {
    const clients = Array.from({ length: 4 }, () => connectPostgres(databaseUrl, { max: 1 }));
    try {
      const results = await Promise.all(clients.map((sql) => migrate(sql)));
      const all = (await readMigrations()).map((m) => m.version);
      expect(results.flat().sort((a, b) => a - b)).toEqual(all);
      expect(await migrate(clients[0]!)).toEqual([]);
      const rows = await clients[0]!`SELECT version, checksum FROM schema_migrations ORDER BY version`;
      expect(rows.map((r) => r.version)).toEqual(all);
    } finally {
      await Promise.all(clients.map((sql) => sql.end()));
    }
  });

  test('an applied migration that was edited is refused', async ({ databaseUrl }) => {
    const sql = connectPostgres(databaseUrl, { max: 1 });
    try {
      await migrate(sql);
      const edited = (await readMigrations()).map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m));
      await expect(migrate(sql, edited)).rejects.toThrow(/was changed after it was applied/);
    } finally {
      await sql.end();
    }
  });

  test('constraints keep the data valid', async ({ databaseUrl }) => {
    const sql = connectPostgres(databaseUrl, { max: 1 });
    try {
      await migrate(sql);
      const brand = crypto.randomUUID();
      await sql`INSERT INTO brands (id, name) VALUES (${brand}, 'B')`;
      const drop = (over: Record<string, unknown>) => ({
        id: crypto.randomUUID(),
        brand_id: brand,
        title: 'T',
        sku: 'S',
        price_cents: 100,
        currency: 'USD',
        stock: 10,
        per_user_limit: 1,
        hold_seconds: 60,
        admission_per_minute: 60,
        max_active: 10,
        opens_at: new Date('2030-01-01T00:00:00Z'),
        ...over,
      });
      const violation = (p: Promise<unknown>) =>
        expect(p).rejects.toMatchObject({ code: expect.stringMatching(/^23/) });

      await sql`INSERT INTO drops ${sql(drop({}))}`;
      await violation(sql`INSERT INTO drops ${sql(drop({ stock: 0 }))}`);
      await violation(sql`INSERT INTO drops ${sql(drop({ stock: 1_000_001 }))}`);
      await violation(sql`INSERT INTO drops ${sql(drop({ price_cents: -1 }))}`);
      await violation(sql`INSERT INTO drops ${sql(drop({ hold_seconds: 0 }))}`);
      await violation(sql`INSERT INTO drops ${sql(drop({ currency: 'usd' }))}`);
      await violation(sql`INSERT INTO drops ${sql(drop({ status: 'gone' }))}`);
      await violation(sql`INSERT INTO drops ${sql(drop({ closes_at: new Date('2029-12-31T00:00:00Z') }))}`);
      await violation(sql`INSERT INTO drops ${sql(drop({ brand_id: crypto.randomUUID() }))}`);

      const user = (over: Record<string, unknown>) => ({
        id: crypto.randomUUID(),
        email: `u${Math.random()}@example.com`,
        password_hash: 'h',
        role: 'shopper',
        ...over,
      });
      await sql`INSERT INTO users ${sql(user({ email: 'same@example.com' }))}`;
      await violation(sql`INSERT INTO users ${sql(user({ email: 'same@example.com' }))}`);
      await violation(sql`INSERT INTO users ${sql(user({ email: 'Upper@Example.com' }))}`);
      await violation(sql`INSERT INTO users ${sql(user({ role: 'brand' }))}`);
      await violation(sql`INSERT INTO users ${sql(user({ role: 'root' }))}`);
      await violation(sql`INSERT INTO users ${sql(user({ brand_id: brand }))}`);
      await violation(sql`INSERT INTO users ${sql(user({ guest: true }))}`);

      await violation(sql`
        INSERT INTO stock_ledger (drop_id, event_id, kind, delta_available, delta_held, delta_sold)
        SELECT id, 'e1', 'held', -1, 2, 0 FROM drops LIMIT 1`);
      await violation(sql`
        INSERT INTO orders (id, drop_id, user_id, quantity, amount_cents, status, expires_at, created_at)
        SELECT gen_random_uuid(), d.id, u.id, 0, 0, 'held', now(), now() FROM drops d, users u LIMIT 1`);
    } finally {
      await sql.end();
    }
  });
});
