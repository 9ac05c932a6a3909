/**
 * The consumer shell: reads the workers' durable consumer in batches and hands valid messages to `apply`, knowing
 * nothing of what they mean. Messages are applied in batches — whatever arrived within FLUSH_MS, or `batch` at
 * once under load — and acked explicitly once `apply` resolved (after the transaction commits). A batch that fails
 * is applied again one message at a time, so one bad message does not hold the others back; a message that keeps
 * failing is redelivered at most MAX_DELIVER times and then dead-lettered, a malformed one is dead-lettered at once.
 * A failure that will pass (`transient`: the database is restarting) spends no delivery: the batch is kept in hand
 * (its ack deadline renewed) and applied again with backoff until it is applied or the consumer stops, so an outage
 * never sends valid events to the dead-letter subject.
 *
 * Across a NATS outage (the connection reconnecting forever), nats.js keeps the `consume()` iterator open and, once
 * reconnected, checks that the consumer still exists and pulls again; a failed check is retried after `expires`,
 * hence the short PULL_EXPIRES_MS. Should the iterator end or throw anyway (a closed connection, a consumer that is
 * gone), the loop gets the consumer again every RECONNECT_MS until it is stopped.
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { deadSubject, MAX_DELIVER, type EventsConfig } from './stream.js';

const FLUSH_MS = 10;
const NAK_DELAY_MS = 1000;
const RECONNECT_MS = 500;
const RETRY_FIRST_MS = 250;
const RETRY_MOST_MS = 5000;
/** How long one pull request lives: also how soon a pull that failed to resume after an outage is tried again. */
const PULL_EXPIRES_MS = 5000;
/** Dead letters are rare; one that cannot be stored in time is retried by the message's redelivery. */
const DEAD_LETTER_TIMEOUT_MS = 2000;

export interface ConsumerOptions<T> {
  js: JetStreamClient;
  config: EventsConfig;
  /** Validates a message's payload; null sends the message to the dead-letter subject. */
  parse: (data: Uint8Array) => T | null;
  /** What a valid message is, for the dead letter's reason ("not a valid <what>"). */
  what: string;
  /** Applies messages; must be idempotent, since a failed batch and a redelivery apply them again. */
  apply: (items: T[]) => Promise<void>;
  /** Whether a failure of `apply` will pass by itself (a service outage); none is by default. */
  transient?: (error: unknown) => boolean;
  log: Logger;
  batch?: number;
}

export interface Consumer {
  /** Stops reading, then waits for the messages in hand to be applied. */
  stop(): Promise<void>;
}

/**
 * Applies a batch again and again, with backoff, while it fails for a reason that will pass; the messages' ack
 * deadlines are renewed meanwhile. Resolves to the error that is not transient, or to null once applied or stopped.
 */
async function applyThroughOutage<T>(
  { apply, transient, log }: ConsumerOptions<T>,
  valid: { msg: JsMsg; item: T }[],
  stopped: () => boolean,
): Promise<unknown> {
  for (let wait = RETRY_FIRST_MS; !stopped(); wait = Math.min(wait * 2, RETRY_MOST_MS)) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    for (const v of valid) v.msg.working();
    try {
      await apply(valid.map((v) => v.item));
      for (const v of valid) v.msg.ack();
      return null;
    } catch (error) {
      if (!transient?.(error)) return error;
      log.debug({ err: error, events: valid.length }, 'applying events waits for a service to return');
    }
  }
  return null;
}

function batchHandler<T>(options: ConsumerOptions<T>, stopped: () => boolean) {
  const { js, config, parse, what, apply, log, transient } = options;
  async function deadLetter(msg: JsMsg, reason: string) {
    log.warn({ subject: msg.subject, seq: msg.seq, reason }, 'event sent to the dead-letter subject');
    await js.publish(deadSubject(config, msg.subject), msg.data, {
      msgID: `dead:${msg.seq}`,
      timeout: DEAD_LETTER_TIMEOUT_MS,
    });
    msg.term(reason);
  }

  return async (messages: JsMsg[]) => {
    const valid: { msg: JsMsg; item: T }[] = [];
    for (const msg of messages) {
      const item = parse(msg.data);
      if (item) valid.push({ msg, item });
      else await deadLetter(msg, `not a valid ${what}`);
    }
    if (valid.length === 0) return;
    try {
      await apply(valid.map((v) => v.item));
      for (const v of valid) v.msg.ack();
    } catch (failure) {
      const error = transient?.(failure) ? await applyThroughOutage(options, valid, stopped) : failure;
      if (error === null) return;
      log.warn({ err: error, events: valid.length }, 'batch failed; applying events one by one');
      for (const v of valid) {
        try {
          await apply([v.item]);
          v.msg.ack();
        } catch (single) {
          if (v.msg.info.deliveryCount >= MAX_DELIVER) await deadLetter(v.msg, String(single));
          else v.msg.nak(NAK_DELAY_MS);
        }
      }
    }
  };
}

export function startConsumer<T>(options: ConsumerOptions<T>): Consumer {
  const { js, config, log, batch = 500 } = options;
  let stopped = false;
  const handle = batchHandler(options, () => stopped);
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
        messages = await consumer.consume({ max_messages: batch * 2, expires: PULL_EXPIRES_MS });
        for await (const msg of messages) {
          buffer.push(msg);
          if (buffer.length >= batch) await flush();
          else timer ??= setTimeout(() => void flush(), FLUSH_MS);
        }
        if (stopped) break;
        log.warn('event consumer ended; reading again');
      } catch (error) {
        if (stopped) break;
        log.error({ err: error }, 'event consumer failed; retrying');
      }
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
    await flush();
  })();

  return {
    async stop() {
      stopped = true;
      await messages?.close();
      await done;
    },
  };
}
