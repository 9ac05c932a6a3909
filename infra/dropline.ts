/**
 * The composition root: opens the connections (PostgreSQL, Redis, NATS), applies migrations, builds every folder's
 * services with their clients and clock, and starts the roles asked for — the edge (HTTP API), the workers (jobs,
 * consumers), or both. `npm start` runs both in one process; `npm run edge` / `npm run workers` run one each.
 */
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Worker } from 'bullmq';
import type { Hono } from 'hono';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createAdapter } from '@socket.io/redis-adapter';
import {
  attachGateway,
  createAdmissionTokens,
  createApp,
  createStockCache,
  createEdgeKeys,
  createRateLimiter,
  createTokenService,
  hashPassword,
  startServer,
  type Gateway,
  type RunningServer,
  unlimited,
} from '../edge/index.js';
import type { EdgeEnv } from '../edge/index.js';
import {
  createDropMirror,
  createHolds,
  createInventoryBackground,
  createInventoryKeys,
  createStockReader,
  type Holds,
  type InventoryBackground,
} from '../inventory/index.js';
import {
  createAdmissionController,
  createQueueKeys,
  createWaitingRoom,
  type AdmissionController,
  type WaitingRoom,
} from '../queue/index.js';
import {
  createCheckout,
  createTestPaymentProvider,
  type TestPaymentProvider,
} from '../workers/checkout/index.js';
import {
  createDropScheduler,
  createDropsService,
  createDropsStore,
  startDropScheduleWorker,
  type DropsService,
} from '../workers/drops/index.js';
import { createEventPublisher, createStatusPublisher, ensureEventStream } from '../workers/events/index.js';
import { createUsersStore, type UsersStore } from '../workers/identity/index.js';
import {
  createOrdersStore,
  createReconciler,
  createRecovery,
  startEventProjector,
  WATCH_EVERY_MS,
  type EventProjector,
  type OrdersStore,
  type Reconciler,
  type Recovery,
} from '../workers/orders/index.js';
import type { Config } from './config.js';
import { connectPostgres, ensureDatabase, type Sql } from './db.js';
import { migrate } from './migrate.js';
import { createLease, createTicker, startTicker, type Ticker } from './kit/index.js';
import { loadScripts } from './redis.js';

export interface DroplineOptions {
  config: Config;
  log: Logger;
  roles: { edge: boolean; workers: boolean };
  clock?: Pick<DateConstructor, 'now'>;
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
}: DroplineOptions): Promise<Dropline> {
  await ensureDatabase(config.databaseUrl, log);
  const sql = connectPostgres(config.databaseUrl);
  const applied = await migrate(sql);
  if (applied.length > 0) log.info({ versions: applied }, 'applied migrations');

  const redis = loadScripts(
    new Redis(config.redisUrl, { maxRetriesPerRequest: 3, enableAutoPipelining: true }),
  );
  // BullMQ's connections must retry forever; workers block on them.
  const bullConnection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  // noAsyncTraces: nats.js would otherwise build two Error objects (stack traces) for every request, JetStream
  // publishes included, whose failures are logged with their own cause anyway.
  const nats = await connectNats({
    servers: config.natsUrl,
    name: `dropline-${process.pid}`,
    noAsyncTraces: true,
  });
  const jsm = await jetstreamManager(nats);
  await jsm.getAccountInfo().catch((error: unknown) => {
    throw new Error(`NATS at ${config.natsUrl} has no JetStream (start nats-server with -js)`, {
      cause: error,
    });
  });

  const js = jetstream(nats);
  const eventsConfig = { ...config.events, durable: 'workers' };
  await ensureEventStream(jsm, eventsConfig);
  const publishEvent = createEventPublisher(js, eventsConfig);

  const users = createUsersStore(sql);
  const orders = createOrdersStore(sql);
  const inventoryKeys = createInventoryKeys(config.redisPrefix);
  const mirror = createDropMirror({ redis, keys: inventoryKeys });
  const stock = createStockReader({ redis, keys: inventoryKeys });
  // queue/ learns a drop's available units from the inventory's stock hash, named here and nowhere in queue/.
  const stockKey = (dropId: string) => inventoryKeys.stock(dropId);
  const queueKeys = createQueueKeys(config.redisPrefix);
  const waitingRoom = createWaitingRoom({ redis, keys: queueKeys, stockKey, clock });
  // ... and the inventory keeps a shopper active in the waiting room while it holds units, through this key.
  const holds = createHolds({
    redis,
    keys: inventoryKeys,
    activeKey: (dropId) => queueKeys.active(dropId),
    clock,
  });
  const payments = createTestPaymentProvider();
  const checkout = createCheckout({ holds, provider: payments, publish: publishEvent });
  const inventoryBackground = createInventoryBackground({
    redis,
    keys: inventoryKeys,
    holds,
    publish: publishEvent,
    takeLease: createLease(redis),
    // The workers relay outboxes to JetStream; an edge process only sweeps expiries, leaving its CPU to requests.
    relays: roles.workers,
    onError: (error, context) => log.error({ err: error, context }, 'inventory background failed'),
  });
  const bullPrefix = `${config.redisPrefix}bull`;
  const scheduler = createDropScheduler({ connection: bullConnection, prefix: bullPrefix, clock });
  const drops = createDropsService({
    store: createDropsStore(sql),
    brandExists: (id) => users.brandExists(id),
    mirror: async (drop) => {
      await mirror.write(drop);
      await waitingRoom.configure(drop);
    },
    scheduling: scheduler,
    publishStatus: createStatusPublisher(js, eventsConfig),
    clock,
  });

  if (config.operator) {
    const created = await users.ensure({
      email: config.operator.email,
      passwordHash: await hashPassword(config.operator.password),
      role: 'operator',
    });
    if (created) log.info({ email: config.operator.email }, 'created the first operator');
  }

  const workers: Worker[] = [];
  let consumer: EventProjector | undefined;
  let recovery: Recovery | undefined;
  let recoveryWatch: Ticker | undefined;
  const backlog = async () => {
    const info = await jsm.consumers.info(eventsConfig.stream, eventsConfig.durable);
    return info.num_pending + info.num_ack_pending;
  };
  const reconciler = createReconciler({ drops, orders, holds, stock, backlog, clock });
  if (roles.workers) {
    workers.push(
      startDropScheduleWorker({ connection: bullConnection, prefix: bullPrefix, drops, clock, log }),
    );
    const resumed = await drops.resumeAll();
    log.info({ drops: resumed }, 'workers started; live drops mirrored and scheduled');
    recovery = createRecovery({
      redis,
      connection: bullConnection,
      prefix: bullPrefix,
      sentinelKey: `${config.redisPrefix}sentinel`,
      drops,
      reconciler,
      log,
    });
    recovery.startWorker();
    recoveryWatch = startTicker({
      everyMs: WATCH_EVERY_MS,
      run: recovery.watch,
      onError: (error) => log.error({ err: error }, 'recovery watch failed'),
    });
    consumer = startEventProjector({
      js,
      config: eventsConfig,
      orders,
      onDropEvent: (event) =>
        drops.applyAvailability(event.dropId, event.type === 'drop.sold_out', event.seq),
      log,
    });
  }
  // Every serving process sweeps overdue holds and relays outboxes (a lease keeps one relay per drop at a time).
  const background = {
    ...inventoryBackground,
    ...createTicker({
      everyMs: 250,
      run: inventoryBackground.runOnce,
      onError: (error) => log.error({ err: error }, 'inventory background failed'),
    }),
  };
  if (roles.edge || roles.workers) background.start();

  const eventsPending = async (dropId: string) => {
    const [outbox, pending] = await Promise.all([redis.xlen(inventoryKeys.outbox(dropId)), backlog()]);
    return outbox + pending;
  };

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const tokens = createTokenService({ secret: config.jwtSecret, ttlSeconds: config.tokenTtlSeconds, clock });
  const admissionTokens = createAdmissionTokens({ key: tokens.key, clock });
  let server: RunningServer | undefined;
  let gateway: Gateway | undefined;
  let adapterClients: Redis[] = [];

  const controller = roles.edge
    ? createAdmissionController({
        redis,
        keys: queueKeys,
        stockKey,
        clock,
        admissionWindowSeconds: config.admissionWindowSeconds,
        onTick: (result) => gateway?.onTick(result),
        onError: (error) => log.error({ err: error }, 'admission tick failed'),
      })
    : undefined;
  const admission = controller && {
    ...controller,
    ...createTicker({
      everyMs: 250,
      run: controller.tickAll,
      onError: (error) => log.error({ err: error }, 'admission tick failed'),
    }),
  };
  admission?.start();

  const edgeKeys = createEdgeKeys(config.redisPrefix);
  const limiter = (name: string, perMinute: number) =>
    config.rateLimits.enabled
      ? createRateLimiter({ redis, keys: edgeKeys, name, limit: perMinute, windowSeconds: 60, log, clock })
      : unlimited;
  const limiters = {
    guest: limiter('guest', config.rateLimits.guestPerMinute),
    join: limiter('join', config.rateLimits.joinPerMinute),
  };
  const edge = roles.edge
    ? createApp({
        log,
        registry,
        tokens,
        admissionTokens,
        users,
        drops,
        waitingRoom,
        stock,
        stockCache: createStockCache({
          read: async (dropId) => {
            const snapshot = await stock.snapshot(dropId);
            return snapshot && { dropId, ...snapshot, asOf: new Date(clock.now()).toISOString() };
          },
          clock,
        }),
        holds,
        checkout,
        orders,
        eventsPending,
        readiness: {
          redis: () => redis.ping(),
          nats: () => jsm.getAccountInfo(),
          postgres: () => sql`SELECT 1`,
        },
        bodyLimitBytes: config.bodyLimitBytes,
        cookieSecure: config.cookieSecure,
        limiters,
        trustProxy: config.trustProxy,
        webRoot: fileURLToPath(new URL('../web/dist', import.meta.url)),
      })
    : undefined;
  const app = edge?.app;

  return {
    app,
    sql,
    redis,
    nats,
    users,
    drops,
    waitingRoom,
    holds,
    orders,
    payments,
    background,
    reconciler,
    admission,
    gateway: () => gateway,
    async listen(port, host) {
      if (!app) throw new Error('this process does not run the edge role');
      server = await startServer(app, {
        port,
        host,
        backlog: config.listenBacklog,
        fastPath: edge?.fastPath,
      });
      // Socket.IO's Redis adapter carries events between edges; its channels share the deployment's prefix.
      adapterClients = [redis.duplicate(), redis.duplicate()];
      gateway = attachGateway(server.server, {
        tokens,
        admissionTokens,
        waitingRoom,
        log,
        clock,
        joinLimiter: limiters.join,
        trustProxy: config.trustProxy,
        adapter: createAdapter(adapterClients[0], adapterClients[1], {
          key: `${config.redisPrefix}socket.io`,
        }),
      });
      return server;
    },
    async close() {
      const timeoutMs = config.shutdownTimeoutSeconds * 1000;
      await admission?.stop();
      await background.stop();
      // Sockets first: their long-polling requests would otherwise hold the HTTP server open until the deadline.
      await gateway?.close();

      await server?.stop(timeoutMs);
      await Promise.all(workers.map((w) => w.close()));
      await consumer?.stop();
      await recoveryWatch?.stop();
      await recovery?.stop();
      await scheduler.close();
      await nats.drain().catch(() => {});
      // quit, not disconnect: replies still in flight (the adapter's unsubscribes) are awaited, not failed.
      await Promise.all(
        [redis, bullConnection, ...adapterClients].map((client) => client.quit().catch(() => {})),
      );
      await sql.end({ timeout: 5 });
    },
  };
}
