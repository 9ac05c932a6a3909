/**
 * The event projector: applies the inventory's events from JetStream to PostgreSQL (orders, the stock ledger) and
 * a drop's sold-out / reopened events to its status, in events/' consumer shell. Both writes are idempotent (an
 * event id is applied once; drop events by their sequence number), so a batch applied again after a failure, or a
 * redelivery, changes nothing twice.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { parseEvent, type InventoryEvent } from '../../inventory/index.js';
import { startConsumer, type EventsConfig } from '../events/index.js';
import type { OrdersStore } from './orders-store.js';

export type AvailabilityEvent = Extract<InventoryEvent, { type: 'drop.sold_out' | 'drop.reopened' }>;

export interface EventProjectorDeps {
  js: JetStreamClient;
  config: EventsConfig;
  orders: OrdersStore;
  /** Drop events (sold out, reopened) change the drop's status; the drop service does that. */
  onDropEvent: (event: AvailabilityEvent) => Promise<void>;
  log: Logger;
  batch?: number;
  /** Whether a failure will pass by itself (PostgreSQL restarting): events wait in hand, spending no delivery. */
  transient?: (error: unknown) => boolean;
}

export interface EventProjector {
  /** How many events were new to PostgreSQL since the start. */
  applied(): number;
  stop(): Promise<void>;
}

export function startEventProjector({
  js,
  config,
  orders,
  onDropEvent,
  log,
  batch,
  transient,
}: EventProjectorDeps): EventProjector {
  let applied = 0;
  const consumer = startConsumer({
    js,
    config,
    log,
    batch,
    ...(transient ? { transient } : {}),
    parse: parseEvent,
    what: 'inventory event',
    async apply(events) {
      applied += (await orders.applyBatch(events)).length;
      for (const event of events)
        if (event.type === 'drop.sold_out' || event.type === 'drop.reopened') await onDropEvent(event);
    },
  });
  return { applied: () => applied, stop: () => consumer.stop() };
}
