/**
 * Writing inventory events to PostgreSQL: orders and the stock ledger. Every write is idempotent and commutative,
 * so events may arrive twice or out of order (a payment is published before the relay brings its
 * reservation.created): an event id is applied once (processed_events), an order's final status (paid, released,
 * expired) is never overwritten by `held`, the ledger's rows sum to the same position in any order, and a drop's
 * highest change counter applied (inventory_positions) is raised with GREATEST.
 */
import type { TransactionSql } from 'postgres';
import type { HoldEvent, InventoryEvent } from '../../inventory/index.js';
import type { OrderStatus } from './order.js';

const STATUS_OF: Record<HoldEvent['type'], OrderStatus> = {
  'reservation.created': 'held',
  'reservation.released': 'released',
  'reservation.expired': 'expired',
  'payment.completed': 'paid',
};

/** How each event moves units between available, held and sold. */
const LEDGER: Record<HoldEvent['type'], { kind: string; available: number; held: number; sold: number }> = {
  'reservation.created': { kind: 'held', available: -1, held: 1, sold: 0 },
  'reservation.released': { kind: 'released', available: 1, held: -1, sold: 0 },
  'reservation.expired': { kind: 'expired', available: 1, held: -1, sold: 0 },
  'payment.completed': { kind: 'sold', available: 0, held: -1, sold: 1 },
};

/** Which of several events of one reservation in a batch decides its order row: a final status wins over held. */
const RANK: Record<HoldEvent['type'], number> = {
  'reservation.created': 0,
  'reservation.released': 1,
  'reservation.expired': 1,
  'payment.completed': 2,
};

/**
 * Applies a batch of events inside `tx` with a handful of set-based statements (whatever the batch size); returns
 * the ones that were new. Events applied before are skipped (processed_events); drop events are only recorded here,
 * their status change is the drop service's.
 */
export async function applyEvents(tx: TransactionSql, events: InventoryEvent[]): Promise<InventoryEvent[]> {
  const unique = [...new Map(events.map((e) => [e.id, e])).values()];
  if (unique.length === 0) return [];
  const fresh = new Set(
    (
      await tx<{ event_id: string }[]>`
        INSERT INTO processed_events (event_id) SELECT unnest(${tx.array(unique.map((e) => e.id))}::text[])
        ON CONFLICT DO NOTHING RETURNING event_id`
    ).map((r) => r.event_id),
  );
  const applied = unique.filter((e) => fresh.has(e.id));
  await recordPositions(tx, applied);
  const holdEvents = applied.filter((e): e is HoldEvent => 'reservationId' in e);
  if (holdEvents.length === 0) return applied;

  // A guest is recorded when its first event arrives. A guest merged into an account (it signed up or signed in)
  // has its events applied to the account: its row is locked first, as the merge locks it (identity's
  // guest-merges.ts), so a merge running now either moved its orders before this reads it, or waits for this batch.
  const guests = [...new Set(holdEvents.filter((e) => e.guest).map((e) => e.shopperId))].sort();
  const accountOf = new Map<string, string>();
  if (guests.length > 0) {
    await tx`INSERT INTO users (id, role, guest) SELECT unnest(${tx.array(guests)}::uuid[]), 'shopper', true ON CONFLICT DO NOTHING`;
    await tx`SELECT id FROM users WHERE id = ANY(${tx.array(guests)}::uuid[]) ORDER BY id FOR SHARE`;
    const merged = await tx<{ guest_id: string; account_id: string }[]>`
      SELECT guest_id, account_id FROM guest_merges WHERE guest_id = ANY(${tx.array(guests)}::uuid[])`;
    for (const m of merged) accountOf.set(m.guest_id, m.account_id);
  }
  const ownerOf = (e: HoldEvent) => accountOf.get(e.shopperId) ?? e.shopperId;

  // One row per reservation (an upsert may not touch a row twice), the most final event of the batch deciding.
  const byOrder = new Map<string, HoldEvent>();
  for (const e of holdEvents) {
    const seen = byOrder.get(e.reservationId);
    if (!seen || RANK[e.type] > RANK[seen.type]) byOrder.set(e.reservationId, e);
  }
  const rows = [...byOrder.values()];
  const col = <T>(pick: (e: HoldEvent) => T) => rows.map(pick);
  await tx`
    INSERT INTO orders (id, drop_id, user_id, quantity, amount_cents, status, expires_at, created_at, paid_at, ended_at)
    SELECT * FROM unnest(
      ${tx.array(col((e) => e.reservationId))}::text[], ${tx.array(col((e) => e.dropId))}::uuid[],
      ${tx.array(col(ownerOf))}::uuid[], ${tx.array(col((e) => e.quantity))}::int[],
      ${tx.array(col((e) => e.amountCents))}::bigint[], ${tx.array(col((e) => STATUS_OF[e.type]))}::text[],
      ${tx.array(col((e) => new Date(e.expiresAt).toISOString()))}::timestamptz[],
      ${tx.array(col((e) => new Date(e.createdAt).toISOString()))}::timestamptz[],
      ${tx.array(col((e) => (e.type === 'payment.completed' ? new Date(e.paidAt).toISOString() : null)))}::timestamptz[],
      ${tx.array(col((e) => (e.type === 'reservation.created' ? null : new Date(e.at).toISOString())))}::timestamptz[])
    ON CONFLICT (id) DO UPDATE SET status = excluded.status, paid_at = excluded.paid_at, ended_at = excluded.ended_at
    WHERE orders.status = 'held' AND excluded.status <> 'held'`;

  const move = (e: HoldEvent) => LEDGER[e.type];
  await tx`
    INSERT INTO stock_ledger (drop_id, event_id, kind, delta_available, delta_held, delta_sold, at)
    SELECT * FROM unnest(
      ${tx.array(holdEvents.map((e) => e.dropId))}::uuid[], ${tx.array(holdEvents.map((e) => e.id))}::text[],
      ${tx.array(holdEvents.map((e) => move(e).kind))}::text[],
      ${tx.array(holdEvents.map((e) => move(e).available * e.quantity))}::int[],
      ${tx.array(holdEvents.map((e) => move(e).held * e.quantity))}::int[],
      ${tx.array(holdEvents.map((e) => move(e).sold * e.quantity))}::int[],
      ${tx.array(holdEvents.map((e) => new Date(e.at).toISOString()))}::timestamptz[])`;
  return applied;
}

/** Raises each drop's highest applied change counter; drops in id order, so concurrent batches lock alike. */
async function recordPositions(tx: TransactionSql, applied: InventoryEvent[]): Promise<void> {
  const highest = new Map<string, number>();
  for (const e of applied)
    if (e.dropSeq !== undefined) highest.set(e.dropId, Math.max(e.dropSeq, highest.get(e.dropId) ?? 0));
  if (highest.size === 0) return;
  const drops = [...highest.keys()].sort();
  await tx`
    INSERT INTO inventory_positions (drop_id, seq)
    SELECT * FROM unnest(${tx.array(drops)}::uuid[], ${tx.array(drops.map((d) => highest.get(d)!))}::bigint[])
    ON CONFLICT (drop_id) DO UPDATE SET seq = GREATEST(inventory_positions.seq, excluded.seq)`;
}
