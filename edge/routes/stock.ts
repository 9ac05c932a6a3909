/** A drop's stock, served from an in-process cache at most a second old: no PostgreSQL, one Redis read a second. */
import type { Hono } from 'hono';
import type { DropsService } from '../../workers/index.js';
import type { EdgeEnv } from '../context.js';
import { HttpProblem } from '../problems.js';
import type { StockCache } from '../stock-cache.js';
import { pathId } from '../validation.js';

export function registerStock(
  app: Hono<EdgeEnv>,
  { stock, drops }: { stock: StockCache; drops: DropsService },
) {
  app.get('/api/drops/:id/stock', async (c) => {
    const dropId = pathId(c, 'id', 'drop');
    const snapshot = await stock.get(dropId);
    if (!snapshot) {
      // Not in Redis: an unknown drop (404), or Redis lost its data and reconciliation has not rebuilt it yet.
      await drops.get(dropId);
      throw new HttpProblem('unavailable', 'the drop’s stock is being recovered; try again shortly');
    }
    return c.json(snapshot, 200, { 'Cache-Control': 'public, max-age=1' });
  });
}
