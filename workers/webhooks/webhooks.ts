/**
 * The webhooks' service: a brand's endpoint (set, read with its secret masked, removed), its deliveries (listed,
 * sent again), and turning events into deliveries — one per brand of the drop that has an endpoint, written to
 * PostgreSQL first and then enqueued. A process that dies between the two leaves a pending delivery without a job;
 * `sweep` (run at start and every minute by the workers) enqueues those again, and the job id makes that harmless
 * for a delivery that has its job.
 */
import type { InventoryEvent } from '../../inventory/index.js';
import type { DeliveryQueue } from './delivery-queue.js';
import { DeliveryBusyError, WebhookInputError, WebhookNotFoundError } from './errors.js';
import { maskSecret, newSecret } from './signer.js';
import { targetProblem, type TargetRules } from './target.js';
import {
  isSentDropType,
  SHIPPED_EVENT_SUFFIX,
  type DropStatusMessage,
  type WebhookDrop,
  type WebhookEvent,
  type WebhookOrder,
} from './webhook-events.js';
import type { Delivery, WebhooksStore } from './webhooks-store.js';

/** What the webhooks read of a drop (drops/ `Drop` is one). */
export interface WebhookDropSource {
  id: string;
  title: string;
  sku: string;
  status: string;
  currency: string;
  opensAt: Date;
  closesAt: Date | null;
  /** The lead brand. */
  brandId: string;
  /** Every brand of the drop, the lead first. */
  brands?: readonly { id: string }[];
}

/** An order just marked shipped, as the shipment route has it (orders/ `DropOrder` is one). */
export interface ShippedOrder {
  id: string;
  dropId: string;
  number: string | null;
  quantity: number;
  amountCents: number;
  paidAt: Date | null;
  shipment: { shippedAt: Date; tracking: string | null } | null;
}

type PaymentCompleted = Extract<InventoryEvent, { type: 'payment.completed' }>;

export interface WebhooksDeps {
  store: WebhooksStore;
  queue: DeliveryQueue;
  /** The drop, or null (or a thrown `not_found`) when there is none. */
  drop: (dropId: string) => Promise<WebhookDropSource | null>;
  rules: TargetRules;
  clock: Pick<DateConstructor, 'now'>;
}

/** A brand's endpoint as the API shows it: the secret in full only when it was just made. */
export interface EndpointView {
  url: string;
  secret: string;
  /** True when `secret` is new and shown in full (this once); false when it is masked. */
  secretShown: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** Pending deliveries at least this old with no job are enqueued by the sweep. */
const SWEEP_GRACE_MS = 30_000;
const SWEEP_BATCH = 500;
/** How far back the sweep looks for shipments the webhooks never heard of (a process that died after the commit). */
const SHIPMENT_LOOKBACK_MS = 24 * 3600_000;

const brandIdsOf = (drop: WebhookDropSource) =>
  drop.brands && drop.brands.length > 0 ? drop.brands.map((b) => b.id) : [drop.brandId];

const webhookDrop = (drop: WebhookDropSource, status = drop.status): WebhookDrop => ({
  id: drop.id,
  title: drop.title,
  sku: drop.sku,
  status,
  opensAt: drop.opensAt.toISOString(),
  closesAt: drop.closesAt?.toISOString() ?? null,
  brandIds: brandIdsOf(drop),
});

export function createWebhooks({ store, queue, drop: dropOf, rules, clock }: WebhooksDeps) {
  async function findDrop(dropId: string): Promise<WebhookDropSource | null> {
    try {
      return await dropOf(dropId);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'not_found') return null;
      throw error;
    }
  }

  /** Writes the event's deliveries and enqueues them. */
  async function deliver(event: WebhookEvent, brandIds: string[]): Promise<number> {
    const ids = await store.record(event, brandIds);
    await queue.enqueue(ids);
    return ids.length;
  }

  /** Sends `order.shipped` to the drop's brands, once per order however often it is marked. */
  async function orderShipped(shipped: ShippedOrder): Promise<number> {
    const drop = await findDrop(shipped.dropId);
    if (!drop) return 0;
    const shippedAt = shipped.shipment?.shippedAt ?? new Date(clock.now());
    const order: WebhookOrder = {
      id: shipped.id,
      dropId: shipped.dropId,
      number: shipped.number,
      quantity: shipped.quantity,
      amountCents: shipped.amountCents,
      currency: drop.currency,
      paidAt: shipped.paidAt?.toISOString() ?? null,
      shipment: { shippedAt: shippedAt.toISOString(), tracking: shipped.shipment?.tracking ?? null },
    };
    return deliver(
      {
        id: `${shipped.id}${SHIPPED_EVENT_SUFFIX}`,
        type: 'order.shipped',
        at: shippedAt,
        data: { order, drop: webhookDrop(drop) },
      },
      brandIdsOf(drop),
    );
  }

  return {
    async endpoint(brandId: string): Promise<EndpointView> {
      const endpoint = await store.endpoint(brandId);
      if (!endpoint) throw new WebhookNotFoundError('endpoint');
      const { url, secret, createdAt, updatedAt } = endpoint;
      return { url, secret: maskSecret(secret), secretShown: false, createdAt, updatedAt };
    },

    /**
     * Sets the brand's endpoint. The first one gets a new secret, and so does `rotate`; otherwise the secret stays
     * and is shown masked.
     */
    async setEndpoint(
      brandId: string,
      { url, rotate = false }: { url: string; rotate?: boolean },
    ): Promise<EndpointView> {
      const problem = targetProblem(url, rules);
      if (problem) throw new WebhookInputError([{ field: 'url', message: problem }]);
      const existing = await store.endpoint(brandId);
      const fresh = !existing || rotate;
      const saved = await store.putEndpoint(brandId, new URL(url).toString(), newSecret(), fresh);
      return {
        url: saved.url,
        secret: fresh ? saved.secret : maskSecret(saved.secret),
        secretShown: fresh,
        createdAt: saved.createdAt,
        updatedAt: saved.updatedAt,
      };
    },

    async deleteEndpoint(brandId: string): Promise<void> {
      if (!(await store.deleteEndpoint(brandId))) throw new WebhookNotFoundError('endpoint');
    },

    deliveries: (brandId: string, page: { limit: number; before?: { createdAt: Date; id: string } }) =>
      store.list(brandId, page),

    /** Sends the brand's delivery again now, pending with a new day of retries (delivered ones too). */
    async resend(brandId: string, deliveryId: string): Promise<Delivery> {
      const found = await store.delivery(deliveryId);
      if (!found || found.brandId !== brandId) throw new WebhookNotFoundError('delivery');
      const delivery = await store.resend(brandId, deliveryId);
      if (!delivery) throw new WebhookNotFoundError('delivery');
      if (!(await queue.enqueueNow(deliveryId))) throw new DeliveryBusyError();
      return delivery;
    },

    /** A drop's status change: opened, sold out and closed are sent to its brands; the others are not. */
    async dropStatus(event: DropStatusMessage): Promise<number> {
      if (!isSentDropType(event.type)) return 0;
      const drop = await findDrop(event.dropId);
      if (!drop) return 0;
      return deliver(
        {
          id: event.id,
          type: event.type,
          at: new Date(event.at),
          data: { drop: webhookDrop(drop, event.status) },
        },
        brandIdsOf(drop),
      );
    },

    async paymentCompleted(event: PaymentCompleted): Promise<number> {
      const drop = await findDrop(event.dropId);
      if (!drop) return 0;
      const order: WebhookOrder = {
        id: event.reservationId,
        dropId: event.dropId,
        number: await store.orderNumber(event.reservationId),
        quantity: event.quantity,
        amountCents: event.amountCents,
        currency: drop.currency,
        paidAt: new Date(event.paidAt).toISOString(),
      };
      return deliver(
        {
          id: event.id,
          type: 'order.paid',
          at: new Date(event.paidAt),
          data: { order, drop: webhookDrop(drop) },
        },
        brandIdsOf(drop),
      );
    },

    orderShipped,

    /**
     * Enqueues pending deliveries older than the grace period (a no-op for those with a job), and writes the
     * `order.shipped` of shipments of the last day that never reached the webhooks; returns how many it enqueued.
     */
    async sweep({ graceMs = SWEEP_GRACE_MS }: { graceMs?: number } = {}): Promise<number> {
      let total = 0;
      const now = clock.now();
      const shipped = await store.unsentShipments(
        new Date(now - SHIPMENT_LOOKBACK_MS),
        new Date(now - graceMs),
        SWEEP_BATCH,
      );
      for (const order of shipped) total += await orderShipped(order);
      let before = new Date(clock.now() - graceMs);
      for (;;) {
        const batch = await store.pending(before, SWEEP_BATCH);
        await queue.enqueue(batch.map((b) => b.id));
        total += batch.length;
        if (batch.length < SWEEP_BATCH) return total;
        before = batch.at(-1)!.createdAt;
      }
    },

    close: () => queue.close(),
  };
}

export type Webhooks = ReturnType<typeof createWebhooks>;
