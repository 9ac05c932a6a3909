/**
 * The edge role: the Hono app (HTTP API and pages), the admission controller that ticks every live drop four
 * times a second (only the lease holder of a drop acts), and — once `listen` starts the server — the Socket.IO
 * gateway, tied to the other edges by the Redis adapter.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import {
  attachGateway,
  createAdmissionTokens,
  createApp,
  createEdgeKeys,
  createGuestChallenges,
  createGuestMerge,
  createHashPool,
  createLoginGuard,
  createPasswords,
  SCRYPT_COST,
  createHolders,
  createRateLimiter,
  createStockCache,
  createTokenService,
  createSessionEnds,
  startServer,
  unlimited,
  type AdmissionTokens,
  type Gateway,
  type HashPool,
  type HoldPushes,
  type SessionEnds,
  type RunningServer,
  type TokenService,
} from '../../edge/index.js';
import { createAdmissionController } from '../../queue/index.js';
import { createGuestMerges, createUserAccess } from '../../workers/identity/index.js';
import { createDropImages } from '../../workers/media/index.js';
import { createSalesHistory } from '../../workers/orders/index.js';
import type { Config } from '../config.js';
import { createTicker } from '../kit/index.js';
import type { Connections } from './connections.js';
import type { Core } from './core.js';

export interface EdgeOptions {
  config: Config;
  log: Logger;
  clock: Pick<DateConstructor, 'now'>;
}

export type EdgeRole = ReturnType<typeof composeEdge>;

/** Per-address limits on guest sessions and joins, shared by every edge through Redis; none when turned off. */
function rateLimiters(conn: Connections, { config, log, clock }: EdgeOptions) {
  const keys = createEdgeKeys(config.redisPrefix);
  const limiter = (name: string, limit: number) =>
    config.rateLimits.enabled
      ? createRateLimiter({ redis: conn.redis, keys, name, limit, windowSeconds: 60, log, clock })
      : unlimited;
  return {
    guest: limiter('guest', config.rateLimits.guestPerMinute),
    join: limiter('join', config.rateLimits.joinPerMinute),
    hold: limiter('hold', config.rateLimits.holdPerMinute),
    password: limiter('password', config.rateLimits.passwordPerMinute),
  };
}

interface EdgeAuth {
  tokens: TokenService;
  admissionTokens: AdmissionTokens;
  limiters: ReturnType<typeof rateLimiters>;
  hashPool: HashPool;
  holdPushes: HoldPushes;
  sessionEnds: SessionEnds;
}

/** The Hono app, given what each route needs. */
function createEdgeApp(conn: Connections, core: Core, { config, log, clock }: EdgeOptions, auth: EdgeAuth) {
  const { redis } = conn;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return createApp({
    log,
    registry,
    tokens: auth.tokens,
    admissionTokens: auth.admissionTokens,
    limiters: auth.limiters,
    passwords: createPasswords(auth.hashPool, { ...SCRYPT_COST, N: config.passwordHashing.scryptN }),
    loginGuard: createLoginGuard({ redis, keys: createEdgeKeys(config.redisPrefix), log, clock }),
    trustProxy: config.trustProxy,
    guestChallenges: createGuestChallenges({
      redis,
      keys: createEdgeKeys(config.redisPrefix),
      bits: config.challenge.guestBits,
      ttlMs: config.challenge.ttlSeconds * 1000,
      clock,
    }),
    holders: createHolders({
      redis,
      keys: createEdgeKeys(config.redisPrefix),
      // The cap is a limit like the others: on with them.
      capPerAddress: config.rateLimits.enabled ? config.rateLimits.holdersPerAddress : 0,
    }),
    users: core.users,
    userAccess: createUserAccess(conn.sql),
    sessionEnds: auth.sessionEnds,
    clock,
    guestMerge: createGuestMerge({
      redis,
      merges: createGuestMerges(conn.sql),
      inventoryKeys: core.inventoryKeys,
      queueKeys: core.queueKeys,
    }),
    drops: core.drops,
    waitingRoom: core.waitingRoom,
    stock: core.stock,
    holds: core.holds,
    holdPushes: auth.holdPushes,
    checkout: core.checkout,
    orders: core.orders,
    sales: createSalesHistory(conn.sql),
    stockCache: createStockCache({
      read: async (dropId) => {
        const snapshot = await core.stock.snapshot(dropId);
        return (
          snapshot && {
            dropId,
            ...snapshot,
            nextReturnAt: snapshot.nextReturnAt?.toISOString() ?? null,
            heldUntil: snapshot.heldUntil?.toISOString() ?? null,
            asOf: new Date(clock.now()).toISOString(),
          }
        );
      },
      clock,
    }),
    eventsPending: async (dropId) => {
      const outbox = redis.xlen(core.inventoryKeys.outbox(dropId));
      const [queued, pending] = await Promise.all([outbox, core.backlog()]);
      return queued + pending;
    },
    readiness: conn.readiness,
    bodyLimitBytes: config.bodyLimitBytes,
    images: createDropImages({ sql: conn.sql, maxBytes: config.imageMaxBytes }),
    imageMaxBytes: config.imageMaxBytes,
    cookieSecure: config.cookieSecure,
    webhooks: core.webhooks,
    // An order marked shipped is sent to its drop's brands' webhooks.
    onShipped: async (order) => {
      await core.webhooks.orderShipped(order);
    },
    publicOrigin: config.publicOrigin,
    webRoot: fileURLToPath(new URL('../../web/dist', import.meta.url)),
  });
}

export function composeEdge(conn: Connections, core: Core, options: EdgeOptions) {
  const { config, log, clock } = options;
  const { redis } = conn;
  let gateway: Gateway | undefined;
  // A user's ended sessions, known to every edge; this edge's sockets of that user are disconnected.
  const sessionEnds = createSessionEnds({
    subscriber: conn.duplicateRedis('session ends'),
    publisher: redis,
    channel: createEdgeKeys(config.redisPrefix).sessionsEnded(),
    load: (since) => createUserAccess(conn.sql).sessionsEndedSince(since),
    ttlSeconds: config.tokenTtlSeconds,
    log,
    clock,
    onEnded: (userId) => gateway?.drops.local.in(`u:${userId}`).disconnectSockets(true),
  });
  const tokens = createTokenService({
    secret: config.jwtSecret,
    ttlSeconds: config.tokenTtlSeconds,
    clock,
    endedSessions: sessionEnds,
  });
  // Leaving the queue ends an admission: verification reads the shopper's queue status.
  const admissionTokens = createAdmissionTokens({ key: tokens.key, clock, waitingRoom: core.waitingRoom });
  const limiters = rateLimiters(conn, options);
  const hashPool = createHashPool(config.passwordHashing);
  let server: RunningServer | undefined;

  const onError = (error: unknown) => log.error({ err: error }, 'admission tick failed');
  const controller = createAdmissionController({
    redis,
    keys: core.queueKeys,
    stockKey: core.stockKey,
    clock,
    admissionWindowSeconds: config.admissionWindowSeconds,
    onTick: (result) => gateway?.onTick(result),
    onError,
  });
  const admission = { ...controller, ...createTicker({ everyMs: 250, run: controller.tickAll, onError }) };

  const { app, fastPath } = createEdgeApp(conn, core, options, {
    tokens,
    admissionTokens,
    limiters,
    hashPool,
    sessionEnds,
    // The gateway starts with the server; through its Redis adapter a push reaches the shopper on every edge.
    holdPushes: {
      push: (shopperId, push) => gateway?.drops.to(`u:${shopperId}`).emit('hold', push),
      place: (shopperId, push) => gateway?.drops.to(`u:${shopperId}`).emit('place', push),
    },
  });

  return {
    app,
    admission,
    gateway: () => gateway,
    /** Loads the ended sessions and follows them: before the first request. */
    start: () => sessionEnds.start(),
    /** Starts the HTTP server and the Socket.IO gateway on it. */
    async listen(port: number, host: string): Promise<RunningServer> {
      server = await startServer(app, {
        port,
        host,
        backlog: config.listenBacklog,
        fastPath,
        requestTimeoutMs: config.requestTimeoutSeconds * 1000,
      });
      // Socket.IO's Redis adapter carries events between edges; its channels share the deployment's prefix.
      // Duplicates of the main client: they reconnect forever too, and ioredis subscribes again after a reconnect.
      const [pub, sub] = [conn.duplicateRedis('socket.io pub'), conn.duplicateRedis('socket.io sub')];
      gateway = attachGateway(server.server, {
        tokens,
        admissionTokens,
        waitingRoom: core.waitingRoom,
        log,
        clock,
        joinLimiter: limiters.join,
        trustProxy: config.trustProxy,
        ...(config.publicOrigin ? { publicOrigin: config.publicOrigin } : {}),
        eventRate: { perSecond: config.sockets.eventsPerSecond, burst: config.sockets.eventBurst },
        ...(config.sockets.connectionsPerAddress
          ? { connectionsPerAddress: config.sockets.connectionsPerAddress }
          : {}),
        adapter: createAdapter(pub, sub, { key: `${config.redisPrefix}socket.io` }),
        heldReturns: async (dropId) => {
          const { nextReturnAt, heldUntil } = await core.stock.returns(dropId);
          return {
            nextReturnAt: nextReturnAt?.toISOString() ?? null,
            heldUntil: heldUntil?.toISOString() ?? null,
          };
        },
      });
      return server;
    },
    /** Stops admitting, disconnects the sockets, then lets requests in flight finish within the deadline. */
    async close(timeoutMs: number): Promise<void> {
      await admission.stop();
      await sessionEnds.stop();
      // Sockets first: their long-polling requests would otherwise hold the HTTP server open until the deadline.
      await gateway?.close();
      await server?.stop(timeoutMs);
      await hashPool.close();
    },
  };
}
