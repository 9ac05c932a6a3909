/**
 * The workers role: BullMQ opens and closes drops at their time, every live drop is mirrored and scheduled again
 * at start, recovery watches for a Redis that lost its data and reconciles drops, and the event projector applies
 * JetStream's events to PostgreSQL; the payments job ends every authorization left open; with SMTP_URL set, the
 * receipt mailer sends each paid order's receipt (without it, none is ever attempted).
 */
import { createTransport } from 'nodemailer';
import type { Logger } from 'pino';
import { isOutage } from '../../edge/index.js';
import { startPaymentSettleJob } from '../../workers/checkout/index.js';
import { startDropScheduleWorker } from '../../workers/drops/index.js';
import { ensureDurable } from '../../workers/events/index.js';
import { createRecovery, startEventProjector, WATCH_EVERY_MS } from '../../workers/orders/index.js';
import {
  createReceiptsStore,
  RECEIPTS_DURABLE,
  receiptSubjects,
  startReceiptMailer,
  type ReceiptMailer,
} from '../../workers/receipts/index.js';
import {
  DEFAULT_RETRY_SCHEDULE,
  startDeliveryWorker,
  startWebhookIntake,
  type RetrySchedule,
} from '../../workers/webhooks/index.js';
import type { Config } from '../config.js';
import { startTicker } from '../kit/index.js';
import type { Connections } from './connections.js';
import type { Core } from './core.js';

export interface WorkersRole {
  stop(): Promise<void>;
}

/** The receipt mailer over an SMTP transport (nodemailer), or null without SMTP_URL. */
async function startReceipts(
  conn: Connections,
  core: Core,
  { config, log }: { config: Config; log: Logger },
): Promise<ReceiptMailer | null> {
  if (!config.mail) return null;
  const { smtpUrl, from } = config.mail;
  const transport = createTransport(smtpUrl);
  await ensureDurable(conn.jsm, core.events.stream, {
    durable: RECEIPTS_DURABLE,
    filter: receiptSubjects(core.events.subjectPrefix),
  });
  const mailer = startReceiptMailer({
    js: conn.js,
    config: core.events,
    receipts: createReceiptsStore(conn.sql),
    send: async (mail) => {
      await transport.sendMail({ from, ...mail });
    },
    host: /@([^>\s]+)/.exec(from)?.[1] ?? 'dropline.invalid',
    log,
    transient: isOutage,
  });
  return {
    sent: () => mailer.sent(),
    async stop() {
      await mailer.stop();
      transport.close();
    },
  };
}

/** Every minute: pending deliveries a process left without a job are enqueued again. */
const WEBHOOK_SWEEP_EVERY_MS = 60_000;

/** The webhooks' intake (JetStream to deliveries), their sender, and the sweep (once now, then every minute). */
async function startWebhooks(
  conn: Connections,
  core: Core,
  { config, log, schedule }: { config: Config; log: Logger; schedule: RetrySchedule },
) {
  const intake = await startWebhookIntake({
    js: conn.js,
    jsm: conn.jsm,
    config: core.events,
    webhooks: core.webhooks,
    log,
    transient: isOutage,
  });
  const sender = startDeliveryWorker({
    connection: conn.bullConnection,
    prefix: core.bullPrefix,
    store: core.webhooksStore,
    schedule,
    allowInternal: config.webhooks.allowLocal,
    clock: Date,
    log,
  });
  const sweep = startTicker({
    everyMs: WEBHOOK_SWEEP_EVERY_MS,
    run: async () => {
      await core.webhooks.sweep();
    },
    onError: (error) => log.warn({ err: error }, 'webhook sweep failed'),
  });
  return {
    async stop() {
      await sweep.stop();
      await intake.stop();
      await sender.close();
    },
  };
}

export async function startWorkersRole(
  conn: Connections,
  core: Core,
  {
    config,
    log,
    clock,
    webhookRetry = DEFAULT_RETRY_SCHEDULE,
  }: { config: Config; log: Logger; clock: Pick<DateConstructor, 'now'>; webhookRetry?: RetrySchedule },
): Promise<WorkersRole> {
  const { drops } = core;
  const connection = conn.bullConnection;
  const scheduleWorker = startDropScheduleWorker({ connection, prefix: core.bullPrefix, drops, clock, log });
  const resumed = await drops.resumeAll();
  log.info({ drops: resumed }, 'workers started; live drops mirrored and scheduled');
  const recovery = createRecovery({
    redis: conn.redis,
    connection,
    prefix: core.bullPrefix,
    sentinelKey: `${config.redisPrefix}sentinel`,
    drops,
    reconciler: core.reconciler,
    log,
  });
  recovery.startWorker();
  const watch = startTicker({
    everyMs: WATCH_EVERY_MS,
    run: recovery.watch,
    onError: (error) => log.error({ err: error }, 'recovery watch failed'),
  });
  const projector = startEventProjector({
    js: conn.js,
    config: core.events,
    orders: core.orders,
    onDropEvent: (event) => drops.applyAvailability(event.dropId, event.type === 'drop.sold_out', event.seq),
    log,
    // A PostgreSQL restart must not spend the events' deliveries and send valid ones to the dead-letter subject.
    transient: isOutage,
  });
  const receipts = await startReceipts(conn, core, { config, log });
  const webhooks = await startWebhooks(conn, core, { config, log, schedule: webhookRetry });
  const settle = await startPaymentSettleJob({
    connection,
    prefix: core.bullPrefix,
    settler: core.settler,
    log,
  });
  return {
    async stop() {
      await settle.stop();
      await webhooks.stop();
      await scheduleWorker.close();
      await projector.stop();
      await receipts?.stop();
      await watch.stop();
      await recovery.stop();
    },
  };
}
