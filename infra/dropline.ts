/**
 * The composition root: opens the connections (PostgreSQL, Redis, NATS), applies migrations, builds every folder's
 * services with their clients and clock, and starts the roles asked for — the edge (HTTP API), the workers (jobs,
 * consumers), or both. `npm start` runs both in one process; `npm run edge` / `npm run workers` run one each.
 */
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Worker } from 'bullmq';
import type { Hono } from 'hono';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createAdapter } from '@socket.io/redis-adapter';
import {
  attachGateway,
  createAdmissionTokens,
  createApp,
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
import { createDropMirror, createInventoryKeys, createStockReader } from '../inventory/index.js';
import {
  createAdmissionController,
  createQueueKeys,
  createWaitingRoom,
  type AdmissionController,
  type WaitingRoom,
} from '../queue/index.js';
import {
  createDropScheduler,
  createDropsService,
  createDropsStore,
  createUsersStore,
  startDropScheduleWorker,
  type Clock,
  type DropsService,
  type UsersStore,
} from '../workers/index.js';
import type { Config } from './config.js';
import { connectPostgres, ensureDatabase, type Sql } from './db.js';
import { migrate } from './migrate.js';

export interface DroplineOptions {
  config: Config;
  log: Logger;
  roles: { edge: boolean; workers: boolean };
  clock?: Clock;
}

export interface Dropline {
  app: Hono<EdgeEnv> | undefined;
  sql: Sql;
  redis: Redis;
  nats: NatsConnection;
  users: UsersStore;
  drops: DropsService;
  waitingRoom: WaitingRoom;
  /** The admission controller (edge role), ticking every live drop. */
  admission: AdmissionController | undefined;
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

  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3, enableAutoPipelining: true });
  // BullMQ's connections must retry forever; workers block on them.
  const bullConnection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const nats = await connectNats({ servers: config.natsUrl, name: `dropline-${process.pid}` });
  const jsm = await jetstreamManager(nats);
  await jsm.getAccountInfo().catch((error: unknown) => {
    throw new Error(`NATS at ${config.natsUrl} has no JetStream (start nats-server with -js)`, {
      cause: error,
    });
  });

  const users = createUsersStore(sql);
  const inventoryKeys = createInventoryKeys(config.redisPrefix);
  const mirror = createDropMirror({ redis, keys: inventoryKeys });
  const stock = createStockReader({ redis, keys: inventoryKeys });
  // queue/ learns a drop's available units from the inventory's stock hash, named here and nowhere in queue/.
  const stockKey = (dropId: string) => inventoryKeys.stock(dropId);
  const queueKeys = createQueueKeys(config.redisPrefix);
  const waitingRoom = createWaitingRoom({ redis, keys: queueKeys, stockKey, clock });
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
  if (roles.workers) {
    workers.push(
      startDropScheduleWorker({ connection: bullConnection, prefix: bullPrefix, drops, clock, log }),
    );
    const resumed = await drops.resumeAll();
    log.info({ drops: resumed }, 'workers started; live drops mirrored and scheduled');
  }

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const tokens = createTokenService({ secret: config.jwtSecret, ttlSeconds: config.tokenTtlSeconds, clock });
  const admissionTokens = createAdmissionTokens({ key: tokens.key, clock });
  let server: RunningServer | undefined;
  let gateway: Gateway | undefined;
  let adapterClients: Redis[] = [];

  const admission = roles.edge
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
  const app = roles.edge
    ? createApp({
        log,
        registry,
        tokens,
        admissionTokens,
        users,
        drops,
        waitingRoom,
        stock,
        readiness: {
          redis: () => redis.ping(),
          nats: () => jsm.getAccountInfo(),
          postgres: () => sql`SELECT 1`,
        },
        bodyLimitBytes: config.bodyLimitBytes,
        cookieSecure: config.cookieSecure,
        limiters,
        trustProxy: config.trustProxy,
      })
    : undefined;

  return {
    app,
    sql,
    redis,
    nats,
    users,
    drops,
    waitingRoom,
    admission,
    gateway: () => gateway,
    async listen(port, host) {
      if (!app) throw new Error('this process does not run the edge role');
      server = await startServer(app, { port, host });
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
      // Sockets first: their long-polling requests would otherwise hold the HTTP server open until the deadline.
      await gateway?.close();

      await server?.stop(timeoutMs);
      await Promise.all(workers.map((w) => w.close()));
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
