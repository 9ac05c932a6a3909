/**
 * Keeps Redis consistent with PostgreSQL over time:
 * - a BullMQ job scheduler reconciles every live drop every RECONCILE_EVERY_MS (compare; rebuild what Redis lost);
 * - a sentinel key tells a Redis that lost its data (restarted without persistence, flushed): when it is gone, the
 *   drops are mirrored and scheduled again (their delayed jobs were in Redis too), their units rebuilt, and the job
 *   scheduler set up again. Checking the sentinel is one SET NX: `watch` is one pass, which infra/ runs every
 *   WATCH_EVERY_MS with its ticker.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DropsService } from '../drops/index.js';
import type { Reconciler } from './reconcile.js';

export const RECONCILE_QUEUE = 'reconcile';
export const RECONCILE_JOB = 'drops.reconcile';
const RECONCILE_EVERY_MS = 30_000;
/** How often the sentinel is checked: how long a Redis that lost its data may go unnoticed. */
export const WATCH_EVERY_MS = 2000;

export interface RecoveryDeps {
  redis: Redis;
  /** BullMQ's connection (maxRetriesPerRequest: null) and prefix. */
  connection: Redis;
  prefix: string;
  sentinelKey: string;
  drops: DropsService;
  reconciler: Reconciler;
  log: Logger;
}

export interface Recovery {
  /** Reconciles every drop that is selling; rebuilds what Redis lost. */
  reconcileAll: () => Promise<void>;
  /** One check of the sentinel; when Redis lost its data, mirrors, schedules and rebuilds every live drop. */
  watch: () => Promise<void>;
  /** Starts the BullMQ worker that runs the scheduled reconcile job. */
  startWorker: () => void;
  /** Closes the worker (letting a job in flight finish) and the queue. */
  stop: () => Promise<void>;
}

export function createRecovery({
  redis,
  connection,
  prefix,
  sentinelKey,
  drops,
  reconciler,
  log,
}: RecoveryDeps): Recovery {
  const queue = new Queue(RECONCILE_QUEUE, { connection, prefix });
  let worker: Worker | undefined;

  async function reconcileAll(): Promise<void> {
    const live = (await drops.listLive()).filter((d) => d.status !== 'scheduled');
    for (const drop of live) {
      try {
        const result = await reconciler.reconcile(drop.id, { rebuild: true });
        if (result.rebuilt)
          log.warn(
            { dropId: drop.id, ...result.rebuilt },
            'rebuilt the drop’s units in Redis from PostgreSQL',
          );
        else if (!result.matches)
          log.info(
            { dropId: drop.id, redis: result.redis, postgres: result.postgres },
            'Redis and PostgreSQL differ (events in flight?)',
          );
      } catch (error) {
        log.error({ err: error, dropId: drop.id }, 'reconciliation failed');
      }
    }
  }

  return {
    reconcileAll,
    async watch() {
      const fresh = await redis.set(sentinelKey, String(Date.now()), 'NX');
      if (fresh !== 'OK') return;
      log.info(
        'Redis has no data of ours (first start, or it lost its data): mirroring, scheduling and rebuilding',
      );
      await drops.resumeAll();
      await reconcileAll();
      await queue.upsertJobScheduler(RECONCILE_JOB, { every: RECONCILE_EVERY_MS }, { name: RECONCILE_JOB });
    },
    startWorker() {
      if (worker) return;
      worker = new Worker(
        RECONCILE_QUEUE,
        async (job) => {
          if (job.name === RECONCILE_JOB) await reconcileAll();
        },
        { connection, prefix },
      );
      worker.on('error', (error) => log.warn({ err: error }, 'reconcile worker error'));
    },
    async stop() {
      await worker?.close();
      await queue.close();
    },
  };
}
