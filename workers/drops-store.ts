/** Drops and their audit log in PostgreSQL. */
import type { Sql, TransactionSql } from 'postgres';

export type DropStatus = 'scheduled' | 'open' | 'sold_out' | 'closed' | 'cancelled';

export interface Drop {
  id: string;
  brandId: string;
  title: string;
  description: string;
  sku: string;
  priceCents: number;
  currency: string;
  stock: number;
  perUserLimit: number;
  holdSeconds: number;
  admissionPerMinute: number;
  maxActive: number;
  opensAt: Date;
  closesAt: Date | null;
  status: DropStatus;
  /** Admission paused by an operator. */
  admissionPaused: boolean;
  version: number;
}

/** The fields a brand sets; everything but the id, brand, status, pause and version. */
export type DropFields = Omit<Drop, 'id' | 'brandId' | 'status' | 'admissionPaused' | 'version'>;

/** What an operator tunes while a drop runs. */
export interface AdmissionSettings {
  perMinute: number;
  maxActive: number;
  paused: boolean;
}

interface DropRow {
  id: string;
  brand_id: string;
  title: string;
  description: string;
  sku: string;
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
  version: number;
}

const toDrop = (r: DropRow): Drop => ({
  id: r.id,
  brandId: r.brand_id,
  title: r.title,
  description: r.description,
  sku: r.sku,
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
  version: r.version,
});

const COLUMNS: Record<keyof DropFields, string> = {
  title: 'title',
  description: 'description',
  sku: 'sku',
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
const toColumns = (fields: Partial<DropFields>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(fields).flatMap(([key, value]) =>
      isField(key) && value !== undefined ? [[COLUMNS[key], value]] : [],
    ),
  );

export interface AuditEntry {
  at: Date;
  actor: string;
  field: string;
  from: unknown;
  to: unknown;
}

export interface ListPage {
  status?: DropStatus;
  limit: number;
  /** Keyset position: the (opensAt, id) of the last drop of the previous page. */
  after?: { opensAt: Date; id: string };
}

export interface DropsStore {
  insert(drop: { id: string; brandId: string } & DropFields): Promise<Drop>;
  get(id: string): Promise<Drop | null>;
  list(page: ListPage): Promise<Drop[]>;
  /** Updates fields of a drop that is still `scheduled`; null when it is not (or does not exist). */
  updateScheduled(id: string, fields: Partial<DropFields>): Promise<Drop | null>;
  /**
   * Moves a drop from one of `from` to `to` and audits it, atomically; null when the drop is in another status,
   * which is what makes a transition happen once however many processes attempt it.
   */
  transition(id: string, from: readonly DropStatus[], to: DropStatus, actor: string): Promise<Drop | null>;
  /**
   * Changes admission settings of a drop in one of `statuses`, auditing each changed field; null when the drop is in
   * another status. Unchanged values are neither written nor audited.
   */
  updateAdmission(
    id: string,
    changes: Partial<AdmissionSettings>,
    statuses: readonly DropStatus[],
    actor: string,
  ): Promise<Drop | null>;
  /**
   * Sets a selling drop sold out or open again from the inventory's numbered events, once per number and never
   * back to an older one; null when nothing changed.
   */
  setAvailability(id: string, soldOut: boolean, seq: number, actor: string): Promise<Drop | null>;
  /** Drops whose scheduled transitions may still be due: scheduled, open or sold out. */
  listLive(): Promise<Drop[]>;
  audit(dropId: string, limit: number, beforeId?: number): Promise<(AuditEntry & { id: number })[]>;
}

export function createDropsStore(sql: Sql): DropsStore {
  const audit = (
    tx: TransactionSql,
    dropId: string,
    actor: string,
    field: string,
    from: unknown,
    to: unknown,
  ) =>
    tx`INSERT INTO drop_audit (drop_id, actor, field, from_value, to_value)
       VALUES (${dropId}, ${actor}, ${field}, ${tx.json(from as never)}, ${tx.json(to as never)})`;

  return {
    async insert(drop) {
      const [row] = await sql<DropRow[]>`
        INSERT INTO drops ${sql({ id: drop.id, brand_id: drop.brandId, ...toColumns(drop) })} RETURNING *`;
      return toDrop(row!);
    },
    async get(id) {
      const [row] = await sql<DropRow[]>`SELECT * FROM drops WHERE id = ${id}`;
      return row ? toDrop(row) : null;
    },
    async list({ status, limit, after }) {
      const rows = await sql<DropRow[]>`
        SELECT * FROM drops
        WHERE true
          ${status ? sql`AND status = ${status}` : sql``}
          ${after ? sql`AND (opens_at, id) > (${after.opensAt}, ${after.id})` : sql``}
        ORDER BY opens_at, id
        LIMIT ${limit}`;
      return rows.map(toDrop);
    },
    async updateScheduled(id, fields) {
      const columns = toColumns(fields);
      if (Object.keys(columns).length === 0) {
        const [row] = await sql<DropRow[]>`SELECT * FROM drops WHERE id = ${id} AND status = 'scheduled'`;
        return row ? toDrop(row) : null;
      }
      const [row] = await sql<DropRow[]>`
        UPDATE drops SET ${sql(columns)}, version = version + 1, updated_at = now()
        WHERE id = ${id} AND status = 'scheduled'
        RETURNING *`;
      return row ? toDrop(row) : null;
    },
    async transition(id, from, to, actor) {
      return sql.begin(async (tx) => {
        const [before] = await tx<
          { status: DropStatus }[]
        >`SELECT status FROM drops WHERE id = ${id} FOR UPDATE`;
        if (!before || !from.includes(before.status)) return null;
        const [row] = await tx<DropRow[]>`
          UPDATE drops SET status = ${to}, version = version + 1, updated_at = now()
          WHERE id = ${id} RETURNING *`;
        await audit(tx, id, actor, 'status', before.status, to);
        return toDrop(row!);
      });
    },
    async updateAdmission(id, changes, statuses, actor) {
      return sql.begin(async (tx) => {
        const [row] = await tx<DropRow[]>`SELECT * FROM drops WHERE id = ${id} FOR UPDATE`;
        if (!row || !statuses.includes(row.status)) return null;
        const before: AdmissionSettings = {
          perMinute: row.admission_per_minute,
          maxActive: row.max_active,
          paused: row.admission_paused,
        };
        const changed = (Object.keys(changes) as (keyof AdmissionSettings)[]).filter(
          (field) => changes[field] !== undefined && changes[field] !== before[field],
        );
        if (changed.length === 0) return toDrop(row);
        const after = { ...before, ...changes };
        const [updated] = await tx<DropRow[]>`
          UPDATE drops SET admission_per_minute = ${after.perMinute}, max_active = ${after.maxActive},
                           admission_paused = ${after.paused}, version = version + 1, updated_at = now()
          WHERE id = ${id} RETURNING *`;
        for (const field of changed) await audit(tx, id, actor, field, before[field], after[field]);
        return toDrop(updated!);
      });
    },
    async setAvailability(id, soldOut, seq, actor) {
      return sql.begin(async (tx) => {
        const [row] = await tx<
          (DropRow & { availability_seq: number })[]
        >`SELECT * FROM drops WHERE id = ${id} FOR UPDATE`;
        if (!row || row.availability_seq >= seq) return null;
        const to: DropStatus = soldOut ? 'sold_out' : 'open';
        if (row.status !== 'open' && row.status !== 'sold_out') {
          await tx`UPDATE drops SET availability_seq = ${seq} WHERE id = ${id}`;
          return null;
        }
        const [updated] = await tx<DropRow[]>`
          UPDATE drops SET status = ${to}, availability_seq = ${seq}, version = version + 1, updated_at = now()
          WHERE id = ${id} RETURNING *`;
        if (row.status !== to) await audit(tx, id, actor, 'status', row.status, to);
        return toDrop(updated!);
      });
    },
    async listLive() {
      const rows = await sql<
        DropRow[]
      >`SELECT * FROM drops WHERE status IN ('scheduled', 'open', 'sold_out')`;
      return rows.map(toDrop);
    },
    async audit(dropId, limit, beforeId) {
      const rows = await sql<
        { id: string; at: Date; actor: string; field: string; from_value: unknown; to_value: unknown }[]
      >`
        SELECT id, at, actor, field, from_value, to_value FROM drop_audit
        WHERE drop_id = ${dropId} ${beforeId === undefined ? sql`` : sql`AND id < ${beforeId}`}
        ORDER BY id DESC LIMIT ${limit}`;
      return rows.map((r) => ({
        id: Number(r.id),
        at: r.at,
        actor: r.actor,
        field: r.field,
        from: r.from_value,
        to: r.to_value,
      }));
    },
  };
}
