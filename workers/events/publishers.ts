/**
 * Durable publishers: each resolves once JetStream stored the message, deduplicated by the event's id. Each fails
 * fast with `EventsUnavailableError` (code `unavailable`, a 503 at the edge) when NATS is known to be down, and
 * within `timeoutMs` when an outage starts while a publish waits: a request must not hang on JetStream for the
 * client's default 5 s. A publish that timed out may still have been stored; its message id makes a retry harmless.
 */
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

/**
 * How long a publish waits for JetStream's acknowledgement. A local JetStream answers in milliseconds, even in a
 * rush (the order-rush bench's pay p99 is about 1 s, most of it queueing in the edge); two seconds leave room for
 * that and still answer a shopper long before a browser or a proxy gives up.
 */
export const PUBLISH_TIMEOUT_MS = 2000;

/** The events cannot be stored now (NATS unreachable, or no acknowledgement in time); retrying later is safe. */
export class EventsUnavailableError extends Error {
  override name = 'EventsUnavailableError';
  readonly code = 'unavailable';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

export interface PublisherOptions {
  /** False while the NATS connection is down: publishing then fails at once instead of waiting out the timeout. */
  ready?: () => boolean;
  timeoutMs?: number;
}

/** Publishes `data` on `subject` with `msgID`, failing fast as the module's comment says. */
function durablePublish(
  js: JetStreamClient,
  { ready = () => true, timeoutMs = PUBLISH_TIMEOUT_MS }: PublisherOptions,
) {
  return async (subject: string, data: string, msgID: string): Promise<void> => {
    if (!ready()) throw new EventsUnavailableError('the event store (NATS) is unreachable');
    try {
      await js.publish(subject, data, { msgID, timeout: timeoutMs });
    } catch (error) {
      throw new EventsUnavailableError('the event store (NATS) did not store the event', { cause: error });
    }
  };
}

export function createEventPublisher(
  js: JetStreamClient,
  c: EventsConfig,
  options: PublisherOptions = {},
): PublishEvent {
  const publish = durablePublish(js, options);
  return (event) => publish(eventSubject(c, event), JSON.stringify(event), event.id);
}

/** Publishes a drop's status change and resolves once JetStream stored it. */
export function createStatusPublisher(js: JetStreamClient, c: EventsConfig, options: PublisherOptions = {}) {
  const publish = durablePublish(js, options);
  return (event: StatusEventEnvelope): Promise<void> =>
    publish(statusSubject(c, event), JSON.stringify(event), event.id);
}
