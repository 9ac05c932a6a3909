/** A drop's sales history, from PostgreSQL: what the brand dashboard's charts draw, the same after a reload. */
import type { Hono } from 'hono';
import { mayRead, type DropsService } from '../../workers/drops/index.js';
import type { SalesHistory } from '../../workers/orders/index.js';
import type { EdgeEnv } from '../context.js';
import { requireRole } from '../middleware/session.js';
import { HttpProblem } from '../problems.js';
import { pathId } from '../validation.js';

export interface SalesPointJson {
  /** The interval's start (ISO time). */
  t: string;
  /** Units paid up to the interval's end. */
  units: number;
  /** Revenue paid up to the interval's end, in the currency's minor units. */
  revenueCents: number;
}

export interface DropSalesResponse {
  /** Cumulative, one point per interval with a sale, oldest first. */
  points: SalesPointJson[];
  currency: string;
  /** The interval's length: a minute, finer for sales within an hour, coarser past 720 minutes. */
  bucketSeconds: number;
}

export function registerDropSales(
  app: Hono<EdgeEnv>,
  { drops, sales }: { drops: DropsService; sales: SalesHistory },
) {
  app.get('/api/drops/:id/sales', async (c) => {
    const who = requireRole(c, 'brand', 'operator');
    const drop = await drops.get(pathId(c, 'id', 'drop'));
    if (!mayRead({ id: who.userId, role: who.role, brandId: who.brandId }, drop))
      throw new HttpProblem('forbidden', 'only the drop’s brands or an operator see its sales');
    const series = await sales.forDrop(drop.id);
    return c.json({
      points: series.points.map((p) => ({
        t: p.t.toISOString(),
        units: p.units,
        revenueCents: p.revenueCents,
      })),
      currency: drop.currency,
      bucketSeconds: series.bucketSeconds,
    } satisfies DropSalesResponse);
  });
}
