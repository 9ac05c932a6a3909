/**
 * Orders, read from PostgreSQL (written by the workers from events, so they may trail a payment slightly): the
 * shopper's own, and a drop's for its brands and operators (with buyers, shipments and takings per brand). The
 * drop's CSV export and shipment marks are in fulfilment.ts.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { RESERVATION_ID } from '../../inventory/index.js';
import type { DropsService } from '../../workers/drops/index.js';
import { splitByShare, type Order, type OrdersStore } from '../../workers/orders/index.js';
import type { EdgeEnv } from '../context.js';
import { requireRole } from '../middleware/session.js';
import { instant } from '../input-rules.js';
import { HttpProblem } from '../problems.js';
import { decodeCursor, encodeCursor, paging, pathId, readQuery } from '../validation.js';
import { registerFulfilment, type OnShipped } from './fulfilment.js';
import {
  dropOrderJson,
  ORDER_STATUSES,
  readableDrop,
  shopperOrderJson,
  type DropOrdersResponse,
  type ShopperOrderListResponse,
} from './order-json.js';

export type {
  BuyerJson,
  DropOrderJson,
  DropOrdersResponse,
  OrderJson,
  OrderListResponse,
  ShipmentJson,
  ShopperOrderJson,
  ShopperOrderListResponse,
} from './order-json.js';
export type { OnShipped } from './fulfilment.js';

const listQuery = z.strictObject(paging);
const dropListQuery = z.strictObject({
  status: z.enum(ORDER_STATUSES, 'must be held, paid, expired or released').optional(),
  ...paging,
});
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
  {
    orders,
    drops,
    onShipped = () => {},
  }: {
    orders: OrdersStore;
    drops: DropsService;
    /** Told of an order marked shipped (or given a new tracking), once the mark is committed. */
    onShipped?: OnShipped;
  },
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
    const query = readQuery(c, dropListQuery);
    const drop = await readableDrop(drops, who, dropId);
    const [listing, totals] = await Promise.all([
      page(query, (p) => orders.listForDrop(dropId, { ...p, status: query.status }), dropOrderJson),
      orders.totals(dropId),
    ]);
    const byBrand = splitByShare(totals.paidCents, drop.brands);
    return c.json({ ...listing, totals: { ...totals, byBrand } } satisfies DropOrdersResponse);
  });

  registerFulfilment(app, { orders, drops, onShipped });
}
