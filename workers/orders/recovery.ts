/**
 * Keeps Redis consistent with PostgreSQL over time:
 * - a BullMQ job scheduler reconciles every live drop every RECONCILE_EVERY_MS (compare; rebuild what Redis lost,
 *   what is behind PostgreSQL, and what diverged once nothing is in flight);
 * - `watch`, one pass that infra/ runs every WATCH_EVERY_MS with its ticker:
 *   - a sentinel key tells a Redis that lost its data (restarted without persistence, flushed): when it is gone, the
 *     drops are mirrored and scheduled again (their delayed jobs were in Redis too), their units rebuilt, and the job
 *     scheduler set up again (one SET NX);
 *   - Redis's run_id tells a restart: a Redis that came back from an older RDB or AOF, or a promoted replica, keeps
 *     the sentinel, so every live drop is reconciled at once;
 *   - every live drop's change counter is compared with PostgreSQL's (a read of each side): a drop whose Redis is
 *     behind — rolled back, whether or not Redis restarted — is fenced and rebuilt.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DropsService } from '../drops/index.js';
import type { Reconciler, Reconciliation } from './reconcile.js';

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

/** What one recovery keeps between calls: its queue, its worker once started, and Redis's last run_id seen. */
interface RecoveryState {
  queue: Queue;
  worker?: Worker;
  lastRunId?: string;
}

function report(log: Logger, dropId: string, result: Reconciliation): void {
  const facts = {
    dropId,
    verdict: result.verdict,
    seq: result.seq,
    redis: result.redis,
    postgres: result.postgres,
  };
  if (result.rebuilt)
    log.warn(
      { ...facts, ...result.rebuilt },
      result.verdict === 'lost'
        ? 'Redis lost the drop’s units: rebuilt them from PostgreSQL'
        : 'Redis was older than PostgreSQL or disagreed with it: fenced the drop and rebuilt it from PostgreSQL',
    );
  else if (result.verdict !== 'ok')
    log.error(facts, 'Redis cannot be trusted for this drop and was not rebuilt');
  else if (!result.matches) log.debug(facts, 'Redis and PostgreSQL differ (events in flight)');
}

/** Rebuilds every live drop whose Redis is behind PostgreSQL or still fenced. */
async function rebuildBehind({ drops, reconciler, log }: RecoveryDeps): Promise<void> {
  const live = (await drops.listLive()).filter((d) => d.status !== 'scheduled').map((d) => d.id);
  for (const found of await reconciler.behind(live)) {
    if (found.verified || found.redis < found.postgres)
      log.error(
        found,
        'Redis is behind PostgreSQL for this drop (it came back older): fencing and rebuilding',
      );
    else log.warn(found, 'Redis restarted: comparing the drop with PostgreSQL before it sells again');
    try {
      report(log, found.dropId, await reconciler.reconcile(found.dropId, { rebuild: true }));
    } catch (error) {
      log.error({ err: error, dropId: found.dropId }, 'rebuilding the drop failed');
    }
  }
}

async function reconcileAll({ drops, reconciler, log }: RecoveryDeps): Promise<void> {
  const live = (await drops.listLive()).filter((d) => d.status !== 'scheduled');
  for (const drop of live) {
    try {
      const result = await reconciler.reconcile(drop.id, { rebuild: true });
      report(log, drop.id, result);
    } catch (error) {
      log.error({ err: error, dropId: drop.id }, 'reconciliation failed');
    }
  }
}

/** One pass of the watch: the sentinel, then Redis's run_id, then the drops behind PostgreSQL. */
async function watch(deps: RecoveryDeps, state: RecoveryState): Promise<void> {
  const { redis, sentinelKey, drops, log } = deps;
  const fresh = await redis.set(sentinelKey, String(Date.now()), 'NX');
  if (fresh !== 'OK') {
    const runId = /^run_id:(\w+)/m.exec(await redis.info('server'))?.[1];
    const restarted = state.lastRunId !== undefined && runId !== state.lastRunId;
    state.lastRunId = runId;
    if (!restarted) return rebuildBehind(deps);
    log.warn(
      { runId },
      'Redis restarted with our data (from a snapshot, or a promoted replica): reconciling',
    );
    return reconcileAll(deps);
  }
  state.lastRunId = undefined;
  log.info(
    'Redis has no data of ours (first start, or it lost its data): mirroring, scheduling and rebuilding',
  );
  await drops.resumeAll();
  await reconcileAll(deps);
  await state.queue.upsertJobScheduler(RECONCILE_JOB, { every: RECONCILE_EVERY_MS }, { name: RECONCILE_JOB });
}

function startWorker(deps: RecoveryDeps, state: RecoveryState): void {
  const { connection, prefix, log } = deps;
  if (state.worker) return;
  state.worker = new Worker(
    RECONCILE_QUEUE,
    async (job) => {
      if (job.name === RECONCILE_JOB) await reconcileAll(deps);
    },
    { connection, prefix },
  );
  state.worker.on('error', (error) => log.warn({ err: error }, 'reconcile worker error'));
}

export function createRecovery(deps: RecoveryDeps): Recovery {
  const { connection, prefix } = deps;
  // Taken once, as a factory's deps are: later changes to the object passed in are not seen.
  const ctx: RecoveryDeps = { ...deps };
  const state: RecoveryState = { queue: new Queue(RECONCILE_QUEUE, { connection, prefix }) };
  return {
    reconcileAll: () => reconcileAll(ctx),
    watch: () => watch(ctx, state),
    startWorker: () => startWorker(ctx, state),
    async stop() {
      await state.worker?.close();
      await state.queue.close();
    },
  };
}
