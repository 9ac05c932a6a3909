/**
 * A drop's orders as its brands fulfil them: listed with their buyer and shipment (filtered by status, newest
 * first), read in batches for an export, and marked shipped.
 */
import type { Sql } from 'postgres';
import { OrderNotFoundError, OrderNotPaidError } from './errors.js';
import type { DropOrder, OrderPage, OrderStatus } from './order.js';
import { detailColumns, detailJoins, toDropOrder, type DetailRow } from './order-rows.js';

/** A page of a drop's orders, of one status if given. */
export interface DropOrderPage extends OrderPage {
  status?: OrderStatus | undefined;
}

export async function dropOrdersOf(sql: Sql, dropId: string, page: DropOrderPage): Promise<DropOrder[]> {
  const rows = await sql<DetailRow[]>`
    SELECT ${detailColumns(sql)} FROM orders o ${detailJoins(sql)}
    WHERE o.drop_id = ${dropId}
      ${page.status ? sql`AND o.status = ${page.status}` : sql``}
      ${page.before ? sql`AND (o.created_at, o.id) < (${page.before.createdAt}, ${page.before.id})` : sql``}
    ORDER BY o.created_at DESC, o.id DESC LIMIT ${page.limit}`;
  return rows.map(toDropOrder);
}

async function dropOrderOf(sql: Sql, dropId: string, id: string): Promise<DropOrder | null> {
  const [row] = await sql<DetailRow[]>`
    SELECT ${detailColumns(sql)} FROM orders o ${detailJoins(sql)} WHERE o.drop_id = ${dropId} AND o.id = ${id}`;
  return row ? toDropOrder(row) : null;
}

/**
 * Every order of a drop (of one status if given), newest first, in batches of `batch` rows read through a
 * server-side cursor: an export of any size holds one batch at a time. Ending the iteration early closes the cursor.
 */
export async function* exportBatchesOf(
  sql: Sql,
  dropId: string,
  { status, batch }: { status?: OrderStatus | undefined; batch: number },
): AsyncGenerator<DropOrder[]> {
  const query = sql<DetailRow[]>`
    SELECT ${detailColumns(sql)} FROM orders o ${detailJoins(sql)}
    WHERE o.drop_id = ${dropId} ${status ? sql`AND o.status = ${status}` : sql``}
    ORDER BY o.created_at DESC, o.id DESC`;
  for await (const rows of query.cursor(batch)) yield rows.map(toDropOrder);
}

export interface MarkShipped {
  dropId: string;
  orderId: string;
  /** Absent: marks the order shipped, keeping a tracking reference given before. */
  tracking?: string | undefined;
  /** The user marking it. */
  actorId: string;
}

/**
 * Marks a paid order of the drop shipped. Idempotent: marking again with the same or no tracking changes nothing
 * (`changed: false`); a new tracking replaces the old (and the actor), keeping the first `shippedAt`.
 */
export async function markShippedOf(
  sql: Sql,
  { dropId, orderId, tracking, actorId }: MarkShipped,
): Promise<{ order: DropOrder; changed: boolean }> {
  const changed = await sql.begin(async (tx) => {
    // The order's row is locked, so that the check and the write see the same order.
    const [order] = await tx<{ status: OrderStatus }[]>`
      SELECT status FROM orders WHERE id = ${orderId} AND drop_id = ${dropId} FOR SHARE`;
    if (!order) throw new OrderNotFoundError();
    if (order.status !== 'paid') throw new OrderNotPaidError(order.status);
    const written = await tx`
      INSERT INTO order_shipments AS s (order_id, tracking, actor)
      VALUES (${orderId}, ${tracking ?? null}, ${actorId})
      ON CONFLICT (order_id) DO UPDATE
        SET tracking = excluded.tracking, actor = excluded.actor, updated_at = now()
        WHERE excluded.tracking IS NOT NULL AND s.tracking IS DISTINCT FROM excluded.tracking
      RETURNING order_id`;
    return written.length > 0;
  });
  const order = await dropOrderOf(sql, dropId, orderId);
  if (!order) throw new OrderNotFoundError();
  return { order, changed };
}
