/**
 * Keeps Redis consistent with PostgreSQL over time:
 * - a BullMQ job scheduler reconciles every live drop every RECONCILE_EVERY_MS (compare; rebuild what Redis lost);
 * - a sentinel key tells a Redis that lost its data (restarted without persistence, flushed): when it is gone, the
 *   drops are mirrored and scheduled again (their delayed jobs were in Redis too), their units rebuilt, and the job
 *   scheduler set up again. Checking the sentinel is one SET NX every few seconds.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DropsService } from './drops.js';
import type { Reconciler } from './reconcile.js';

export const RECONCILE_QUEUE = 'reconcile';
export const RECONCILE_JOB = 'drops.reconcile';
const RECONCILE_EVERY_MS = 30_000;

export interface RecoveryDeps {
  redis: Redis;
  /** BullMQ's connection (maxRetriesPerRequest: null) and prefix. */
  connection: Redis;
  prefix: string;
  sentinelKey: string;
  drops: DropsService;
  reconciler: Reconciler;
  log: Logger;
  watchEveryMs?: number;
}

export function startRecovery({
  redis,
  connection,
  prefix,
  sentinelKey,
  drops,
  reconciler,
  log,
  watchEveryMs = 2000,
}: RecoveryDeps) {
  const queue = new Queue(RECONCILE_QUEUE, { connection, prefix });

  /** Reconciles every drop that is selling; rebuilds what Redis lost. */
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

  async function watch(): Promise<void> {
    const fresh = await redis.set(sentinelKey, String(Date.now()), 'NX');
    if (fresh !== 'OK') return;
    log.info(
      'Redis has no data of ours (first start, or it lost its data): mirroring, scheduling and rebuilding',
    );
    await drops.resumeAll();
    await reconcileAll();
    await queue.upsertJobScheduler(RECONCILE_JOB, { every: RECONCILE_EVERY_MS }, { name: RECONCILE_JOB });
  }

  const worker = new Worker(
    RECONCILE_QUEUE,
    async (job) => {
      if (job.name === RECONCILE_JOB) await reconcileAll();
    },
    { connection, prefix },
  );
  worker.on('error', (error) => log.warn({ err: error }, 'reconcile worker error'));

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = watch()
      .catch((error: unknown) => log.error({ err: error }, 'recovery watch failed'))
      .finally(() => {
        if (timer !== undefined) timer = setTimeout(tick, watchEveryMs);
      });
  };
  timer = setTimeout(tick, 0);

  return {
    reconcileAll,
    watch,
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await running;
      await worker.close();
      await queue.close();
    },
  };
}
