/**
 * The one JetStream stream of the events and its subjects: `<prefix>.events.<dropId>.<type>` for the inventory's
 * events, `<prefix>.drops.<dropId>.<type>` for drops' status changes, `<prefix>.dead.<subject>` for poison messages.
 * The workers' durable consumer reads the inventory's events; a message is redelivered at most MAX_DELIVER times.
 */
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { InventoryEvent } from '../../inventory/index.js';

export interface EventsConfig {
  stream: string;
  subjectPrefix: string;
  /** The workers' durable consumer. */
  durable: string;
}

export const MAX_DELIVER = 5;
const DUPLICATE_WINDOW_NS = 2 * 60 * 1e9;
/** A batch takes well under a second; a consumer that died has its messages redelivered after this. */
const ACK_WAIT_NS = 10 * 1e9;

export const eventSubject = (c: EventsConfig, event: InventoryEvent) =>
  `${c.subjectPrefix}.events.${event.dropId}.${event.type}`;
export const statusSubject = (c: EventsConfig, event: { dropId: string; type: string }) =>
  `${c.subjectPrefix}.drops.${event.dropId}.${event.type}`;
export const deadSubject = (c: EventsConfig, subject: string) => `${c.subjectPrefix}.dead.${subject}`;

/**
 * Whether `lookup` finds what it asks for: false when JetStream answers with `notFound` (its API error code), the
 * error itself for anything else — a closed connection or a refused request must not pass for a missing stream.
 */
async function found(lookup: () => Promise<unknown>, notFound: JetStreamApiCodes): Promise<boolean> {
  try {
    await lookup();
    return true;
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === notFound) return false;
    throw error;
  }
}

/**
 * Creates a durable consumer of the stream when missing (another reader of the events, such as the receipts'),
 * filtered to `filter`; leaves an existing one as it is.
 */
export async function ensureDurable(
  jsm: JetStreamManager,
  stream: string,
  { durable, filter }: { durable: string; filter: string },
): Promise<void> {
  if (await found(() => jsm.consumers.info(stream, durable), JetStreamApiCodes.ConsumerNotFound)) return;
  await jsm.consumers.add(stream, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: filter,
    max_deliver: MAX_DELIVER,
    ack_wait: ACK_WAIT_NS,
  });
}

/** Creates the stream and the workers' consumer when missing; leaves existing ones as they are. */
export async function ensureEventStream(jsm: JetStreamManager, c: EventsConfig): Promise<void> {
  if (!(await found(() => jsm.streams.info(c.stream), JetStreamApiCodes.StreamNotFound))) {
    await jsm.streams.add({
      name: c.stream,
      subjects: [`${c.subjectPrefix}.events.>`, `${c.subjectPrefix}.drops.>`, `${c.subjectPrefix}.dead.>`],
      duplicate_window: DUPLICATE_WINDOW_NS,
    });
  }
  if (!(await found(() => jsm.consumers.info(c.stream, c.durable), JetStreamApiCodes.ConsumerNotFound))) {
    await jsm.consumers.add(c.stream, {
      durable_name: c.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: `${c.subjectPrefix}.events.>`,
      max_deliver: MAX_DELIVER,
      ack_wait: ACK_WAIT_NS,
    });
  }
}
