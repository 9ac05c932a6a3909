/** PostgreSQL rows of `drops`, `drop_brands` and `drop_audit`, and the mapping between them and a Drop. */
import type { Sql, TransactionSql } from 'postgres';
import type { Drop, DropBrand, DropFields, DropStatus, Fulfilment } from './drop.js';

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
  /** From `brandsColumn`: the drop's brands as JSON, the lead first. */
  brands: DropBrand[];
}

/**
 * The `brands` column of a query on `drops` (unaliased): the drop's brands with their names, the lead first, in the
 * same statement as the drop, so a page of drops costs one query. A drop with no `drop_brands` rows (written
 * straight to the table) shows its lead alone at 100.
 */
export const brandsColumn = (q: Sql | TransactionSql) => q`(
  SELECT coalesce(
    json_agg(
      json_build_object('id', b.id, 'name', b.name, 'sharePercent', db.share_percent, 'lead', db.lead)
      ORDER BY db.lead DESC, db.share_percent DESC, b.name, b.id),
    (SELECT json_build_array(json_build_object('id', l.id, 'name', l.name, 'sharePercent', 100, 'lead', true))
     FROM brands l WHERE l.id = drops.brand_id))
  FROM drop_brands db JOIN brands b ON b.id = db.brand_id
  WHERE db.drop_id = drops.id) AS brands`;

export const toDrop = (r: DropRow): Drop => ({
  id: r.id,
  brandId: r.brand_id,
  brands: r.brands,
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

/** A drop's brands as the audit log shows them: `Acme (lead) 60%, Beta 40%`. */
export const brandsText = (brands: readonly DropBrand[]): string =>
  brands.map((b) => `${b.name}${b.lead ? ' (lead)' : ''} ${b.sharePercent}%`).join(', ');
