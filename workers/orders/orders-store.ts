/**
 * Orders and the stock ledger in PostgreSQL: written from inventory events (apply-events.ts), read by the edge's
 * order pages and by reconciliation.
 */
import type { PendingQuery, Row, Sql } from 'postgres';
import type { InventoryEvent } from '../../inventory/index.js';
import { applyEvents } from './apply-events.js';
import {
  dropOrdersOf,
  exportBatchesOf,
  markShippedOf,
  type DropOrderPage,
  type MarkShipped,
} from './fulfilment.js';
import type { DropOrder, Order, OrderPage, OrderStatus, ShopperOrder } from './order.js';
import {
  detailColumns,
  detailJoins,
  toDropOrder,
  toOrder,
  type DetailRow,
  type OrderRow,
} from './order-rows.js';

interface ShopperOrderRow extends DetailRow {
  title: string;
  brand_name: string;
  currency: string;
}

const toShopperOrder = (r: ShopperOrderRow): ShopperOrder => ({
  ...toDropOrder(r),
  title: r.title,
  brandName: r.brand_name,
  currency: r.currency,
});

/** The shopper's orders `where` selects, with their drop, brand and checkout details; newest first. */
async function shopperOrdersOf(
  sql: Sql,
  where: PendingQuery<Row[]>,
  page: OrderPage,
): Promise<ShopperOrder[]> {
  const rows = await sql<ShopperOrderRow[]>`
    SELECT ${detailColumns(sql)}, d.title, d.currency, b.name AS brand_name
    FROM orders o
      JOIN drops d ON d.id = o.drop_id
      JOIN brands b ON b.id = d.brand_id
      ${detailJoins(sql)}
    WHERE ${where}
      ${page.before ? sql`AND (o.created_at, o.id) < (${page.before.createdAt}, ${page.before.id})` : sql``}
    ORDER BY o.created_at DESC, o.id DESC LIMIT ${page.limit}`;
  return rows.map(toShopperOrder);
}

export interface OrderTotals {
  paidUnits: number;
  paidCents: number;
  heldUnits: number;
  expiredUnits: number;
}

/** One page of the orders `owner` selects, newest first. */
async function pageOf(sql: Sql, owner: PendingQuery<Row[]>, page: OrderPage): Promise<Order[]> {
  const rows = await sql<OrderRow[]>`
    SELECT * FROM orders WHERE ${owner}
      ${page.before ? sql`AND (created_at, id) < (${page.before.createdAt}, ${page.before.id})` : sql``}
    ORDER BY created_at DESC, id DESC LIMIT ${page.limit}`;
  return rows.map(toOrder);
}

async function totalsOf(sql: Sql, dropId: string): Promise<OrderTotals> {
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
}

async function ledgerOf(
  sql: Sql,
  dropId: string,
): Promise<{ available: number; held: number; sold: number }> {
  const [row] = await sql<{ available: string; held: string; sold: string }[]>`
    SELECT coalesce(sum(delta_available), 0) AS available, coalesce(sum(delta_held), 0) AS held,
           coalesce(sum(delta_sold), 0) AS sold
    FROM stock_ledger WHERE drop_id = ${dropId}`;
  return {
    available: Number(row?.available ?? 0),
    held: Number(row?.held ?? 0),
    sold: Number(row?.sold ?? 0),
  };
}

async function positionsOf(sql: Sql, dropIds: string[]): Promise<Map<string, number>> {
  const rows =
    dropIds.length === 0
      ? []
      : await sql<{ drop_id: string; seq: string }[]>`
          SELECT drop_id, seq FROM inventory_positions WHERE drop_id = ANY(${dropIds}::uuid[])`;
  const seqs = new Map(dropIds.map((id) => [id, 0]));
  for (const r of rows) seqs.set(r.drop_id, Number(r.seq));
  return seqs;
}

async function liveOrdersOf(sql: Sql, dropId: string): Promise<(Order & { guest: boolean })[]> {
  const rows = await sql<(OrderRow & { guest: boolean })[]>`
    SELECT o.*, u.guest FROM orders o JOIN users u ON u.id = o.user_id
    WHERE o.drop_id = ${dropId} AND o.status IN ('paid', 'held')`;
  return rows.map((r) => ({ ...toOrder(r), guest: r.guest }));
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

    listForUser: (userId: string, page: OrderPage) => pageOf(sql, sql`user_id = ${userId}`, page),

    /** One page of the user's orders as the user reads them (product, brand, number, buyer). */
    shopperOrders: (userId: string, page: OrderPage) =>
      shopperOrdersOf(sql, sql`o.user_id = ${userId}`, page),

    /** One order as its shopper reads it, if it is the user's. */
    async shopperOrder(userId: string, id: string): Promise<ShopperOrder | null> {
      const [order] = await shopperOrdersOf(sql, sql`o.id = ${id} AND o.user_id = ${userId}`, { limit: 1 });
      return order ?? null;
    },

    /** One page of a drop's orders (of one status if given) with their number, buyer and shipment. */
    listForDrop: (dropId: string, page: DropOrderPage): Promise<DropOrder[]> =>
      dropOrdersOf(sql, dropId, page),

    /** Every order of a drop, newest first, in batches read through a cursor (for an export of any size). */
    exportBatches: (dropId: string, options: { status?: OrderStatus | undefined; batch: number }) =>
      exportBatchesOf(sql, dropId, options),

    /** Marks a paid order of the drop shipped (idempotent; `changed` says whether anything was written). */
    markShipped: (mark: MarkShipped): Promise<{ order: DropOrder; changed: boolean }> =>
      markShippedOf(sql, mark),

    /** The user's orders on a drop that PostgreSQL last saw held, newest first (Redis says whether they still are). */
    heldOnDrop: (userId: string, dropId: string, limit = 5) =>
      pageOf(sql, sql`user_id = ${userId} AND drop_id = ${dropId} AND status = 'held'`, { limit }),

    totals(dropId: string): Promise<OrderTotals> {
      return totalsOf(sql, dropId);
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
    ledger(dropId: string): Promise<{ available: number; held: number; sold: number }> {
      return ledgerOf(sql, dropId);
    },

    /** The highest change counter (`dropSeq`) applied per drop; 0 for a drop none was applied of. */
    positions(dropIds: string[]): Promise<Map<string, number>> {
      return positionsOf(sql, dropIds);
    },

    /**
     * What a rebuild of Redis restores: orders paid or still held (overdue ones too: the sweeper then expires them
     * the usual way, so PostgreSQL hears of it), with the guest flag.
     */
    liveOrders(dropId: string): Promise<(Order & { guest: boolean })[]> {
      return liveOrdersOf(sql, dropId);
    },
  };
}

export type OrdersStore = ReturnType<typeof createOrdersStore>;
