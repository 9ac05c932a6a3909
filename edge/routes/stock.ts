/**
 * A drop's stock: the hot path of a drop's opening minute, served from an in-process cache at most a second old
 * (no PostgreSQL, one Redis read a second per edge). A cached public read needs none of the general middleware (no
 * session, no body, no per-request log line), so a fresh cached answer is written straight from Node's request
 * handler, ahead of Hono (`stockFastPath`); everything else (a cache miss, a bad id, HEAD) goes through the Hono
 * route. Both count themselves in /metrics under the same route.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Hono } from 'hono';
import type { DropsService } from '../../workers/drops/index.js';
import type { EdgeEnv } from '../context.js';
import type { HttpMetrics } from '../middleware/observe.js';
import { HttpProblem } from '../problems.js';
import type { StockCache } from '../stock-cache.js';

const ROUTE = '/api/drops/:id/stock';
const UUID_TEXT = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const UUID = new RegExp(`^${UUID_TEXT}$`, 'i');
/** `/api/drops/<uuid>/stock`, the id captured. */
const PATH = new RegExp(`^/api/drops/(${UUID_TEXT})/stock$`, 'i');
const HEADERS = {
  'Content-Type': 'application/json',
  'Cache-Control': 'public, max-age=1',
  'X-Content-Type-Options': 'nosniff',
};

/** Answers a request in place and returns true, or returns false to leave it to the app. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

const servedMetrics = (metrics: HttpMetrics) => ({
  served: metrics.requests.labels('GET', ROUTE, '200'),
  timed: metrics.duration.labels('GET', ROUTE, '200'),
});

/** Node's side of the hot path: a GET of a drop's stock whose cached answer is fresh, written without Hono. */
export function stockFastPath({ stock, metrics }: { stock: StockCache; metrics: HttpMetrics }): FastPath {
  const { served, timed } = servedMetrics(metrics);
  return (req, res) => {
    if (req.method !== 'GET' || req.url === undefined) return false;
    const query = req.url.indexOf('?');
    const match = PATH.exec(query === -1 ? req.url : req.url.slice(0, query));
    if (!match) return false;
    const started = performance.now();
    const cached = stock.peek(match[1]!.toLowerCase());
    if (!cached) return false;
    res.writeHead(200, HEADERS);
    res.end(cached.json);
    served.inc();
    timed.observe((performance.now() - started) / 1000);
    return true;
  };
}

export function registerStock(
  app: Hono<EdgeEnv>,
  { stock, drops, metrics }: { stock: StockCache; drops: DropsService; metrics: HttpMetrics },
) {
  const { served, timed } = servedMetrics(metrics);

  async function slow(c: Context<EdgeEnv>, dropId: string, started: number): Promise<Response> {
    const cached = await stock.get(dropId);
    if (!cached) {
      // Not in Redis: an unknown drop (404), or Redis lost its data and reconciliation has not rebuilt it yet. These
      // rare answers go through the general error handling, and are counted by it.
      await drops.get(dropId);
      throw new HttpProblem('unavailable', 'the drop’s stock is being recovered; try again shortly');
    }
    served.inc();
    timed.observe((performance.now() - started) / 1000);
    return c.body(cached.json, 200, HEADERS);
  }

  app.get(ROUTE, (c) => {
    const started = performance.now();
    const dropId = c.req.param('id');
    if (!UUID.test(dropId)) throw new HttpProblem('not_found', 'drop not found');
    const cached = stock.peek(dropId.toLowerCase());
    if (cached) {
      served.inc();
      timed.observe((performance.now() - started) / 1000);
      return c.body(cached.json, 200, HEADERS);
    }
    return slow(c, dropId.toLowerCase(), started);
  });
}
