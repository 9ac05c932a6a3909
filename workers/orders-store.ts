/**
 * Orders and the stock ledger in PostgreSQL, written from inventory events. Every write is idempotent and
 * commutative, so events may arrive twice or out of order (a payment is published before the relay brings its
 * reservation.created): an event id is applied once (processed_events), an order's final status (paid, released,
 * expired) is never overwritten by `held`, and the ledger's rows sum to the same position in any order.
 */
import type { Sql, TransactionSql } from 'postgres';
import type { HoldEvent, InventoryEvent } from '../inventory/index.js';

export type OrderStatus = 'held' | 'paid' | 'expired' | 'released';

export interface Order {
  id: string;
  dropId: string;
  userId: string;
  quantity: number;
  amountCents: number;
  status: OrderStatus;
  createdAt: Date;
  paidAt: Date | null;
  expiresAt: Date;
}

interface OrderRow {
  id: string;
  drop_id: string;
  user_id: string;
  quantity: number;
  amount_cents: string;
  status: OrderStatus;
  created_at: Date;
  paid_at: Date | null;
  expires_at: Date;
}

const toOrder = (r: OrderRow): Order => ({
  id: r.id,
  dropId: r.drop_id,
  userId: r.user_id,
  quantity: r.quantity,
  amountCents: Number(r.amount_cents),
  status: r.status,
  createdAt: r.created_at,
  paidAt: r.paid_at,
  expiresAt: r.expires_at,
});

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

export interface OrderTotals {
  paidUnits: number;
  paidCents: number;
  heldUnits: number;
  expiredUnits: number;
}

export interface OrderPage {
  limit: number;
  /** Keyset position: (createdAt, id) of the last order of the previous page; newest first. */
  before?: { createdAt: Date; id: string };
}

/** Which of several events of one reservation in a batch decides its order row: a final status wins over held. */
const RANK: Record<HoldEvent['type'], number> = {
  'reservation.created': 0,
  'reservation.released': 1,
  'reservation.expired': 1,
  'payment.completed': 2,
};

/**
 * Applies a batch of events inside `tx` with a handful of set-based statements (whatever the batch size); returns
 * how many were new. Events applied before are skipped (processed_events); drop events are only recorded here,
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
  const holdEvents = applied.filter((e): e is HoldEvent => 'reservationId' in e);
  if (holdEvents.length === 0) return applied;

  // A guest is recorded when its first event arrives.
  const guests = [...new Set(holdEvents.filter((e) => e.guest).map((e) => e.shopperId))];
  if (guests.length > 0) {
    await tx`INSERT INTO users (id, role, guest) SELECT unnest(${tx.array(guests)}::uuid[]), 'shopper', true ON CONFLICT DO NOTHING`;
  }

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
      ${tx.array(col((e) => e.shopperId))}::uuid[], ${tx.array(col((e) => e.quantity))}::int[],
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

export function createOrdersStore(sql: Sql) {
  return {
    /** Applies events in one transaction; returns the ones that were new (not applied before). */
    applyBatch(events: InventoryEvent[]): Promise<InventoryEvent[]> {
      return sql.begin((tx) => applyEvents(tx, events));
    },

    async get(id: string): Promise<Order | null> {
      const [row] = await sql<OrderRow[]>`SELECT * FROM orders WHERE id = ${id}`;
      return row ? toOrder(row) : null;
    },

    async listForUser(userId: string, page: OrderPage): Promise<Order[]> {
      const rows = await sql<OrderRow[]>`
        SELECT * FROM orders WHERE user_id = ${userId}
          ${page.before ? sql`AND (created_at, id) < (${page.before.createdAt}, ${page.before.id})` : sql``}
        ORDER BY created_at DESC, id DESC LIMIT ${page.limit}`;
      return rows.map(toOrder);
    },

    async listForDrop(dropId: string, page: OrderPage): Promise<Order[]> {
      const rows = await sql<OrderRow[]>`
        SELECT * FROM orders WHERE drop_id = ${dropId}
          ${page.before ? sql`AND (created_at, id) < (${page.before.createdAt}, ${page.before.id})` : sql``}
        ORDER BY created_at DESC, id DESC LIMIT ${page.limit}`;
      return rows.map(toOrder);
    },

    async totals(dropId: string): Promise<OrderTotals> {
      const [row] = await sql<
        { paid_units: string; paid_cents: string; held_units: string; expired_units: string }[]
      >`
        SELECT coalesce(sum(quantity) FILTER (WHERE status = 'paid'), 0) AS paid_units,
               coalesce(sum(amount_cents) FILTER (WHERE status = 'paid'), 0) AS paid_cents,
               coalesce(sum(quantity) FILTER (WHERE status = 'held'), 0) AS held_units,
               coalesce(sum(quantity) FILTER (WHERE status = 'expired'), 0) AS expired_units
        FROM orders WHERE drop_id = ${dropId}`;
      return {
        paidUnits: Number(row?.paid_units ?? 0),
        paidCents: Number(row?.paid_cents ?? 0),
        heldUnits: Number(row?.held_units ?? 0),
        expiredUnits: Number(row?.expired_units ?? 0),
      };
    },

    /** Which of `ids` PostgreSQL has orders for. */
    async idsOf(dropId: string, ids: string[]): Promise<string[]> {
      if (ids.length === 0) return [];
      const rows = await sql<
        { id: string }[]
      >`SELECT id FROM orders WHERE drop_id = ${dropId} AND id = ANY(${ids})`;
      return rows.map((r) => r.id);
    },

    /** The drop's stock position by the ledger (what PostgreSQL knows has happened). */
    async ledger(dropId: string): Promise<{ available: number; held: number; sold: number }> {
      const [row] = await sql<{ available: string; held: string; sold: string }[]>`
        SELECT coalesce(sum(delta_available), 0) AS available, coalesce(sum(delta_held), 0) AS held,
               coalesce(sum(delta_sold), 0) AS sold
        FROM stock_ledger WHERE drop_id = ${dropId}`;
      return {
        available: Number(row?.available ?? 0),
        held: Number(row?.held ?? 0),
        sold: Number(row?.sold ?? 0),
      };
    },

    /**
     * What a rebuild of Redis restores: orders paid or still held (overdue ones too: the sweeper then expires them
     * the usual way, so PostgreSQL hears of it), with the guest flag.
     */
    async liveOrders(dropId: string): Promise<(Order & { guest: boolean })[]> {
      const rows = await sql<(OrderRow & { guest: boolean })[]>`
        SELECT o.*, u.guest FROM orders o JOIN users u ON u.id = o.user_id
        WHERE o.drop_id = ${dropId} AND o.status IN ('paid', 'held')`;
      return rows.map((r) => ({ ...toOrder(r), guest: r.guest }));
    },
  };
}

export type OrdersStore = ReturnType<typeof createOrdersStore>;
