/** How an order's row in PostgreSQL becomes an `Order`, and its checkout and shipment columns a `DropOrder`. */
import type { Sql } from 'postgres';
import type { DropOrder, Order, OrderAddress, OrderStatus } from './order.js';

export interface OrderRow {
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

export const toOrder = (r: OrderRow): Order => ({
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

/** The columns `detailColumns` selects. */
export interface DetailRow extends OrderRow {
  number: string | null;
  buyer_name: string | null;
  buyer_email: string | null;
  shipping_address: OrderAddress | null;
  shipped_at: Date | null;
  tracking: string | null;
}

/** An order `o` with its checkout details (`od`) and shipment (`s`): use with `detailJoins`. */
export const detailColumns = (sql: Sql) =>
  sql`o.*, od.number, od.buyer_name, od.buyer_email, od.shipping_address, s.shipped_at, s.tracking`;

export const detailJoins = (sql: Sql) =>
  sql`LEFT JOIN order_details od ON od.reservation_id = o.id LEFT JOIN order_shipments s ON s.order_id = o.id`;

export const toDropOrder = (r: DetailRow): DropOrder => ({
  ...toOrder(r),
  number: r.number,
  buyer:
    r.buyer_name !== null && r.buyer_email !== null
      ? { name: r.buyer_name, email: r.buyer_email, address: r.shipping_address }
      : null,
  shipment: r.shipped_at ? { shippedAt: r.shipped_at, tracking: r.tracking } : null,
});
