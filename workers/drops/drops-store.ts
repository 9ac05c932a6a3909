/**
 * Drops, their brands and their audit log in PostgreSQL. Reads (every drop with its brands, in the same query);
 * edits (what a brand sets while the drop is scheduled, its brands included, what an operator tunes while it runs);
 * and status moves, each conditional on the status it moves from, in one transaction with its audit row.
 */
import type { Sql, TransactionSql } from 'postgres';
import type { AdmissionSettings, BrandShare, Drop, DropBrand, DropFields, DropStatus } from './drop.js';
import { brandsColumn, brandsText, insertAudit, toColumns, toDrop, type DropRow } from './drop-rows.js';

export interface AuditEntry {
  at: Date;
  actor: string;
  /** The acting user's email (a `role:userId` actor whose user has one); null for `system:*` actors. */
  actorEmail: string | null;
  field: string;
  from: unknown;
  to: unknown;
}

export interface ListPage {
  status?: DropStatus;
  /** Only the drops this brand releases, as the lead or a partner. */
  brand?: string;
  limit: number;
  /** Keyset position: the (opensAt, id) of the last drop of the previous page. */
  after?: { opensAt: Date; id: string };
}

export interface DropsStore {
  /** Writes the drop and its brands (`brands` names the lead too; empty: the lead alone at 100) together. */
  insert(drop: { id: string; brandId: string; brands: readonly BrandShare[] } & DropFields): Promise<Drop>;
  get(id: string): Promise<Drop | null>;
  list(page: ListPage): Promise<Drop[]>;
  /**
   * Updates fields of a drop that is still `scheduled`, and with `brands` replaces its brands (the full list, the
   * lead included) and audits that change under `brands.actor`, in one transaction; null when the drop is not
   * scheduled (or does not exist).
   */
  updateScheduled(
    id: string,
    fields: Partial<DropFields>,
    brands?: { shares: readonly BrandShare[]; actor: string },
  ): Promise<Drop | null>;
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
  /**
   * What an operator watches, in one query: drops open now (the latest opening time first), then drops scheduled to
   * open by `until` (the soonest first); at most `limit`.
   */
  listWatched(until: Date, limit: number): Promise<Drop[]>;
  audit(dropId: string, limit: number, beforeId?: number): Promise<(AuditEntry & { id: number })[]>;
}

function dropReads(sql: Sql): Pick<DropsStore, 'get' | 'list' | 'listLive' | 'listWatched' | 'audit'> {
  return {
    async get(id) {
      const [row] = await sql<DropRow[]>`SELECT drops.*, ${brandsColumn(sql)} FROM drops WHERE id = ${id}`;
      return row ? toDrop(row) : null;
    },
    async list({ status, brand, limit, after }) {
      const rows = await sql<DropRow[]>`
        SELECT drops.*, ${brandsColumn(sql)} FROM drops
        WHERE true
          ${status ? sql`AND status = ${status}` : sql``}
          ${
            brand
              ? sql`AND (brand_id = ${brand} OR EXISTS (
                  SELECT 1 FROM drop_brands db WHERE db.drop_id = drops.id AND db.brand_id = ${brand}))`
              : sql``
          }
          ${after ? sql`AND (opens_at, id) > (${after.opensAt}, ${after.id})` : sql``}
        ORDER BY opens_at, id
        LIMIT ${limit}`;
      return rows.map(toDrop);
    },
    async listLive() {
      const rows = await sql<DropRow[]>`
        SELECT drops.*, ${brandsColumn(sql)} FROM drops WHERE status IN ('scheduled', 'open', 'sold_out')`;
      return rows.map(toDrop);
    },
    async listWatched(until, limit) {
      const rows = await sql<DropRow[]>`
        SELECT drops.*, ${brandsColumn(sql)} FROM drops
        WHERE status = 'open' OR (status = 'scheduled' AND opens_at <= ${until})
        ORDER BY status = 'scheduled', CASE WHEN status = 'open' THEN opens_at END DESC, opens_at, id
        LIMIT ${limit}`;
      return rows.map(toDrop);
    },
    async audit(dropId, limit, beforeId) {
      // An actor is `role:userId` or `system:<what>`; only the former names a user, whose email is joined here.
      const rows = await sql<
        {
          id: string;
          at: Date;
          actor: string;
          actor_email: string | null;
          field: string;
          from_value: unknown;
          to_value: unknown;
        }[]
      >`
        SELECT a.id, a.at, a.actor, u.email AS actor_email, a.field, a.from_value, a.to_value
        FROM drop_audit a
        LEFT JOIN users u ON a.actor NOT LIKE 'system:%' AND u.id = (
          CASE WHEN split_part(a.actor, ':', 2) ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
               THEN split_part(a.actor, ':', 2)::uuid END)
        WHERE a.drop_id = ${dropId} ${beforeId === undefined ? sql`` : sql`AND a.id < ${beforeId}`}
        ORDER BY a.id DESC LIMIT ${limit}`;
      return rows.map((r) => ({
        id: Number(r.id),
        at: r.at,
        actor: r.actor,
        actorEmail: r.actor_email,
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
      return sql.begin(async (tx) => {
        await tx`INSERT INTO drops ${tx({ id: drop.id, brand_id: drop.brandId, ...toColumns(drop) })}`;
        await writeBrands(tx, drop.id, drop.brandId, drop.brands);
        const [row] = await tx<
          DropRow[]
        >`SELECT drops.*, ${brandsColumn(tx)} FROM drops WHERE id = ${drop.id}`;
        return toDrop(row!);
      });
    },
    async updateScheduled(id, fields, brands) {
      return sql.begin(async (tx) => {
        const [row] = await tx<DropRow[]>`
          SELECT drops.*, ${brandsColumn(tx)} FROM drops WHERE id = ${id} AND status = 'scheduled' FOR UPDATE`;
        if (!row) return null;
        const columns = toColumns(fields);
        const newBrands = brands && !sameShares(row.brands, brands.shares) ? brands : undefined;
        if (Object.keys(columns).length === 0 && !newBrands) return toDrop(row);
        if (newBrands) await writeBrands(tx, id, row.brand_id, newBrands.shares, true);
        const [updated] =
          Object.keys(columns).length === 0
            ? await tx<DropRow[]>`
                UPDATE drops SET version = version + 1, updated_at = now()
                WHERE id = ${id} RETURNING *, ${brandsColumn(tx)}`
            : await tx<DropRow[]>`
                UPDATE drops SET ${tx(columns)}, version = version + 1, updated_at = now()
                WHERE id = ${id} RETURNING *, ${brandsColumn(tx)}`;
        if (newBrands) {
          await insertAudit(
            tx,
            id,
            newBrands.actor,
            'brands',
            brandsText(row.brands),
            brandsText(updated!.brands),
          );
        }
        return toDrop(updated!);
      });
    },
    async updateAdmission(id, changes, statuses, actor) {
      return sql.begin(async (tx) => {
        const [row] = await tx<DropRow[]>`
          SELECT drops.*, ${brandsColumn(tx)} FROM drops WHERE id = ${id} FOR UPDATE`;
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
          WHERE id = ${id} RETURNING *, ${brandsColumn(tx)}`;
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
          WHERE id = ${id} RETURNING *, ${brandsColumn(tx)}`;
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
          WHERE id = ${id} RETURNING *, ${brandsColumn(tx)}`;
        if (row.status !== to) await insertAudit(tx, id, actor, 'status', row.status, to);
        return toDrop(updated!);
      });
    },
  };
}

/** Whether `brands` (as read) are `shares` (as asked), in any order. */
function sameShares(brands: readonly DropBrand[], shares: readonly BrandShare[]): boolean {
  return (
    brands.length === shares.length &&
    shares.every((s) => brands.some((b) => b.id === s.brandId && b.sharePercent === s.sharePercent))
  );
}

/** Writes a drop's brands (replacing its former ones with `replace`); the lead alone at 100 when none are named. */
async function writeBrands(
  tx: TransactionSql,
  dropId: string,
  leadId: string,
  shares: readonly BrandShare[],
  replace = false,
): Promise<void> {
  if (replace) await tx`DELETE FROM drop_brands WHERE drop_id = ${dropId}`;
  const rows = (shares.length > 0 ? shares : [{ brandId: leadId, sharePercent: 100 }]).map((s) => ({
    drop_id: dropId,
    brand_id: s.brandId,
    share_percent: s.sharePercent,
    lead: s.brandId === leadId,
  }));
  await tx`INSERT INTO drop_brands ${tx(rows)}`;
}

export function createDropsStore(sql: Sql): DropsStore {
  return { ...dropReads(sql), ...dropEdits(sql), ...dropMoves(sql) };
}
