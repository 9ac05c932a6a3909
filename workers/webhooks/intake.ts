/**
 * Where deliveries come from: two durable JetStream consumers of their own, one of the drops' status changes and
 * one of the payments, each turning an event into deliveries (written, then enqueued). Applying an event again —
 * a redelivery, a batch applied again — writes nothing new and enqueues nothing new.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { parseEvent } from '../../inventory/index.js';
import { ensureDurable, startConsumer, type Consumer, type EventsConfig } from '../events/index.js';
import {
  parseDropStatus,
  WEBHOOKS_DROPS_DURABLE,
  WEBHOOKS_PAYMENTS_DURABLE,
  webhookDropSubjects,
  webhookPaymentSubjects,
} from './webhook-events.js';
import type { Webhooks } from './webhooks.js';

export interface WebhookIntakeDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** The stream and subject prefix; the durables are this room's. */
  config: Omit<EventsConfig, 'durable'>;
  webhooks: Pick<Webhooks, 'dropStatus' | 'paymentCompleted'>;
  log: Logger;
  /** Whether a failure will pass by itself (PostgreSQL or Redis restarting). */
  transient?: (error: unknown) => boolean;
}

export async function startWebhookIntake(deps: WebhookIntakeDeps): Promise<Consumer> {
  const { js, jsm, config, webhooks, log } = deps;
  await ensureDurable(jsm, config.stream, {
    durable: WEBHOOKS_DROPS_DURABLE,
    filter: webhookDropSubjects(config.subjectPrefix),
  });
  await ensureDurable(jsm, config.stream, {
    durable: WEBHOOKS_PAYMENTS_DURABLE,
    filter: webhookPaymentSubjects(config.subjectPrefix),
  });
  const shared = { js, log, ...(deps.transient ? { transient: deps.transient } : {}), batch: 50 };
  const drops = startConsumer({
    ...shared,
    config: { ...config, durable: WEBHOOKS_DROPS_DURABLE },
    parse: parseDropStatus,
    what: 'drop status event',
    async apply(events) {
      for (const event of events) await webhooks.dropStatus(event);
    },
  });
  const payments = startConsumer({
    ...shared,
    config: { ...config, durable: WEBHOOKS_PAYMENTS_DURABLE },
    parse: (data) => {
      const event = parseEvent(data);
      return event?.type === 'payment.completed' ? event : null;
    },
    what: 'payment.completed event',
    async apply(events) {
      for (const event of events) await webhooks.paymentCompleted(event);
    },
  });
  return {
    async stop() {
      await Promise.all([drops.stop(), payments.stop()]);
    },
  };
}
