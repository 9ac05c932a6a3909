/**
 * The workers role: BullMQ opens and closes drops at their time, every live drop is mirrored and scheduled again
 * at start, recovery watches for a Redis that lost its data and reconciles drops, and the event projector applies
 * JetStream's events to PostgreSQL; the payments job ends every authorization left open.
 */
import type { Logger } from 'pino';
import { isOutage } from '../../edge/index.js';
import { startPaymentSettleJob } from '../../workers/checkout/index.js';
import { startDropScheduleWorker } from '../../workers/drops/index.js';
import { createRecovery, startEventProjector, WATCH_EVERY_MS } from '../../workers/orders/index.js';
import type { Config } from '../config.js';
import { startTicker } from '../kit/index.js';
import type { Connections } from './connections.js';
import type { Core } from './core.js';

export interface WorkersRole {
  stop(): Promise<void>;
}

export async function startWorkersRole(
  conn: Connections,
  core: Core,
  { config, log, clock }: { config: Config; log: Logger; clock: Pick<DateConstructor, 'now'> },
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
  const settle = await startPaymentSettleJob({
    connection,
    prefix: core.bullPrefix,
    settler: core.settler,
    log,
  });
  return {
    async stop() {
      await settle.stop();
      await scheduleWorker.close();
      await projector.stop();
      await watch.stop();
      await recovery.stop();
    },
  };
}
