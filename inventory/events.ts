/**
 * The events the inventory emits, version 1. Written by the Lua scripts into each drop's outbox, relayed to
 * JetStream (subject `<subjectPrefix>.events.<dropId>.<type>`, message id = event id, so a relay that publishes
 * twice is deduplicated), applied to PostgreSQL by the workers. Event ids are deterministic:
 * `<reservationId>:<type>` for a reservation's events, `<dropId>:<sold_out|reopened>:<n>` for the drop's.
 * Every event carries `dropSeq`, the drop's change counter in Redis (see commands/includes/holds.lua): PostgreSQL
 * records the highest one applied, which tells a Redis that came back older. Events written before it existed have
 * none. Consumers validate every message with `parseEvent` before acting on it.
 */
import { z } from 'zod';
import { RESERVATION_ID } from './reservation-id.js';

const ms = z.number().int().nonnegative();
const dropSeq = z.number().int().positive().optional();

const holdEvent = {
  v: z.literal(1),
  id: z.string().min(1).max(200),
  at: ms,
  dropId: z.uuid(),
  reservationId: z.string().regex(RESERVATION_ID),
  shopperId: z.uuid(),
  guest: z.boolean(),
  quantity: z.number().int().positive(),
  amountCents: z.number().int().nonnegative(),
  createdAt: ms,
  expiresAt: ms,
  dropSeq,
};

const availabilityEvent = {
  v: z.literal(1),
  id: z.string().min(1).max(200),
  at: ms,
  dropId: z.uuid(),
  seq: z.number().int().positive(),
  dropSeq,
};

export const inventoryEvent = z.discriminatedUnion('type', [
  z.object({ ...holdEvent, type: z.literal('reservation.created') }),
  z.object({ ...holdEvent, type: z.literal('reservation.released') }),
  z.object({ ...holdEvent, type: z.literal('reservation.expired') }),
  z.object({ ...holdEvent, type: z.literal('payment.completed'), paidAt: ms }),
  // Numbered per drop (`seq`): the highest one applied decides whether the drop is sold out. drop.sold_out: every
  // unit sold and none held, sold out for good. drop.reopened: only a drop marked sold out under the former rule
  // (every unit merely held) whose units came back; kept so such drops and their events still apply.
  z.object({ ...availabilityEvent, type: z.literal('drop.sold_out') }),
  z.object({ ...availabilityEvent, type: z.literal('drop.reopened') }),
]);

export type InventoryEvent = z.infer<typeof inventoryEvent>;
export type HoldEvent = Extract<InventoryEvent, { reservationId: string }>;
export type InventoryEventType = InventoryEvent['type'];

/** The event in `data`, or null when it is not a valid inventory event (a poison message). */
export function parseEvent(data: string | Uint8Array): InventoryEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
  } catch {
    return null;
  }
  const parsed = inventoryEvent.safeParse(raw);
  return parsed.success ? parsed.data : null;
}
