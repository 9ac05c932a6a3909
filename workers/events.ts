/**
 * The JetStream side of the events: the stream, the durable consumer that applies inventory events to
 * PostgreSQL, and durable publishers. Subjects (all in one stream): `<prefix>.events.<dropId>.<type>` for the
 * inventory's events, `<prefix>.drops.<dropId>.<type>` for drops' status changes, `<prefix>.dead.<…>` for poison
 * messages. The consumer acks explicitly after the
 * transaction commits; a message that cannot be applied is redelivered (at most MAX_DELIVER times), a malformed one
 * goes to the dead-letter subject at once.
 */
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { parseEvent, type InventoryEvent } from '../inventory/index.js';
import type { DropStatusEvent } from './drops.js';
import type { OrdersStore } from './orders-store.js';

export interface EventsConfig {
  stream: string;
  subjectPrefix: string;
  /** The workers' durable consumer. */
  durable: string;
}

export const MAX_DELIVER = 5;
const FLUSH_MS = 10;
const DUPLICATE_WINDOW_NS = 2 * 60 * 1e9;

export const eventSubject = (c: EventsConfig, event: InventoryEvent) =>
  `${c.subjectPrefix}.events.${event.dropId}.${event.type}`;
const deadSubject = (c: EventsConfig, subject: string) => `${c.subjectPrefix}.dead.${subject}`;

/** Creates the stream and the workers' consumer when missing. */
export async function ensureEventStream(jsm: JetStreamManager, c: EventsConfig): Promise<void> {
  const subjects = [`${c.subjectPrefix}.events.>`, `${c.subjectPrefix}.drops.>`, `${c.subjectPrefix}.dead.>`];
  try {
    await jsm.streams.info(c.stream);
  } catch {
    await jsm.streams.add({ name: c.stream, subjects, duplicate_window: DUPLICATE_WINDOW_NS });
  }
  try {
    await jsm.consumers.info(c.stream, c.durable);
  } catch {
    await jsm.consumers.add(c.stream, {
      durable_name: c.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: `${c.subjectPrefix}.events.>`,
      max_deliver: MAX_DELIVER,
      // A batch takes well under a second; a consumer that died has its messages redelivered after this.
      ack_wait: 10 * 1e9,
    });
  }
}

/** Publishes an event and resolves once JetStream stored it (deduplicated by its id). */
export function createEventPublisher(js: JetStreamClient, c: EventsConfig) {
  return async (event: InventoryEvent): Promise<void> => {
    await js.publish(eventSubject(c, event), JSON.stringify(event), { msgID: event.id });
  };
}

/** Publishes a drop's status change and resolves once JetStream stored it. */
export function createStatusPublisher(js: JetStreamClient, c: EventsConfig) {
  return async (event: DropStatusEvent): Promise<void> => {
    await js.publish(`${c.subjectPrefix}.drops.${event.dropId}.${event.type}`, JSON.stringify(event), {
      msgID: event.id,
    });
  };
}

export interface EventConsumerDeps {
  js: JetStreamClient;
  config: EventsConfig;
  orders: OrdersStore;
  /** Drop events (sold out, reopened) change the drop's status; the drop service does that. */
  onDropEvent: (event: Extract<InventoryEvent, { type: 'drop.sold_out' | 'drop.reopened' }>) => Promise<void>;
  log: Logger;
  batch?: number;
}

export function startEventConsumer({ js, config, orders, onDropEvent, log, batch = 500 }: EventConsumerDeps) {
  let stopped = false;
  let applied = 0;

  async function deadLetter(msg: JsMsg, reason: string) {
    log.warn({ subject: msg.subject, seq: msg.seq, reason }, 'event sent to the dead-letter subject');
    await js.publish(deadSubject(config, msg.subject), msg.data, { msgID: `dead:${msg.seq}` });
    msg.term(reason);
  }

  async function handle(messages: JsMsg[]) {
    const valid: { msg: JsMsg; event: InventoryEvent }[] = [];
    for (const msg of messages) {
      const event = parseEvent(msg.data);
      if (event) valid.push({ msg, event });
      else await deadLetter(msg, 'not a valid inventory event');
    }
    if (valid.length === 0) return;
    try {
      const fresh = await orders.applyBatch(valid.map((v) => v.event));
      applied += fresh.length;
      // Drop events are applied by sequence number, so they are safe to apply again (after a redelivery).
      for (const v of valid) await drop(v.event);
      for (const v of valid) v.msg.ack();
    } catch (error) {
      // One bad event must not hold the others back: apply them one by one.
      log.warn({ err: error, events: valid.length }, 'batch failed; applying events one by one');
      for (const v of valid) {
        try {
          applied += (await orders.applyBatch([v.event])).length;
          await drop(v.event);
          v.msg.ack();
        } catch (single) {
          if (v.msg.info.deliveryCount >= MAX_DELIVER) await deadLetter(v.msg, String(single));
          else v.msg.nak(1000);
        }
      }
    }
  }

  async function drop(event: InventoryEvent) {
    if (event.type === 'drop.sold_out' || event.type === 'drop.reopened') await onDropEvent(event);
  }

  // Messages are applied in batches: whatever arrived within FLUSH_MS, or `batch` at once under load.
  let buffer: JsMsg[] = [];
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const take = buffer;
    buffer = [];
    if (take.length > 0) {
      chain = chain
        .then(() => handle(take))
        .catch((error: unknown) => log.error({ err: error }, 'applying events failed'));
    }
    return chain;
  };
  let messages: Awaited<ReturnType<Awaited<ReturnType<typeof js.consumers.get>>['consume']>> | undefined;
  const done = (async () => {
    while (!stopped) {
      try {
        const consumer = await js.consumers.get(config.stream, config.durable);
        messages = await consumer.consume({ max_messages: batch * 2 });
        for await (const msg of messages) {
          buffer.push(msg);
          if (buffer.length >= batch) await flush();
          else timer ??= setTimeout(() => void flush(), FLUSH_MS);
        }
      } catch (error) {
        if (stopped) break;
        log.error({ err: error }, 'event consumer failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    await flush();
  })();

  return {
    applied: () => applied,
    async stop() {
      stopped = true;
      await messages?.close();
      await done;
    },
  };
}
