/**
 * Per-client-address fixed-window rate limit in Redis: one round trip (INCR and EXPIRE in one MULTI) per request.
 * Over the limit: 429 `rate_limited` with `Retry-After`. When Redis fails the request goes through: a limiter
 * must not turn a Redis hiccup into an outage.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import type { EdgeEnv } from '../context.js';
import type { EdgeKeys } from '../keys.js';
import { HttpProblem } from '../problems.js';

export interface RateLimitOptions {
  redis: Redis;
  /** Proxies in front of the edge that append to X-Forwarded-For; 0 trusts only the connection's address. */
  trustProxy: number;
  keys: EdgeKeys;
  name: string;
  limit: number;
  windowSeconds: number;
  clock?: { now(): number };
}

/** The client's address: the connection's, or with `trustProxy` hops, what the outermost trusted proxy saw. */
export function clientAddress(c: Context, trustProxy: number): string {
  if (trustProxy > 0) {
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const seen = hops[hops.length - trustProxy];
    if (seen) return seen;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function rateLimit({
  redis,
  trustProxy,
  keys,
  name,
  limit,
  windowSeconds,
  clock = Date,
}: RateLimitOptions): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    const now = clock.now() / 1000;
    const window = Math.floor(now / windowSeconds);
    const key = keys.rate(name, clientAddress(c, trustProxy), window);
    let count = 0;
    try {
      const results = await redis
        .multi()
        .incr(key)
        .expire(key, windowSeconds + 1)
        .exec();
      count = Number(results?.[0]?.[1] ?? 0);
    } catch (error) {
      c.get('log').warn(
        { err: error, limiter: name },
        'rate limiter unavailable; letting the request through',
      );
    }
    if (count > limit) {
      const retryAfter = Math.max(1, Math.ceil((window + 1) * windowSeconds - now));
      c.header('Retry-After', String(retryAfter));
      throw new HttpProblem(
        'rate_limited',
        `too many requests from this address; try again in ${retryAfter} s`,
        { retryAfter },
      );
    }
    await next();
  };
}
