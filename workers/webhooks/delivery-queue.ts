/**
 * Deliveries go through a BullMQ queue this room owns: one job per delivery, its job id the delivery's id, so a
 * delivery enqueued twice (by the intake and by the sweep, or by two processes) is one job. A job is kept a week
 * after it completes or fails, so that a repeat enqueue in that time does nothing either.
 *
 * The retry schedule: a failed attempt is tried again after `firstMs`, doubling up to `maxMs` between attempts,
 * until the next attempt would fall later than `giveUpAfterMs` after the job was made; then the delivery has
 * failed. By default 30 s, 1 min, 2 min … 1 h, then hourly, for a day: about 30 attempts.
 */
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';

export const WEBHOOK_QUEUE = 'webhook-deliveries';
export const WEBHOOK_JOB = 'webhook.deliver';
const webhookJob = z.object({ v: z.literal(1), deliveryId: z.uuid() });
export type WebhookJob = z.infer<typeof webhookJob>;
export const parseWebhookJob = (data: unknown): WebhookJob | null => {
  const parsed = webhookJob.safeParse(data);
  return parsed.success ? parsed.data : null;
};

export interface RetrySchedule {
  firstMs: number;
  maxMs: number;
  giveUpAfterMs: number;
}

export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = {
  firstMs: 30_000,
  maxMs: 3_600_000,
  giveUpAfterMs: 24 * 3_600_000,
};

/** The wait before attempt `n + 1`, after `n` failed attempts (n ≥ 1). */
export const retryDelay = (failed: number, s: RetrySchedule) =>
  Math.min(s.firstMs * 2 ** Math.min(failed - 1, 40), s.maxMs);

/** BullMQ's own limit, never reached: the schedule's day ends the retries first. */
const MAX_ATTEMPTS = 1000;
const KEEP_SECONDS = 7 * 86_400;

const JOB_OPTIONS = {
  attempts: MAX_ATTEMPTS,
  backoff: { type: 'webhook' },
  removeOnComplete: { age: KEEP_SECONDS },
  removeOnFail: { age: KEEP_SECONDS },
} as const;

export interface DeliveryQueue {
  /** Enqueues each delivery unless it has a job already (waiting, delayed, running, or finished this week). */
  enqueue(deliveryIds: string[]): Promise<void>;
  /**
   * Enqueues a delivery afresh, to be attempted now with a new day of retries: its former job is removed first.
   * False when its job is being attempted at this moment.
   */
  enqueueNow(deliveryId: string): Promise<boolean>;
  close(): Promise<void>;
}

export function createDeliveryQueue({
  connection,
  prefix,
}: {
  connection: Redis;
  prefix: string;
}): DeliveryQueue {
  const queue = new Queue<WebhookJob>(WEBHOOK_QUEUE, { connection, prefix });
  const add = (deliveryId: string) =>
    queue.add(WEBHOOK_JOB, { v: 1, deliveryId }, { ...JOB_OPTIONS, jobId: deliveryId });
  return {
    async enqueue(deliveryIds) {
      if (deliveryIds.length === 0) return;
      await queue.addBulk(
        deliveryIds.map((deliveryId) => ({
          name: WEBHOOK_JOB,
          data: { v: 1 as const, deliveryId },
          opts: { ...JOB_OPTIONS, jobId: deliveryId },
        })),
      );
    },
    async enqueueNow(deliveryId) {
      const job: Job<WebhookJob> | undefined = await queue.getJob(deliveryId);
      if (job) {
        if ((await job.getState()) === 'active') return false;
        try {
          await job.remove();
        } catch {
          // Taken by a worker between the two calls.
          return false;
        }
      }
      await add(deliveryId);
      return true;
    },
    close: () => queue.close(),
  };
}
