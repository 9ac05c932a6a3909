/**
 * Request id, structured access log and Prometheus figures for every request, in one middleware so the request is
 * timed once. The route label is the matched route pattern (`/api/drops/:id`), never the raw path.
 */
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { EdgeEnv } from '../context.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface HttpMetrics {
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
}

export function createHttpMetrics(registry: Registry): HttpMetrics {
  return {
    requests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

export function observe({ log, metrics }: { log: Logger; metrics: HttpMetrics }): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    c.set('requestId', requestId);
    // Set before the response exists: Hono copies a finished response (and its body into a web stream) to change
    // its headers afterwards, which would double the cost of a small JSON answer.
    c.header('X-Request-Id', requestId);
    // A child logger only when something will be logged: most requests log nothing at the production level.
    let child: Logger | undefined;
    const logFor = () => (child ??= log.child({ requestId }));
    c.set('log', {
      error: (obj, msg) => logFor().error(obj, msg),
      warn: (obj, msg) => logFor().warn(obj, msg),
      info: (obj, msg) => logFor().info(obj, msg),
    });
    try {
      await next();
    } finally {
      // A handler that returned a Response of its own did not take the prepared header.
      if (!c.res.headers.has('x-request-id')) c.header('X-Request-Id', requestId);
      const seconds = (performance.now() - started) / 1000;
      const status = c.res.status;
      const route = matchedRoutes(c).findLast((r) => r.method !== 'ALL')?.path ?? 'unmatched';
      const labels = { method: c.req.method, route, status: String(status) };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, seconds);
      if (status >= 500 || log.isLevelEnabled('info')) {
        const line = {
          method: c.req.method,
          path: c.req.path,
          route,
          status,
          ms: Math.round(seconds * 10000) / 10,
        };
        if (status >= 500) logFor().error(line, 'request failed');
        else logFor().info(line, 'request');
      }
    }
  };
}
