/**
 * Per-client-address fixed-window rate limits in Redis: one round trip (INCR and EXPIRE in one MULTI) per request.
 * Over the limit: 429 `rate_limited` with `Retry-After`. When Redis fails the request goes through: a limiter
 * must not turn a Redis hiccup into an outage. The same limiter serves HTTP routes and socket events.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { EdgeEnv } from '../context.js';
import type { EdgeKeys } from '../keys.js';
import { HttpProblem } from '../problems.js';

export interface RateLimitOptions {
  redis: Redis;
  keys: EdgeKeys;
  name: string;
  limit: number;
  windowSeconds: number;
  log: Logger;
  clock?: Pick<DateConstructor, 'now'>;
}

/** Resolves when `client` may go on; throws HttpProblem `rate_limited` (with `retryAfter`) when it may not. */
export type RateLimiter = (client: string) => Promise<void>;

/** A limiter that lets everything through, for when rate limits are off. */
export const unlimited: RateLimiter = async () => {};

export function createRateLimiter({
  redis,
  keys,
  name,
  limit,
  windowSeconds,
  log,
  clock = Date,
}: RateLimitOptions): RateLimiter {
  return async (client) => {
    const now = clock.now() / 1000;
    const window = Math.floor(now / windowSeconds);
    const key = keys.rate(name, client, window);
    let count = 0;
    try {
      const results = await redis
        .multi()
        .incr(key)
        .expire(key, windowSeconds + 1)
        .exec();
      count = Number(results?.[0]?.[1] ?? 0);
    } catch (error) {
      log.warn({ err: error, limiter: name }, 'rate limiter unavailable; letting the request through');
    }
    if (count > limit) {
      const retryAfter = Math.max(1, Math.ceil((window + 1) * windowSeconds - now));
      throw new HttpProblem(
        'rate_limited',
        `too many requests from this address; try again in ${retryAfter} s`,
        { retryAfter },
      );
    }
  };
}

/**
 * The client's address: the connection's, or with `trustProxy` hops, the one the outermost trusted proxy saw
 * (the entry `trustProxy` places from the end of X-Forwarded-For).
 */
export function addressFrom(
  forwardedFor: string | undefined,
  connection: string | undefined,
  trustProxy: number,
): string {
  if (trustProxy > 0) {
    const hops = (forwardedFor ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const seen = hops[hops.length - trustProxy];
    if (seen) return seen;
  }
  return connection ?? 'unknown';
}

function connectionAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined; // not served by Node (app.request in tests)
  }
}

/** The address a request came from, read as the limiters read it (honouring `trustProxy`). */
export const clientAddress = (c: Context, trustProxy: number): string =>
  addressFrom(c.req.header('x-forwarded-for'), connectionAddress(c), trustProxy);

/** The limiter as Hono middleware; `Retry-After` goes with the 429. */
export function rateLimit(limiter: RateLimiter, trustProxy: number): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    try {
      await limiter(clientAddress(c, trustProxy));
    } catch (error) {
      if (error instanceof HttpProblem) c.header('Retry-After', String(error.extensions.retryAfter));
      throw error;
    }
    await next();
  };
}
