/**
 * What every role of a process shares: the stores, the waiting room, the holds, checkout, the drop service and
 * reconciliation, each given its clients and clock — and the facts one room owns and another needs, wired here
 * and nowhere else: the inventory's stock key for the waiting room, the waiting room's active-set key for the holds.
 */
import type { Logger } from 'pino';
import { hashPassword } from '../../edge/index.js';
import {
  createDropMirror,
  createHolds,
  createInventoryBackground,
  createInventoryKeys,
  createRebuild,
  createStockReader,
} from '../../inventory/index.js';
import { createQueueKeys, createWaitingRoom } from '../../queue/index.js';
import {
  createCheckout,
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
import { createOrdersStore, createReconciler } from '../../workers/orders/index.js';
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

export async function composeCore(conn: Connections, { config, log, clock, relays }: CoreOptions) {
  const { sql, redis, js, jsm } = conn;
  const events = { ...config.events, durable: 'workers' };
  await ensureEventStream(jsm, events);
  // While NATS is down, publishing fails at once (pay answers 503; the relay tries again on its next tick).
  const publishing = { ready: conn.natsConnected };
  const publishEvent = createEventPublisher(js, events, publishing);
  const inventoryKeys = createInventoryKeys(config.redisPrefix);
  const queueKeys = createQueueKeys(config.redisPrefix);
  const stockKey = (dropId: string) => inventoryKeys.stock(dropId);
  const waitingRoom = createWaitingRoom({ redis, keys: queueKeys, stockKey, clock });
  const holds = createHolds({
    redis,
    keys: inventoryKeys,
    activeKey: (dropId) => queueKeys.active(dropId),
    clock,
  });
  const stock = createStockReader({ redis, keys: inventoryKeys });
  const rebuild = createRebuild({
    redis,
    keys: inventoryKeys,
    activeKey: (dropId) => queueKeys.active(dropId),
    clock,
  });
  const users = createUsersStore(sql);
  const orders = createOrdersStore(sql);
  // Only the test provider exists (config.payments). A test that kills a process mid-payment makes one of its
  // operations hang; nothing else reads this variable, and production never does.
  const hang = config.env === 'production' ? undefined : testProviderHang(process.env.TEST_PROVIDER_HANG);
  const payments = createTestPaymentProvider({ sql, ...(hang ? { hang } : {}) });
  const paymentsStore = createPaymentsStore(sql);
  const bullPrefix = `${config.redisPrefix}bull`;
  const scheduler = createDropScheduler({ connection: conn.bullConnection, prefix: bullPrefix, clock });
  const mirror = createDropMirror({ redis, keys: inventoryKeys });
  const drops = createDropsService({
    store: createDropsStore(sql),
    brandExists: (id) => users.brandExists(id),
    mirror: async (drop) => {
      await mirror.write(drop);
      await waitingRoom.configure(drop);
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
  const onError = (error: unknown, context = 'inventory background') => {
    // While NATS is down the relay fails on every tick; the outage is logged once, by its connection.
    if (error instanceof EventsUnavailableError && !conn.natsConnected()) return;
    log.error({ err: error, context }, 'inventory background failed');
  };
  const sweeper = createInventoryBackground({
    redis,
    keys: inventoryKeys,
    holds,
    publish: publishEvent,
    relays,
    onError,
    takeLease: createLease(redis),
  });
  return {
    events,
    inventoryKeys,
    queueKeys,
    stockKey,
    waitingRoom,
    holds,
    stock,
    users,
    orders,
    payments,
    bullPrefix,
    scheduler,
    drops,
    backlog,
    paymentsStore,
    checkout: createCheckout({
      holds,
      provider: payments,
      publish: publishEvent,
      payments: paymentsStore,
      eventsReady: conn.natsConnected,
    }),
    /** Ends the authorizations left open (run by the workers role's job scheduler). */
    settler: createPaymentSettler({
      payments: paymentsStore,
      provider: payments,
      holds,
      paidOrders: async (ids) => {
        const found = await Promise.all(ids.map((id) => orders.get(id)));
        return new Set(found.flatMap((o) => (o?.status === 'paid' ? [o.id] : [])));
      },
      clock,
      log,
    }),
    reconciler: createReconciler({ drops, orders, holds, rebuild, backlog, clock }),
    /** Sweeps overdue holds and relays outboxes four times a second once started. */
    background: { ...sweeper, ...createTicker({ everyMs: 250, run: sweeper.runOnce, onError }) },
  };
}

function testProviderHang(value: string | undefined): 'authorize' | 'capture' | 'void' | undefined {
  return value === 'authorize' || value === 'capture' || value === 'void' ? value : undefined;
}

/** Creates the first operator from the configuration, once. */
export async function ensureOperator({ config, log }: CoreOptions, core: Core): Promise<void> {
  if (!config.operator) return;
  const created = await core.users.ensure({
    email: config.operator.email,
    passwordHash: await hashPassword(config.operator.password),
    role: 'operator',
  });
  if (created) log.info({ email: config.operator.email }, 'created the first operator');
}
