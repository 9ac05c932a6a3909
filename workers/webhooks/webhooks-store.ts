/**
 * Brands' endpoints and their deliveries in PostgreSQL (webhook_endpoints, webhook_deliveries). A delivery is
 * written once per event and brand (`ON CONFLICT DO NOTHING` on both), only for brands that have an endpoint; each
 * attempt records what came of it.
 */
import type { Sql } from 'postgres';
import { SHIPPED_EVENT_SUFFIX as SHIPPED_SUFFIX, type WebhookEventType } from './webhook-events.js';

export interface Endpoint {
  brandId: string;
  url: string;
  secret: string;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  id: string;
  brandId: string;
  eventId: string;
  type: WebhookEventType;
  payload: unknown;
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  nextAttemptAt: Date | null;
}

interface DeliveryRow {
  id: string;
  brand_id: string;
  event_id: string;
  type: WebhookEventType;
  payload: unknown;
  status: DeliveryStatus;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
  next_attempt_at: Date | null;
}

const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id,
  brandId: r.brand_id,
  eventId: r.event_id,
  type: r.type,
  payload: r.payload,
  status: r.status,
  attempts: r.attempts,
  lastStatus: r.last_status,
  lastError: r.last_error,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
  nextAttemptAt: r.next_attempt_at,
});

/** What an attempt came to, as the delivery row records it. */
/** An order shipped whose `order.shipped` was never written (see `unsentShipments`). */
export interface UnsentShipment {
  id: string;
  dropId: string;
  number: string | null;
  quantity: number;
  amountCents: number;
  paidAt: Date | null;
  shipment: { shippedAt: Date; tracking: string | null };
}

interface UnsentShipmentRow {
  id: string;
  drop_id: string;
  number: string | null;
  quantity: number;
  amount_cents: string | number;
  paid_at: Date | null;
  shipped_at: Date;
  tracking: string | null;
}

export type AttemptRecord =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'retry'; status: number | null; error: string; nextAttemptAt: Date }
  | { outcome: 'failed'; status: number | null; error: string };

export function createWebhooksStore(sql: Sql) {
  return {
    async endpoint(brandId: string): Promise<Endpoint | null> {
      const [row] = await sql<
        { brand_id: string; url: string; secret: string; created_at: Date; updated_at: Date }[]
      >`
        SELECT * FROM webhook_endpoints WHERE brand_id = ${brandId}`;
      return row
        ? {
            brandId: row.brand_id,
            url: row.url,
            secret: row.secret,
            createdAt: row.created_at,
            updatedAt: row.updated_at,
          }
        : null;
    },

    /** Sets the brand's endpoint; `secret` replaces the stored one when given, and is the first one otherwise. */
    async putEndpoint(brandId: string, url: string, secret: string, rotate: boolean): Promise<Endpoint> {
      const [row] = await sql<
        { brand_id: string; url: string; secret: string; created_at: Date; updated_at: Date }[]
      >`
        INSERT INTO webhook_endpoints (brand_id, url, secret) VALUES (${brandId}, ${url}, ${secret})
        ON CONFLICT (brand_id) DO UPDATE SET url = EXCLUDED.url, updated_at = now(),
          secret = CASE WHEN ${rotate} THEN EXCLUDED.secret ELSE webhook_endpoints.secret END
        RETURNING *`;
      return {
        brandId: row!.brand_id,
        url: row!.url,
        secret: row!.secret,
        createdAt: row!.created_at,
        updatedAt: row!.updated_at,
      };
    },

    async deleteEndpoint(brandId: string): Promise<boolean> {
      const rows = await sql`DELETE FROM webhook_endpoints WHERE brand_id = ${brandId} RETURNING brand_id`;
      return rows.length > 0;
    },

    /**
     * Writes the event's delivery for each of `brandIds` that has an endpoint; a delivery written before (the same
     * event seen again) is left as it is. Returns the pending deliveries of the event, new or not, for the queue.
     */
    async record(
      event: { id: string; type: WebhookEventType; at: Date; data: unknown },
      brandIds: string[],
    ): Promise<string[]> {
      if (brandIds.length === 0) return [];
      const rows = await sql<{ id: string }[]>`
        WITH inserted AS (
          INSERT INTO webhook_deliveries (id, brand_id, event_id, type, payload, created_at, next_attempt_at)
          SELECT gen_random_uuid(), e.brand_id, ${event.id}, ${event.type}, ${sql.json(event.data as never)}, ${event.at}, now()
          FROM webhook_endpoints e WHERE e.brand_id = ANY(${brandIds}::uuid[])
          ON CONFLICT (brand_id, event_id) DO NOTHING
          RETURNING id
        )
        SELECT id FROM inserted
        UNION
        SELECT id FROM webhook_deliveries
        WHERE event_id = ${event.id} AND brand_id = ANY(${brandIds}::uuid[]) AND status = 'pending'`;
      return rows.map((r) => r.id);
    },

    /**
     * Orders marked shipped since `since` (and before `before`) whose `order.shipped` was never written for a brand
     * of their drop that had an endpoint when they were shipped: the shipment committed, then the process died
     * before the webhooks heard of it. The oldest first.
     */
    async unsentShipments(since: Date, before: Date, limit: number): Promise<UnsentShipment[]> {
      const rows = await sql<UnsentShipmentRow[]>`
        SELECT o.id, o.drop_id, d.number, o.quantity, o.amount_cents, o.paid_at, s.shipped_at, s.tracking
        FROM order_shipments s
        JOIN orders o ON o.id = s.order_id
        LEFT JOIN order_details d ON d.reservation_id = o.id
        WHERE s.shipped_at >= ${since} AND s.shipped_at < ${before}
          AND EXISTS (
            SELECT 1 FROM drop_brands b JOIN webhook_endpoints e ON e.brand_id = b.brand_id
            WHERE b.drop_id = o.drop_id AND e.created_at <= s.shipped_at
              AND NOT EXISTS (
                SELECT 1 FROM webhook_deliveries w
                WHERE w.brand_id = b.brand_id AND w.event_id = o.id || ${SHIPPED_SUFFIX}))
        ORDER BY s.shipped_at LIMIT ${limit}`;
      return rows.map((r) => ({
        id: r.id,
        dropId: r.drop_id,
        number: r.number,
        quantity: r.quantity,
        amountCents: Number(r.amount_cents),
        paidAt: r.paid_at,
        shipment: { shippedAt: r.shipped_at, tracking: r.tracking },
      }));
    },

    /** The short number the checkout gave an order (null when it was paid without one). */
    async orderNumber(orderId: string): Promise<string | null> {
      const [row] = await sql<{ number: string }[]>`
        SELECT number FROM order_details WHERE reservation_id = ${orderId}`;
      return row?.number ?? null;
    },

    async delivery(id: string): Promise<Delivery | null> {
      const [row] = await sql<DeliveryRow[]>`SELECT * FROM webhook_deliveries WHERE id = ${id}`;
      return row ? toDelivery(row) : null;
    },

    /** A page of the brand's deliveries, newest first. */
    async list(
      brandId: string,
      page: { limit: number; before?: { createdAt: Date; id: string } },
    ): Promise<Delivery[]> {
      const rows = await sql<DeliveryRow[]>`
        SELECT * FROM webhook_deliveries WHERE brand_id = ${brandId}
        ${page.before ? sql`AND (created_at, id) < (${page.before.createdAt}, ${page.before.id})` : sql``}
        ORDER BY created_at DESC, id DESC LIMIT ${page.limit}`;
      return rows.map(toDelivery);
    },

    /** Pending deliveries created before `before`, newest first: the sweep hands them to the queue again. */
    async pending(before: Date, limit: number): Promise<{ id: string; createdAt: Date }[]> {
      const rows = await sql<{ id: string; created_at: Date }[]>`
        SELECT id, created_at FROM webhook_deliveries WHERE status = 'pending' AND created_at < ${before}
        ORDER BY created_at DESC LIMIT ${limit}`;
      return rows.map((r) => ({ id: r.id, createdAt: r.created_at }));
    },

    /** Records one attempt; a delivery already delivered is left as it is. */
    async attempted(id: string, record: AttemptRecord): Promise<void> {
      const status =
        record.outcome === 'delivered' ? 'delivered' : record.outcome === 'retry' ? 'pending' : 'failed';
      const error = record.outcome === 'delivered' ? null : record.error.slice(0, 200);
      const next = record.outcome === 'retry' ? record.nextAttemptAt : null;
      await sql`
        UPDATE webhook_deliveries SET attempts = attempts + 1, status = ${status}, last_status = ${record.status},
          last_error = ${error}, next_attempt_at = ${next},
          delivered_at = CASE WHEN ${status} = 'delivered' THEN now() ELSE delivered_at END
        WHERE id = ${id} AND status <> 'delivered'`;
    },

    /** A delivery that cannot be attempted (its brand has no endpoint now) fails without an attempt. */
    async abandoned(id: string, error: string): Promise<void> {
      await sql`
        UPDATE webhook_deliveries SET status = 'failed', last_error = ${error}, next_attempt_at = NULL
        WHERE id = ${id} AND status = 'pending'`;
    },

    /** Makes the brand's delivery pending again, to be sent at once; null when the brand has no such delivery. */
    async resend(brandId: string, id: string): Promise<Delivery | null> {
      const [row] = await sql<DeliveryRow[]>`
        UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now()
        WHERE id = ${id} AND brand_id = ${brandId} RETURNING *`;
      return row ? toDelivery(row) : null;
    },
  };
}

export type WebhooksStore = ReturnType<typeof createWebhooksStore>;
