/** Orders, read from PostgreSQL (written by the workers from events, so they may trail a payment slightly). */
import type { Hono } from 'hono';
import { z } from 'zod';
import { RESERVATION_ID } from '../../inventory/index.js';
import type { DropsService } from '../../workers/drops/index.js';
import type {
  Order,
  OrderAddress,
  OrdersStore,
  OrderTotals,
  ShopperOrder,
} from '../../workers/orders/index.js';
import type { EdgeEnv } from '../context.js';
import { requireRole } from '../middleware/session.js';
import { instant } from '../input-rules.js';
import { HttpProblem } from '../problems.js';
import { decodeCursor, encodeCursor, paging, pathId, readQuery } from '../validation.js';

export interface OrderJson {
  id: string;
  dropId: string;
  quantity: number;
  amountCents: number;
  status: Order['status'];
  createdAt: string;
  paidAt: string | null;
}

export interface OrderListResponse {
  orders: OrderJson[];
  nextCursor: string | null;
}

/** One of the shopper's own orders: what a receipt shows. */
export interface ShopperOrderJson extends OrderJson {
  /** The short order number, `DL-XXXX-XXXX` (null for an order never checked out). */
  number: string | null;
  /** The product (the drop's title). */
  title: string;
  brandName: string;
  currency: string;
  buyer: { name: string; email: string; address: OrderAddress | null } | null;
}

export interface ShopperOrderListResponse {
  orders: ShopperOrderJson[];
  nextCursor: string | null;
}

export interface DropOrdersResponse extends OrderListResponse {
  totals: OrderTotals;
}

const orderJson = (o: Order): OrderJson => ({
  id: o.id,
  dropId: o.dropId,
  quantity: o.quantity,
  amountCents: o.amountCents,
  status: o.status,
  createdAt: o.createdAt.toISOString(),
  paidAt: o.paidAt?.toISOString() ?? null,
});

const shopperOrderJson = (o: ShopperOrder): ShopperOrderJson => ({
  ...orderJson(o),
  number: o.number,
  title: o.title,
  brandName: o.brandName,
  currency: o.currency,
  buyer: o.buyer,
});

const listQuery = z.strictObject(paging);
const cursor = z.tuple([instant(), z.string().regex(RESERVATION_ID)]);

async function page<O extends Order, J>(
  query: { limit: number; cursor?: string | undefined },
  list: (p: { limit: number; before?: { createdAt: Date; id: string } }) => Promise<O[]>,
  toJson: (o: O) => J,
): Promise<{ orders: J[]; nextCursor: string | null }> {
  const before = query.cursor ? decodeCursor(query.cursor, cursor) : undefined;
  const rows = await list({
    limit: query.limit + 1,
    ...(before ? { before: { createdAt: before[0], id: before[1] } } : {}),
  });
  const shown = rows.slice(0, query.limit);
  const last = shown.at(-1);
  return {
    orders: shown.map(toJson),
    nextCursor:
      rows.length > query.limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
  };
}

export function registerOrders(
  app: Hono<EdgeEnv>,
  { orders, drops }: { orders: OrdersStore; drops: DropsService },
) {
  app.get('/api/orders', async (c) => {
    const shopper = requireRole(c, 'shopper');
    const listing = await page(
      readQuery(c, listQuery),
      (p) => orders.shopperOrders(shopper.userId, p),
      shopperOrderJson,
    );
    return c.json(listing satisfies ShopperOrderListResponse);
  });

  app.get('/api/orders/:id', async (c) => {
    const shopper = requireRole(c, 'shopper');
    const id = c.req.param('id');
    const order = RESERVATION_ID.test(id) ? await orders.shopperOrder(shopper.userId, id) : null;
    if (!order) throw new HttpProblem('not_found', 'order not found');
    return c.json(shopperOrderJson(order));
  });

  app.get('/api/drops/:id/orders', async (c) => {
    const who = requireRole(c, 'brand', 'operator');
    const dropId = pathId(c, 'id', 'drop');
    const query = readQuery(c, listQuery);
    const drop = await drops.get(dropId);
    if (who.role === 'brand' && who.brandId !== drop.brandId)
      throw new HttpProblem('forbidden', 'only the drop’s brand or an operator sees its orders');
    const [listing, totals] = await Promise.all([
      page(query, (p) => orders.listForDrop(dropId, p), orderJson),
      orders.totals(dropId),
    ]);
    return c.json({ ...listing, totals } satisfies DropOrdersResponse);
  });
}
