/** PostgreSQL rows of `drops` and `drop_audit`, and the mapping between them and a Drop. */
import type { TransactionSql } from 'postgres';
import type { Drop, DropFields, DropStatus, Fulfilment } from './drop.js';

export interface DropRow {
  id: string;
  brand_id: string;
  title: string;
  description: string;
  sku: string;
  fulfilment: Fulfilment;
  price_cents: number;
  currency: string;
  stock: number;
  per_user_limit: number;
  hold_seconds: number;
  admission_per_minute: number;
  max_active: number;
  opens_at: Date;
  closes_at: Date | null;
  status: DropStatus;
  admission_paused: boolean;
  admission_pause_message: string | null;
  challenge_bits: number;
  version: number;
}

export const toDrop = (r: DropRow): Drop => ({
  id: r.id,
  brandId: r.brand_id,
  title: r.title,
  description: r.description,
  sku: r.sku,
  fulfilment: r.fulfilment,
  priceCents: r.price_cents,
  currency: r.currency,
  stock: r.stock,
  perUserLimit: r.per_user_limit,
  holdSeconds: r.hold_seconds,
  admissionPerMinute: r.admission_per_minute,
  maxActive: r.max_active,
  opensAt: r.opens_at,
  closesAt: r.closes_at,
  status: r.status,
  admissionPaused: r.admission_paused,
  pauseMessage: r.admission_pause_message,
  challengeBits: r.challenge_bits,
  version: r.version,
});

const COLUMNS: Record<keyof DropFields, string> = {
  title: 'title',
  description: 'description',
  sku: 'sku',
  fulfilment: 'fulfilment',
  priceCents: 'price_cents',
  currency: 'currency',
  stock: 'stock',
  perUserLimit: 'per_user_limit',
  holdSeconds: 'hold_seconds',
  admissionPerMinute: 'admission_per_minute',
  maxActive: 'max_active',
  opensAt: 'opens_at',
  closesAt: 'closes_at',
};

const isField = (key: string): key is keyof DropFields => Object.hasOwn(COLUMNS, key);

/** The column values of the drop fields in `fields` (other keys, and undefined values, are left out). */
export const toColumns = (fields: Partial<DropFields>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(fields).flatMap(([key, value]) =>
      isField(key) && value !== undefined ? [[COLUMNS[key], value]] : [],
    ),
  );

/** Records one changed field of a drop, in the transaction that changes it. */
export const insertAudit = (
  tx: TransactionSql,
  dropId: string,
  actor: string,
  field: string,
  from: unknown,
  to: unknown,
) =>
  tx`INSERT INTO drop_audit (drop_id, actor, field, from_value, to_value)
     VALUES (${dropId}, ${actor}, ${field}, ${tx.json(from as never)}, ${tx.json(to as never)})`;
