/**
 * What every role of a process shares: the stores, the waiting room, the holds, checkout, the drop service and
 * reconciliation, each given its clients and clock — and the facts one room owns and another needs, wired here
 * and nowhere else: the inventory's stock key for the waiting room, the waiting room's active-set key for the holds.
 */
import type { Logger } from 'pino';
import { hashPassword, SCRYPT_COST } from '../../edge/index.js';
import {
  createDropMirror,
  createHolds,
  createInventoryBackground,
  createInventoryKeys,
  createRebuild,
  createStockReader,
  type Holds,
} from '../../inventory/index.js';
import { createQueueKeys, createWaitingRoom } from '../../queue/index.js';
import {
  createCheckout,
  createOrderDetailsStore,
  createPaymentSettler,
  createPaymentsStore,
  createTestPaymentProvider,
} from '../../workers/checkout/index.js';
import { createDropScheduler, createDropsService, createDropsStore } from '../../workers/drops/index.js';
import {
  createEventPublisher,
  createStatusPublisher,
  ensureEventStream,
  EventsUnavailableError,
} from '../../workers/events/index.js';
import { createUsersStore } from '../../workers/identity/index.js';
import { createOrdersStore, createReconciler, type OrdersStore } from '../../workers/orders/index.js';
import { createDeliveryQueue, createWebhooks, createWebhooksStore } from '../../workers/webhooks/index.js';
import type { Config } from '../config.js';
import { createLease, createTicker } from '../kit/index.js';
import type { Connections } from './connections.js';

export interface CoreOptions {
  config: Config;
  log: Logger;
  clock: Pick<DateConstructor, 'now'>;
  /** Whether this process relays outboxes to JetStream (the workers do; an edge beside them only sweeps). */
  relays: boolean;
}

export type Core = Awaited<ReturnType<typeof composeCore>>;

type PublishEvent = ReturnType<typeof createEventPublisher>;

/** queue/ and inventory/, each told the other's key it needs; the sweeper and relay on a ticker, not started. */
function composeRooms(conn: Connections, { config, log, clock, relays }: CoreOptions, publish: PublishEvent) {
  const { redis } = conn;
  const inventoryKeys = createInventoryKeys(config.redisPrefix);
  const queueKeys = createQueueKeys(config.redisPrefix);
  const stockKey = (dropId: string) => inventoryKeys.stock(dropId);
  const activeKey = (dropId: string) => queueKeys.active(dropId);
  const holds = createHolds({ redis, keys: inventoryKeys, activeKey, clock });
  const onError = (error: unknown, context = 'inventory background') => {
    // While NATS is down the relay fails on every tick; the outage is logged once, by its connection.
    if (error instanceof EventsUnavailableError && !conn.natsConnected()) return;
    log.error({ err: error, context }, 'inventory background failed');
  };
  const takeLease = createLease(redis);
  const sweeper = createInventoryBackground({
    redis,
    keys: inventoryKeys,
    holds,
    publish,
    relays,
    onError,
    takeLease,
  });
  return {
    inventoryKeys,
    queueKeys,
    stockKey,
    holds,
    waitingRoom: createWaitingRoom({
      redis,
      keys: queueKeys,
      stockKey,
      clock,
      challengeTtlMs: config.challenge.ttlSeconds * 1000,
    }),
    stock: createStockReader({ redis, keys: inventoryKeys }),
    mirror: createDropMirror({ redis, keys: inventoryKeys }),
    rebuild: createRebuild({ redis, keys: inventoryKeys, activeKey, clock }),
    /** Sweeps overdue holds and relays outboxes four times a second once started. */
    background: { ...sweeper, ...createTicker({ everyMs: 250, run: sweeper.runOnce, onError }) },
  };
}

/** Checkout, the payments record and the settle job, with the test provider (the only one so far). */
function composePayments(
  conn: Connections,
  { config, log, clock }: CoreOptions,
  { holds, orders, publish }: { holds: Holds; orders: OrdersStore; publish: PublishEvent },
) {
  const { sql } = conn;
  const hang = config.testProviderHang;
  const provider = createTestPaymentProvider({ sql, ...(hang ? { hang } : {}) });
  const paymentsStore = createPaymentsStore(sql);
  return {
    payments: provider,
    paymentsStore,
    checkout: createCheckout({
      holds,
      provider,
      publish,
      payments: paymentsStore,
      details: createOrderDetailsStore(sql),
      eventsReady: conn.natsConnected,
    }),
    /** Ends the authorizations left open (run by the workers role's job scheduler). */
    settler: createPaymentSettler({
      payments: paymentsStore,
      provider,
      holds,
      paidOrders: async (ids) => {
        const found = await Promise.all(ids.map((id) => orders.get(id)));
        return new Set(found.flatMap((o) => (o?.status === 'paid' ? [o.id] : [])));
      },
      clock,
      log,
    }),
  };
}

export async function composeCore(conn: Connections, options: CoreOptions) {
  const { config, clock } = options;
  const { sql, js, jsm } = conn;
  const events = { ...config.events, durable: 'workers' };
  await ensureEventStream(jsm, events);
  // While NATS is down, publishing fails at once (pay answers 503; the relay tries again on its next tick).
  const publishing = { ready: conn.natsConnected };
  const publishEvent = createEventPublisher(js, events, publishing);
  const rooms = composeRooms(conn, options, publishEvent);
  const users = createUsersStore(sql);
  const orders = createOrdersStore(sql);
  const bullPrefix = `${config.redisPrefix}bull`;
  const scheduler = createDropScheduler({ connection: conn.bullConnection, prefix: bullPrefix, clock });
  const drops = createDropsService({
    store: createDropsStore(sql),
    brandExists: (id) => users.brandExists(id),
    mirror: async (drop) => {
      await rooms.mirror.write(drop);
      await rooms.waitingRoom.configure(drop);
    },
    scheduling: scheduler,
    publishStatus: createStatusPublisher(js, events, publishing),
    clock,
  });
  /** Events the workers have not applied yet (the JetStream consumer's backlog). */
  const backlog = async () => {
    const info = await jsm.consumers.info(events.stream, events.durable);
    return info.num_pending + info.num_ack_pending;
  };
  const { holds, rebuild } = rooms;
  const webhooksStore = createWebhooksStore(sql);
  /** Brands' webhooks: the edge sets endpoints and enqueues shipments; the workers run the intake and sender. */
  const webhooks = createWebhooks({
    store: webhooksStore,
    queue: createDeliveryQueue({ connection: conn.bullConnection, prefix: bullPrefix }),
    drop: (id) => drops.get(id),
    rules: config.webhooks,
    clock,
  });
  return {
    ...rooms,
    ...composePayments(conn, options, { holds, orders, publish: publishEvent }),
    events,
    users,
    orders,
    bullPrefix,
    scheduler,
    drops,
    backlog,
    webhooks,
    webhooksStore,
    reconciler: createReconciler({ drops, orders, holds, rebuild, backlog, clock }),
  };
}

/** Creates the first operator from the configuration, once. */
export async function ensureOperator({ config, log }: CoreOptions, core: Core): Promise<void> {
  if (!config.operator) return;
  // A hash costs 128 MiB and a third of a second: none when the operator exists already.
  if (await core.users.findByEmail(config.operator.email)) return;
  const created = await core.users.ensure({
    email: config.operator.email,
    passwordHash: await hashPassword(config.operator.password, {
      ...SCRYPT_COST,
      N: config.passwordHashing.scryptN,
    }),
    role: 'operator',
  });
  if (created) log.info({ email: config.operator.email }, 'created the first operator');
}
