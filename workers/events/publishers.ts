/** Durable publishers: each resolves once JetStream stored the message, deduplicated by the event's id. */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { InventoryEvent } from '../../inventory/index.js';
import { eventSubject, statusSubject, type EventsConfig } from './stream.js';

/** Stores an inventory event in JetStream; resolves once it is durable. */
export type PublishEvent = (event: InventoryEvent) => Promise<void>;

/** What the stream needs of a drop's status change; the drops/ sub-room owns its payload. */
export interface StatusEventEnvelope {
  id: string;
  dropId: string;
  type: string;
}

export function createEventPublisher(js: JetStreamClient, c: EventsConfig): PublishEvent {
  return async (event) => {
    await js.publish(eventSubject(c, event), JSON.stringify(event), { msgID: event.id });
  };
}

/** Publishes a drop's status change and resolves once JetStream stored it. */
export function createStatusPublisher(js: JetStreamClient, c: EventsConfig) {
  return async (event: StatusEventEnvelope): Promise<void> => {
    await js.publish(statusSubject(c, event), JSON.stringify(event), { msgID: event.id });
  };
}
