/**
 * The sender: a BullMQ worker that makes one attempt per job run. It reads the delivery and the brand's endpoint
 * as they are now (a changed URL or secret applies to the next attempt), signs the body, posts it, and records the
 * attempt on the delivery row before BullMQ schedules the next one; a delivery no longer pending (delivered through
 * another job, or sent again by hand) is not sent.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { parseWebhookJob, retryDelay, WEBHOOK_QUEUE, type RetrySchedule } from './delivery-queue.js';
import { sendAttempt, REQUEST_TIMEOUT_MS } from './sender.js';
import { signedHeaders } from './signer.js';
import { webhookBody } from './webhook-events.js';
import type { WebhooksStore } from './webhooks-store.js';

export interface DeliveryWorkerOptions {
  connection: Redis;
  prefix: string;
  store: WebhooksStore;
  schedule: RetrySchedule;
  /** May endpoints reach loopback and internal addresses (never in production). */
  allowInternal: boolean;
  timeoutMs?: number;
  clock: Pick<DateConstructor, 'now'>;
  log: Pick<Logger, 'warn' | 'info' | 'debug'>;
  concurrency?: number;
}

/** A failed attempt that will be tried again; its message is the short description recorded. */
class AttemptFailedError extends Error {
  override name = 'AttemptFailedError';
}

export function startDeliveryWorker(options: DeliveryWorkerOptions): Worker {
  const { store, schedule, clock, log } = options;
  const attempt = async (job: Job<unknown>): Promise<string> => {
    const data = parseWebhookJob(job.data);
    if (!data) {
      log.warn({ jobId: job.id }, 'dropping malformed webhook job');
      throw new UnrecoverableError('malformed webhook job');
    }
    const delivery = await store.delivery(data.deliveryId);
    if (!delivery || delivery.status !== 'pending') return 'skipped';
    const endpoint = await store.endpoint(delivery.brandId);
    if (!endpoint) {
      await store.abandoned(delivery.id, 'no endpoint set');
      return 'abandoned';
    }
    const body = webhookBody(delivery);
    const headers = signedHeaders(
      { secret: endpoint.secret, type: delivery.type, deliveryId: delivery.id },
      body,
      clock.now(),
    );
    const result = await sendAttempt(endpoint.url, body, headers, {
      timeoutMs: options.timeoutMs ?? REQUEST_TIMEOUT_MS,
      allowInternal: options.allowInternal,
    });
    if (result.ok) {
      await store.attempted(delivery.id, { outcome: 'delivered', status: result.status });
      log.info({ deliveryId: delivery.id, type: delivery.type }, 'webhook delivered');
      return 'delivered';
    }
    const failed = job.attemptsMade + 1;
    const nextAt = clock.now() + retryDelay(failed, schedule);
    if (nextAt > job.timestamp + schedule.giveUpAfterMs) {
      await store.attempted(delivery.id, { outcome: 'failed', status: result.status, error: result.error });
      log.warn({ deliveryId: delivery.id, attempts: failed }, 'webhook failed for good');
      throw new UnrecoverableError(result.error);
    }
    await store.attempted(delivery.id, {
      outcome: 'retry',
      status: result.status,
      error: result.error,
      nextAttemptAt: new Date(nextAt),
    });
    log.debug({ deliveryId: delivery.id, attempts: failed }, 'webhook attempt failed');
    throw new AttemptFailedError(result.error);
  };
  const worker = new Worker<unknown>(WEBHOOK_QUEUE, attempt, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? 16,
    settings: { backoffStrategy: (failed: number) => retryDelay(failed, schedule) },
  });
  worker.on('error', (error) => log.warn({ err: error }, 'webhook worker error'));
  return worker;
}
