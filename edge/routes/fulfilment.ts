/**
 * Fulfilment of a drop's orders: the CSV export (its brands and operators) and marking a paid order shipped (its
 * lead brand and operators).
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { RESERVATION_ID } from '../../inventory/index.js';
import { mayChange, type DropsService } from '../../workers/drops/index.js';
import type { DropOrder, OrdersStore } from '../../workers/orders/index.js';
import type { EdgeEnv } from '../context.js';
import { requireRole } from '../middleware/session.js';
import { lineText } from '../input-rules.js';
import { HttpProblem } from '../problems.js';
import { pathId, readJson, readQuery } from '../validation.js';
import { csvFilename, csvStream } from './orders-csv.js';
import { dropOrderJson, ORDER_STATUSES, readableDrop, type DropOrderJson } from './order-json.js';

/** Told of an order marked shipped, or given a new tracking reference, after the mark is committed. */
export type OnShipped = (order: DropOrder) => void | Promise<void>;

/** Orders read per round trip of an export's cursor: the most an export holds in memory at once. */
export const EXPORT_BATCH = 500;
/**
 * Exports running at once on one edge: each holds a PostgreSQL connection for as long as its client reads, so a few
 * slow downloads must not take the pool from every other request. One more is refused with 503 and Retry-After.
 */
export const MAX_EXPORTS = 2;

const csvQuery = z.strictObject({
  status: z.enum(ORDER_STATUSES, 'must be held, paid, expired or released').optional(),
});
const shipmentBody = z.strictObject({ tracking: lineText(100).optional() });

export type ShipmentRequest = z.input<typeof shipmentBody>;
export type ShipmentResponse = DropOrderJson;

export function registerFulfilment(
  app: Hono<EdgeEnv>,
  { orders, drops, onShipped }: { orders: OrdersStore; drops: DropsService; onShipped: OnShipped },
) {
  let exporting = 0;

  app.get('/api/drops/:id/orders.csv', async (c) => {
    const who = requireRole(c, 'brand', 'operator');
    const dropId = pathId(c, 'id', 'drop');
    const query = readQuery(c, csvQuery);
    const drop = await readableDrop(drops, who, dropId);
    if (exporting >= MAX_EXPORTS)
      throw new HttpProblem('unavailable', 'other exports are running: try again in a few seconds', {
        retryAfter: 5,
      });
    exporting++;
    const body = await csvStream(
      orders.exportBatches(dropId, { status: query.status, batch: EXPORT_BATCH }),
      drop.currency,
      {
        onError: (error) => c.get('log').error({ err: error, dropId }, 'the orders export broke off'),
        done: () => exporting--,
      },
    );
    return c.body(body, 200, {
      'Content-Type': 'text/csv; charset=utf-8; header=present',
      'Content-Disposition': `attachment; filename="${csvFilename(drop.sku, new Date())}"`,
      'Cache-Control': 'no-store',
    });
  });

  app.post('/api/drops/:id/orders/:orderId/shipment', async (c) => {
    const who = requireRole(c, 'brand', 'operator');
    const dropId = pathId(c, 'id', 'drop');
    const orderId = c.req.param('orderId');
    const body = await readJson(c, shipmentBody);
    const drop = await drops.get(dropId);
    if (!mayChange({ id: who.userId, role: who.role, brandId: who.brandId }, drop))
      throw new HttpProblem(
        'forbidden',
        'only the drop’s lead brand or an operator marks its orders shipped',
      );
    if (!RESERVATION_ID.test(orderId)) throw new HttpProblem('not_found', 'order not found');
    const { order, changed } = await orders.markShipped({
      dropId,
      orderId,
      tracking: body.tracking,
      actorId: who.userId,
    });
    if (changed) {
      try {
        await onShipped(order);
      } catch (error) {
        // The mark is committed: the caller is answered with it whatever the listener's fate.
        c.get('log').error({ err: error, orderId }, 'telling of a shipped order failed');
      }
    }
    return c.json(dropOrderJson(order) satisfies ShipmentResponse);
  });
}
