/**
 * The composition root: opens the connections (roots/connections.ts), builds what every role shares
 * (roots/core.ts), and starts the roles asked for — the edge (roots/edge-role.ts: HTTP API, admission, Socket.IO),
 * the workers (roots/workers-role.ts: scheduled jobs, recovery, the event projector), or both. `npm start` runs
 * both in one process; `npm run edge` / `npm run workers` run one each.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Hono } from 'hono';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { EdgeEnv, Gateway, RunningServer } from '../edge/index.js';
import type { Holds, InventoryBackground } from '../inventory/index.js';
import type { AdmissionController, WaitingRoom } from '../queue/index.js';
import type { TestPaymentProvider } from '../workers/checkout/index.js';
import type { DropsService } from '../workers/drops/index.js';
import type { UsersStore } from '../workers/identity/index.js';
import type { OrdersStore, Reconciler } from '../workers/orders/index.js';
import type { RetrySchedule, Webhooks } from '../workers/webhooks/index.js';
import type { Config } from './config.js';
import type { Sql } from './db.js';
import type { Ticker } from './kit/index.js';
import { openConnections } from './roots/connections.js';
import { composeCore, ensureOperator } from './roots/core.js';
import { composeEdge } from './roots/edge-role.js';
import { startWorkersRole } from './roots/workers-role.js';

export interface DroplineOptions {
  config: Config;
  log: Logger;
  roles: { edge: boolean; workers: boolean };
  clock?: Pick<DateConstructor, 'now'>;
  /** The webhooks' retry schedule (tests make it short); 30 s doubling to 1 h, for a day, by default. */
  webhookRetry?: RetrySchedule;
}

export interface Dropline {
  app: Hono<EdgeEnv> | undefined;
  sql: Sql;
  redis: Redis;
  nats: NatsConnection;
  users: UsersStore;
  drops: DropsService;
  waitingRoom: WaitingRoom;
  holds: Holds;
  orders: OrdersStore;
  /** The test payment provider (the only one so far): what it captured and voided. */
  payments: TestPaymentProvider;
  reconciler: Reconciler;
  /** Brands' webhooks: endpoints, deliveries, `orderShipped`, and the sweep of deliveries left without a job. */
  webhooks: Webhooks;
  /** Sweeps overdue holds and relays outboxes four times a second; `runOnce` for tests that drive it by hand. */
  background: InventoryBackground & Ticker;
  /** The admission controller (edge role), ticking every live drop four times a second. */
  admission: (AdmissionController & Ticker) | undefined;
  /** The Socket.IO gateway, once `listen` has started it. */
  gateway(): Gateway | undefined;
  /** Starts the HTTP server and the Socket.IO gateway on it (edge role only). */
  listen(port: number, host: string): Promise<RunningServer>;
  /** Stops serving, lets work in flight finish, then closes every connection. */
  close(): Promise<void>;
}

export async function createDropline({
  config,
  log,
  roles,
  clock = Date,
  webhookRetry,
}: DroplineOptions): Promise<Dropline> {
  const options = { config, log, clock };
  const conn = await openConnections(config, log);
  // The workers relay outboxes to JetStream; an edge process only sweeps expiries, leaving its CPU to requests.
  const core = await composeCore(conn, { ...options, relays: roles.workers });
  await ensureOperator({ ...options, relays: roles.workers }, core);
  const workers = roles.workers
    ? await startWorkersRole(conn, core, { ...options, ...(webhookRetry ? { webhookRetry } : {}) })
    : undefined;
  // Every serving process sweeps overdue holds (a lease keeps one relay per drop at a time); a one-off command
  // (npm run reconcile) runs neither role and sweeps nothing.
  if (roles.edge || roles.workers) core.background.start();
  const edge = roles.edge ? composeEdge(conn, core, options) : undefined;
  await edge?.start();
  edge?.admission.start();

  return {
    app: edge?.app,
    sql: conn.sql,
    redis: conn.redis,
    nats: conn.nats,
    users: core.users,
    drops: core.drops,
    waitingRoom: core.waitingRoom,
    holds: core.holds,
    orders: core.orders,
    payments: core.payments,
    background: core.background,
    reconciler: core.reconciler,
    webhooks: core.webhooks,
    admission: edge?.admission,
    gateway: () => edge?.gateway(),
    async listen(port, host) {
      if (!edge) throw new Error('this process does not run the edge role');
      return edge.listen(port, host);
    },
    async close() {
      await edge?.close(config.shutdownTimeoutSeconds * 1000);
      await core.background.stop();
      await workers?.stop();
      await core.scheduler.close();
      await core.webhooks.close();
      await conn.close();
    },
  };
}
