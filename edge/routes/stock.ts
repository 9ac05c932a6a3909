/**
 * A drop's stock: the hot path of a drop's opening minute, served from an in-process cache at most a second old
 * (no PostgreSQL, one Redis read a second per edge). It is registered ahead of the general middleware, which a cached
 * public read does not need (no session, no body, no per-request log line), and counts itself in /metrics.
 */
import type { Context, Hono } from 'hono';
import type { DropsService } from '../../workers/index.js';
import type { EdgeEnv } from '../context.js';
import type { HttpMetrics } from '../middleware/observe.js';
import { HttpProblem } from '../problems.js';
import type { StockCache } from '../stock-cache.js';

const ROUTE = '/api/drops/:id/stock';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=1' };

export function registerStock(
  app: Hono<EdgeEnv>,
  { stock, drops, metrics }: { stock: StockCache; drops: DropsService; metrics: HttpMetrics },
) {
  const served = metrics.requests.labels('GET', ROUTE, '200');
  const timed = metrics.duration.labels('GET', ROUTE, '200');

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
