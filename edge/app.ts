/**
 * The Hono application: middleware in order (nosniff → observe → body limit → cross-site → session), the route
 * files, and one error handler that answers every failure as problem+json.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Holds, StockReader } from '../inventory/index.js';
import type { WaitingRoom } from '../queue/index.js';
import type { Checkout } from '../workers/checkout/index.js';
import type { DropsService } from '../workers/drops/index.js';
import type { UserAccess, UsersStore } from '../workers/identity/index.js';
import type { Webhooks } from '../workers/webhooks/index.js';
import type { DropImages } from '../workers/media/index.js';
import type { OrdersStore, SalesHistory } from '../workers/orders/index.js';
import type { AdmissionTokens } from './auth/admission.js';
import type { TokenService } from './auth/tokens.js';
import type { SessionEnds } from './auth/ended-sessions.js';
import type { EdgeEnv } from './context.js';
import { bodyLimits } from './middleware/body-limit.js';
import { crossSite } from './middleware/cross-site.js';
import { createHttpMetrics, observe } from './middleware/observe.js';
import { rateLimit, unlimited, type RateLimiter } from './middleware/rate-limit.js';
import { session } from './middleware/session.js';
import { problem, problemResponse, toProblem } from './problems.js';
import { registerAdminDrops } from './routes/admin-drops.js';
import { registerAdminUsers } from './routes/admin-users.js';
import { registerBrands } from './routes/brands.js';
import { registerAdminOverview } from './routes/admin-overview.js';
import { registerDropSales } from './routes/drop-sales.js';
import { registerDrops } from './routes/drops.js';
import { isImageUpload, MULTIPART_ALLOWANCE_BYTES, registerDropImages } from './routes/drop-images.js';
import { registerMedia } from './routes/media.js';
import { registerHealth, type ReadinessChecks } from './routes/health.js';
import { registerHoarding } from './routes/hoarding.js';
import { registerIdentity } from './routes/identity.js';
import { registerOrders, type OnShipped } from './routes/orders.js';
import { registerQueue } from './routes/queue.js';
import { registerReservations } from './routes/reservations.js';
import { registerStock, stockFastPath, type FastPath } from './routes/stock.js';
import { registerWebhooks } from './routes/webhooks.js';
import { registerWeb } from './routes/web.js';
import type { StockCache } from './stock-cache.js';
import type { GuestChallenges } from './guest-challenge.js';
import type { LoginGuard } from './auth/login-guard.js';
import type { Passwords } from './auth/password.js';
import type { Holders } from './holders.js';
import type { GuestMerge } from './guest-merge.js';
import { createShopperHolds, type HoldPushes } from './shopper-holds.js';

export interface EdgeDeps {
  log: Logger;
  registry: Registry;
  tokens: TokenService;
  admissionTokens: AdmissionTokens;
  users: UsersStore;
  drops: DropsService;
  waitingRoom: WaitingRoom;
  stock: StockReader;
  stockCache: StockCache;
  holds: Holds;
  checkout: Checkout;
  orders: OrdersStore;
  /** A drop's sales over time, from its paid orders (the brand dashboard's charts). */
  sales: SalesHistory;
  /** Events of a drop not yet applied to PostgreSQL: its outbox plus the workers' consumer backlog. */
  eventsPending: (dropId: string) => Promise<number>;
  readiness: ReadinessChecks;
  bodyLimitBytes: number;
  /** Drops' product images (stored in PostgreSQL) and the largest image an upload may carry, in bytes. */
  images: DropImages;
  imageMaxBytes: number;
  cookieSecure: boolean;
  /** The pages' origin, which cookie-authenticated writes must come from; undefined: the address reached. */
  publicOrigin: string | undefined;
  /**
   * Per-address limits on guest sessions, queue joins, holds and password checks (sign-in, sign-up) (`unlimited`
   * when rate limits are off).
   */
  limiters: { guest: RateLimiter; join: RateLimiter; hold: RateLimiter; password: RateLimiter };
  /** Password hashing with a bounded concurrency, apart from token work. */
  passwords: Passwords;
  /** Per-account sign-in backoff. */
  loginGuard: LoginGuard;
  /** Accounts holding units per address and device: the per-drop cap and the hoarding report. */
  holders: Holders;
  guestChallenges: GuestChallenges;
  trustProxy: number;
  /** The built pages (web/dist); none are served without it. */
  webRoot?: string;
  /** Tells the shopper's sockets (room `u:<shopper>`, on every edge) of a hold made, paid or given back. */
  holdPushes?: HoldPushes;
  /** Hands a guest's places, holds and orders to the account it signs up or signs in as. */
  guestMerge: GuestMerge;
  /** The operator's management of users: listing, disabling, new passwords, audit. */
  userAccess: UserAccess;
  /** Ends a user's sessions on every edge (disabling, a new password). */
  sessionEnds: Pick<SessionEnds, 'publish'>;
  /** The time a user's sessions end at; the tokens' clock. */
  clock?: Pick<DateConstructor, 'now'>;
  /** Told of an order marked shipped (or given a new tracking), once committed: the brands' webhooks. */
  onShipped?: OnShipped;
  /** Brands' webhooks: their endpoints and deliveries (no webhook routes without it). */
  webhooks?: Webhooks;
}

const passThrough: MiddlewareHandler<EdgeEnv> = (_c, next) => next();

/** Every answer, errors and pages too: a browser must never guess a type other than the one given. */
const noSniff: MiddlewareHandler<EdgeEnv> = async (c, next) => {
  await next();
  c.header('X-Content-Type-Options', 'nosniff');
};

export interface Edge {
  app: Hono<EdgeEnv>;
  /** Answers the hottest reads (a fresh cached stock) from Node's request handler, before the app. */
  fastPath: FastPath;
}

export function createApp(deps: EdgeDeps): Edge {
  const app = new Hono<EdgeEnv>();
  const shopperHolds = createShopperHolds({
    holds: deps.holds,
    orders: deps.orders,
    drops: deps.drops,
    clock: Date,
  });
  const metrics = createHttpMetrics(deps.registry);
  const fastPath = stockFastPath({ stock: deps.stockCache, metrics });
  app.use(noSniff);
  // Next, ahead of the middleware below: the cached stock read, the hottest path of an opening.
  registerStock(app, { stock: deps.stockCache, drops: deps.drops, metrics });
  app.use(observe({ log: deps.log, metrics }));
  // The JSON routes' limit everywhere but the image upload, which takes its file and the form around it.
  app.use(
    '/api/*',
    bodyLimits(deps.bodyLimitBytes, [
      { matches: isImageUpload, maxBytes: deps.imageMaxBytes + MULTIPART_ALLOWANCE_BYTES },
    ]),
  );
  app.use('/api/*', crossSite({ publicOrigin: deps.publicOrigin, multipart: isImageUpload }));
  app.use('/api/*', session({ tokens: deps.tokens, lenientPaths: ['/api/auth/logout'] }));

  const limit = (limiter: RateLimiter) =>
    limiter === unlimited ? passThrough : rateLimit(limiter, deps.trustProxy);

  registerHealth(app, { checks: deps.readiness, registry: deps.registry });
  registerIdentity(app, {
    users: deps.users,
    tokens: deps.tokens,
    cookieSecure: deps.cookieSecure,
    guestLimit: limit(deps.limiters.guest),
    guestChallenges: deps.guestChallenges,
    passwordLimit: limit(deps.limiters.password),
    passwords: deps.passwords,
    loginGuard: deps.loginGuard,
    trustProxy: deps.trustProxy,
    guestMerge: deps.guestMerge,
    ...(deps.holdPushes ? { holdPushes: deps.holdPushes } : {}),
  });
  registerAdminUsers(app, {
    users: deps.users,
    access: deps.userAccess,
    passwords: deps.passwords,
    passwordLimit: limit(deps.limiters.password),
    sessionEnds: deps.sessionEnds,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  registerBrands(app, { users: deps.users });
  registerDrops(app, { drops: deps.drops, images: deps.images });
  registerDropImages(app, { drops: deps.drops, images: deps.images });
  registerMedia(app, { images: deps.images });
  registerQueue(app, {
    waitingRoom: deps.waitingRoom,
    shopperHolds,
    holdPushes: deps.holdPushes ?? { push: () => {}, place: () => {} },
    admissionTokens: deps.admissionTokens,
    joinLimit: limit(deps.limiters.join),
  });
  registerAdminDrops(app, {
    drops: deps.drops,
    waitingRoom: deps.waitingRoom,
    stock: deps.stock,
    eventsPending: deps.eventsPending,
  });
  registerAdminOverview(app, {
    drops: deps.drops,
    waitingRoom: deps.waitingRoom,
    stock: deps.stock,
    orders: deps.orders,
  });
  registerReservations(app, {
    holds: deps.holds,
    shopperHolds,
    holdPushes: deps.holdPushes ?? { push: () => {}, place: () => {} },
    checkout: deps.checkout,
    drops: deps.drops,
    admissionTokens: deps.admissionTokens,
    holders: deps.holders,
    holdLimit: limit(deps.limiters.hold),
    trustProxy: deps.trustProxy,
  });
  registerHoarding(app, { holders: deps.holders, drops: deps.drops });
  registerOrders(app, {
    orders: deps.orders,
    drops: deps.drops,
    ...(deps.onShipped ? { onShipped: deps.onShipped } : {}),
  });
  registerDropSales(app, { drops: deps.drops, sales: deps.sales });
  if (deps.webhooks) registerWebhooks(app, { webhooks: deps.webhooks });
  if (deps.webRoot) registerWeb(app, { root: deps.webRoot });

  app.notFound((c) => problemResponse(c, problem('not_found', `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => {
    const { problem: p, expected } = toProblem(error);
    if (!expected) (c.get('log') ?? deps.log).error({ err: error }, 'unexpected error');
    const headers: Record<string, string> = {};
    if (typeof p.retryAfter === 'number') headers['Retry-After'] = String(p.retryAfter);
    return problemResponse(c, p, headers);
  });
  return { app, fastPath };
}
