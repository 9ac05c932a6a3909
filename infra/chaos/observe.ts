/**
 * Reads what the checks compare, for one drop: PostgreSQL's paid orders and orders stuck `held`, Redis's sold units,
 * and the test provider's ledger (`test_provider_ledger`, when the migrations have it). Every value read is
 * validated: a malformed row fails the run rather than bending a figure.
 */
import { Redis } from 'ioredis';
import { createInventoryKeys, createStockReader, dropOfReservation } from '../../inventory/index.js';
import { connectPostgres, type Sql } from '../db.js';
import type { LedgerRow } from './checks.js';

export interface Observer {
  postgresPaid(dropId: string): Promise<string[]>;
  /** Orders still held this many seconds past their deadline: the expiry sweep should have ended them. */
  stuckHeld(dropId: string, graceSeconds: number): Promise<number>;
  redisSold(dropId: string): Promise<number | null>;
  /** The ledger's rows of the drop's reservations; null when there is no ledger table. */
  ledger(dropId: string): Promise<LedgerRow[] | null>;
  /** The payments rows of these idempotency keys, as they are (for a round's JSON when one is left open). */
  payments(keys: string[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

const OPERATIONS = new Set(['authorize', 'capture', 'void']);

function ledgerRow(row: Record<string, unknown>): LedgerRow {
  const { key, operation, reference, approved } = row;
  if (
    typeof key !== 'string' ||
    typeof operation !== 'string' ||
    !OPERATIONS.has(operation) ||
    typeof reference !== 'string' ||
    typeof approved !== 'boolean'
  )
    throw new Error(`a malformed ledger row: ${JSON.stringify(row)}`);
  return { key, operation: operation as LedgerRow['operation'], reference, approved };
}

async function readLedger(sql: Sql, dropId: string): Promise<LedgerRow[] | null> {
  const [table] = await sql<
    { found: string | null }[]
  >`SELECT to_regclass('test_provider_ledger')::text AS found`;
  if (!table?.found) return null;
  const rows = await sql<Record<string, unknown>[]>`
    SELECT idempotency_key::text AS key, operation, reference, approved FROM test_provider_ledger`;
  return rows.map(ledgerRow).filter((r) => dropOfReservation(r.reference) === dropId);
}

export function createObserver({
  databaseUrl,
  redisUrl,
  redisPrefix,
}: {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
}): Observer {
  const sql = connectPostgres(databaseUrl, { max: 2 });
  // Reconnects forever: Redis is restarted under it.
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, retryStrategy: () => 200 });
  redis.on('error', () => undefined);
  const stock = createStockReader({ redis, keys: createInventoryKeys(redisPrefix) });
  return {
    async postgresPaid(dropId) {
      const rows = await sql<{ id: string; quantity: number }[]>`
        SELECT id::text AS id, quantity FROM orders WHERE drop_id = ${dropId} AND status = 'paid'`;
      for (const r of rows)
        if (r.quantity !== 1)
          throw new Error(`order ${r.id} has ${r.quantity} units; the shoppers reserve one`);
      return rows.map((r) => r.id);
    },
    async stuckHeld(dropId, graceSeconds) {
      const [row] = await sql<{ count: number }[]>`
        SELECT count(*)::int AS count FROM orders
        WHERE drop_id = ${dropId} AND status = 'held' AND expires_at < now() - make_interval(secs => ${graceSeconds})`;
      return Number(row?.count ?? 0);
    },
    async redisSold(dropId) {
      return (await stock.read(dropId))?.sold ?? null;
    },
    ledger: (dropId) => readLedger(sql, dropId),
    async payments(keys) {
      if (keys.length === 0) return [];
      return sql<Record<string, unknown>[]>`
        SELECT id::text, reservation_id, state, ending, created_at, updated_at FROM payments
        WHERE id::text IN ${sql(keys)}`;
    },
    async close() {
      redis.disconnect();
      await sql.end({ timeout: 5 });
    },
  };
}
