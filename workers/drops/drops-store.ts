/**
 * Drops and their audit log in PostgreSQL. Reads; edits (what a brand sets while the drop is scheduled, what an
 * operator tunes while it runs); and status moves, each conditional on the status it moves from, in one
 * transaction with its audit row.
 */
import type { Sql } from 'postgres';
import type { AdmissionSettings, Drop, DropFields, DropStatus } from './drop.js';
import { insertAudit, toColumns, toDrop, type DropRow } from './drop-rows.js';

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
  /** The highest sold-out / reopened sequence applied to the drop (0 for none or an unknown drop). */
  availabilitySeq(id: string): Promise<number>;
  /**
   * Sets a selling drop sold out (for good: every unit sold) or, for a drop marked sold out under the former rule,
   * open again, from the inventory's numbered events, once per number and never back to an older one; audits a
   * change of status only, so an event that finds the drop as it says changes nothing. Null when nothing changed.
   */
  setAvailability(id: string, soldOut: boolean, seq: number, actor: string): Promise<Drop | null>;
  /** Drops whose scheduled transitions may still be due: scheduled, open or sold out. */
  listLive(): Promise<Drop[]>;
  audit(dropId: string, limit: number, beforeId?: number): Promise<(AuditEntry & { id: number })[]>;
}

function dropReads(sql: Sql): Pick<DropsStore, 'get' | 'list' | 'listLive' | 'audit'> {
  return {
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

function dropEdits(sql: Sql): Pick<DropsStore, 'insert' | 'updateScheduled' | 'updateAdmission'> {
  return {
    async insert(drop) {
      const [row] = await sql<DropRow[]>`
        INSERT INTO drops ${sql({ id: drop.id, brand_id: drop.brandId, ...toColumns(drop) })} RETURNING *`;
      return toDrop(row!);
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
    async updateAdmission(id, changes, statuses, actor) {
      return sql.begin(async (tx) => {
        const [row] = await tx<DropRow[]>`SELECT * FROM drops WHERE id = ${id} FOR UPDATE`;
        if (!row || !statuses.includes(row.status)) return null;
        const before: AdmissionSettings = {
          perMinute: row.admission_per_minute,
          maxActive: row.max_active,
          paused: row.admission_paused,
          pauseMessage: row.admission_pause_message,
          challengeBits: row.challenge_bits,
        };
        const changed = (Object.keys(changes) as (keyof AdmissionSettings)[]).filter(
          (field) => changes[field] !== undefined && changes[field] !== before[field],
        );
        if (changed.length === 0) return toDrop(row);
        const after = { ...before, ...changes };
        const [updated] = await tx<DropRow[]>`
          UPDATE drops SET admission_per_minute = ${after.perMinute}, max_active = ${after.maxActive},
                           admission_paused = ${after.paused}, challenge_bits = ${after.challengeBits},
                           admission_pause_message = ${after.pauseMessage},
                           version = version + 1, updated_at = now()
          WHERE id = ${id} RETURNING *`;
        for (const field of changed) await insertAudit(tx, id, actor, field, before[field], after[field]);
        return toDrop(updated!);
      });
    },
  };
}

function dropMoves(sql: Sql): Pick<DropsStore, 'transition' | 'setAvailability' | 'availabilitySeq'> {
  return {
    async availabilitySeq(id) {
      const [row] = await sql<
        { availability_seq: number }[]
      >`SELECT availability_seq FROM drops WHERE id = ${id}`;
      return row?.availability_seq ?? 0;
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
        await insertAudit(tx, id, actor, 'status', before.status, to);
        return toDrop(row!);
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
        if (row.status !== to) await insertAudit(tx, id, actor, 'status', row.status, to);
        return toDrop(updated!);
      });
    },
  };
}

export function createDropsStore(sql: Sql): DropsStore {
  return { ...dropReads(sql), ...dropEdits(sql), ...dropMoves(sql) };
}
