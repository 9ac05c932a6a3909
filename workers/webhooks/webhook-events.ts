/**
 * The events brands receive, version 1, and where they come from: a drop's status changes (drops/ publishes them on
 * `<prefix>.drops.<dropId>.<type>`), payments (`payment.completed` of the inventory's events) and shipments (the
 * shipment route calls `orderShipped`). The webhook's body is `{ id, type, createdAt, data }`; `id` is the event's
 * own, the same for every brand and every attempt, so a receiver can tell a repeat.
 */
import { z } from 'zod';

export const WEBHOOK_EVENT_TYPES = [
  'drop.opened',
  'drop.sold_out',
  'drop.closed',
  'order.paid',
  'order.shipped',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The durable consumers of the webhooks, one per kind of source event. */
export const WEBHOOKS_DROPS_DURABLE = 'webhooks-drops';
export const WEBHOOKS_PAYMENTS_DURABLE = 'webhooks-payments';
export const webhookDropSubjects = (subjectPrefix: string) => `${subjectPrefix}.drops.>`;
export const webhookPaymentSubjects = (subjectPrefix: string) =>
  `${subjectPrefix}.events.*.payment.completed`;

/**
 * What this room reads of a drop's status event (drops/ owns the payload: DropStatusEvent). Types other than the
 * three sent on are valid and skipped; anything else is malformed.
 */
const dropStatusEvent = z.object({
  v: z.literal(1),
  id: z.string().min(1).max(200),
  type: z.string().regex(/^drop\.[a-z_]+$/),
  at: z.number().int().nonnegative(),
  dropId: z.uuid(),
  status: z.string().max(32),
});
export type DropStatusMessage = z.infer<typeof dropStatusEvent>;

export function parseDropStatus(data: Uint8Array): DropStatusMessage | null {
  try {
    const parsed = dropStatusEvent.safeParse(JSON.parse(new TextDecoder().decode(data)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const SENT_DROP_TYPES = new Set<string>(['drop.opened', 'drop.sold_out', 'drop.closed']);
export const isSentDropType = (type: string): type is 'drop.opened' | 'drop.sold_out' | 'drop.closed' =>
  SENT_DROP_TYPES.has(type);

/** A drop as a webhook shows it. */
export interface WebhookDrop {
  id: string;
  title: string;
  sku: string;
  status: string;
  opensAt: string;
  closesAt: string | null;
  /** Every brand of the drop, the lead first. */
  brandIds: string[];
}

/** An order as a webhook shows it: no buyer's details (a brand reads them through the API). */
export interface WebhookOrder {
  id: string;
  dropId: string;
  number: string | null;
  quantity: number;
  amountCents: number;
  currency: string;
  paidAt: string | null;
  shipment?: { shippedAt: string; tracking: string | null };
}

export type WebhookData = { drop: WebhookDrop } | { order: WebhookOrder; drop: WebhookDrop };

/** One event to deliver to some brands. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  at: Date;
  data: WebhookData;
}

/** The body sent, byte for byte what is signed. */
export const webhookBody = (d: { eventId: string; type: string; createdAt: Date; payload: unknown }) =>
  JSON.stringify({ id: d.eventId, type: d.type, createdAt: d.createdAt.toISOString(), data: d.payload });

/** `order.shipped` is sent once per order: its event id is the order's id with this suffix. */
export const SHIPPED_EVENT_SUFFIX = ':order.shipped';
