/**
 * The Hono application: middleware in order (observe → body limit → session), the route files, and one error
 * handler that answers every failure as problem+json.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { StockReader } from '../inventory/index.js';
import type { WaitingRoom } from '../queue/index.js';
import type { DropsService, UsersStore } from '../workers/index.js';
import type { AdmissionTokens } from './auth/admission.js';
import type { TokenService } from './auth/tokens.js';
import type { EdgeEnv } from './context.js';
import type { EdgeKeys } from './keys.js';
import { bodyLimit } from './middleware/body-limit.js';
import { createHttpMetrics, observe } from './middleware/observe.js';
import { rateLimit } from './middleware/rate-limit.js';
import { session } from './middleware/session.js';
import { problem, problemResponse, toProblem } from './problems.js';
import { registerAdminDrops } from './routes/admin-drops.js';
import { registerDrops } from './routes/drops.js';
import { registerHealth, type ReadinessChecks } from './routes/health.js';
import { registerIdentity } from './routes/identity.js';
import { registerQueue } from './routes/queue.js';

export interface EdgeDeps {
  log: Logger;
  registry: Registry;
  redis: Redis;
  keys: EdgeKeys;
  tokens: TokenService;
  admissionTokens: AdmissionTokens;
  users: UsersStore;
  drops: DropsService;
  waitingRoom: WaitingRoom;
  stock: StockReader;
  readiness: ReadinessChecks;
  bodyLimitBytes: number;
  cookieSecure: boolean;
  rateLimits: { enabled: boolean; guestPerMinute: number; joinPerMinute: number };
  trustProxy: number;
}

const passThrough: MiddlewareHandler<EdgeEnv> = (_c, next) => next();

export function createApp(deps: EdgeDeps): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>();
  app.use(observe({ log: deps.log, metrics: createHttpMetrics(deps.registry) }));
  app.use('/api/*', bodyLimit(deps.bodyLimitBytes));
  app.use('/api/*', session({ tokens: deps.tokens }));

  const limit = (name: string, perMinute: number) =>
    deps.rateLimits.enabled
      ? rateLimit({
          redis: deps.redis,
          keys: deps.keys,
          trustProxy: deps.trustProxy,
          name,
          limit: perMinute,
          windowSeconds: 60,
        })
      : passThrough;

  registerHealth(app, { checks: deps.readiness, registry: deps.registry });
  registerIdentity(app, {
    users: deps.users,
    tokens: deps.tokens,
    cookieSecure: deps.cookieSecure,
    guestLimit: limit('guest', deps.rateLimits.guestPerMinute),
  });
  registerDrops(app, { drops: deps.drops });
  registerQueue(app, {
    waitingRoom: deps.waitingRoom,
    admissionTokens: deps.admissionTokens,
    joinLimit: limit('join', deps.rateLimits.joinPerMinute),
  });
  registerAdminDrops(app, { drops: deps.drops, waitingRoom: deps.waitingRoom, stock: deps.stock });

  app.notFound((c) => problemResponse(c, problem('not_found', `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => {
    const { problem: p, expected } = toProblem(error);
    if (!expected) (c.get('log') ?? deps.log).error({ err: error }, 'unexpected error');
    return problemResponse(c, p);
  });
  return app;
}
