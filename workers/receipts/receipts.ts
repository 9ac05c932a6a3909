/**
 * The receipt mailer: a durable JetStream consumer of its own (RECEIPTS_DURABLE) reads every payment.completed event
 * and mails the buyer a receipt, once per order. The receipt is claimed in PostgreSQL before it is sent and recorded
 * as sent after (receipts-store.ts): a batch applied again, a redelivery, or a payment event stored twice sends
 * nothing more. A payment without checkout details (paid without a buyer) has no receipt.
 *
 * Nothing personal is logged: a failed send is rethrown as a ReceiptSendError carrying only the order number and
 * the SMTP code, never the server's text (which may quote the address).
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { parseEvent, type InventoryEvent } from '../../inventory/index.js';
import { startConsumer, type EventsConfig } from '../events/index.js';
import { receiptMail, type ReceiptMail } from './receipt-mail.js';
import type { ReceiptsStore } from './receipts-store.js';

export const RECEIPTS_DURABLE = 'receipts';

/** The subject filter of the receipts' consumer: every drop's payment.completed events. */
export const receiptSubjects = (subjectPrefix: string) => `${subjectPrefix}.events.*.payment.completed`;

type PaymentCompleted = Extract<InventoryEvent, { type: 'payment.completed' }>;

/** Sends one mail; resolves once the SMTP server took it. */
export type SendMail = (mail: ReceiptMail) => Promise<void>;

/** A receipt that could not be sent now; the event is applied again later. */
export class ReceiptSendError extends Error {
  override name = 'ReceiptSendError';
  constructor(
    message: string,
    /** Whether trying again later may succeed (the SMTP server unreachable or answering 4xx). */
    readonly passes: boolean,
  ) {
    super(message);
  }
}

const PASSING_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET']);

function sendFailure(number: string, error: unknown): ReceiptSendError {
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  const smtp = typeof responseCode === 'number' ? responseCode : undefined;
  const what = smtp ?? (typeof code === 'string' ? code : 'error');
  const passes = (smtp !== undefined && smtp >= 400 && smtp < 500) || PASSING_CODES.has(String(code));
  return new ReceiptSendError(`receipt ${number} not sent (SMTP ${what})`, passes);
}

export interface ReceiptMailerDeps {
  js: JetStreamClient;
  /** The stream and subject prefix; the durable is RECEIPTS_DURABLE. */
  config: Omit<EventsConfig, 'durable'>;
  receipts: ReceiptsStore;
  send: SendMail;
  /** The domain of the receipts' Message-IDs. */
  host: string;
  log: Logger;
  /** Whether a failure of the database will pass (PostgreSQL restarting). */
  transient?: (error: unknown) => boolean;
}

export interface ReceiptMailer {
  /** Receipts sent by this process since it started. */
  sent(): number;
  stop(): Promise<void>;
}

export function startReceiptMailer(deps: ReceiptMailerDeps): ReceiptMailer {
  const { receipts, send, host, log } = deps;
  let count = 0;

  async function mail(event: PaymentCompleted): Promise<void> {
    const claim = await receipts.claim(event.reservationId, event.dropId);
    if (claim === 'sent' || claim === 'unknown') return;
    // Another sender holds the claim: apply again later, when it has sent (or its lease has run out).
    if (claim === 'claimed')
      throw new ReceiptSendError(`receipt of ${event.reservationId} is being sent elsewhere`, true);
    const message = receiptMail(
      claim,
      {
        reservationId: event.reservationId,
        quantity: event.quantity,
        amountCents: event.amountCents,
        paidAt: new Date(event.paidAt),
      },
      host,
    );
    try {
      await send(message);
    } catch (error) {
      await receipts.release(event.reservationId);
      throw sendFailure(claim.number, error);
    }
    await receipts.sent(event.reservationId);
    count += 1;
    log.info({ orderId: event.reservationId, number: claim.number }, 'receipt sent');
  }

  const consumer = startConsumer({
    js: deps.js,
    config: { ...deps.config, durable: RECEIPTS_DURABLE },
    log,
    batch: 50,
    parse: (data) => {
      const event = parseEvent(data);
      return event?.type === 'payment.completed' ? event : null;
    },
    what: 'payment.completed event',
    transient: (error) =>
      error instanceof ReceiptSendError ? error.passes : (deps.transient?.(error) ?? false),
    async apply(events) {
      for (const event of events) await mail(event);
    },
  });
  return { sent: () => count, stop: () => consumer.stop() };
}
