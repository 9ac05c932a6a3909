/**
 * The operator's overview: every drop that is live now or opens within a day, each with its line, its units and
 * what it has taken. One PostgreSQL query lists the drops; their figures come from the readers the drop console
 * uses (the waiting room's, the stock's, the orders' totals), read for all the drops at once.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { StockReader } from '../../inventory/index.js';
import type { WaitingRoom } from '../../queue/index.js';
import type { Drop, DropsService, DropStatus } from '../../workers/drops/index.js';
import type { OrdersStore } from '../../workers/orders/index.js';
import type { EdgeEnv } from '../context.js';
import { requireRole } from '../middleware/session.js';
import { readQuery } from '../validation.js';

/** How far ahead a scheduled drop is shown: it opens within a day. */
const UPCOMING_MS = 24 * 3600_000;
/** Drops in one overview at most: one page, whose figures are all read at once. */
const MAX_DROPS = 200;

export interface OverviewDropJson {
  id: string;
  title: string;
  /** `open` (selling, or every unit held right now while holds may return) or `scheduled` (opens within 24 h). */
  status: DropStatus;
  opensAt: string;
  closesAt: string | null;
  /** Admission paused by an operator. */
  paused: boolean;
  /** Leading zero bits of the proof of work asked of a joiner (0: none). */
  challengeBits: number;
  /** Shoppers waiting in the line. */
  queueLength: number;
  /** Shoppers admitted now (their admission not yet ended). */
  activeShoppers: number;
  units: { total: number; available: number; held: number; sold: number };
  /** What paid orders (as PostgreSQL has them) took, in the currency's minor units. */
  revenue: { paidCents: number; currency: string };
}

export interface OverviewJson {
  /** Open drops first (the latest opening time first), then scheduled drops (the soonest first). */
  drops: OverviewDropJson[];
}

const overviewQuery = z.strictObject({
  limit: z.coerce.number().int('must be an integer').min(1).max(MAX_DROPS).default(MAX_DROPS),
});

export interface AdminOverviewDeps {
  drops: DropsService;
  waitingRoom: WaitingRoom;
  stock: StockReader;
  orders: Pick<OrdersStore, 'totals'>;
}

export function registerAdminOverview(
  app: Hono<EdgeEnv>,
  { drops, waitingRoom, stock, orders }: AdminOverviewDeps,
) {
  const figuresOf = async (drop: Drop): Promise<OverviewDropJson> => {
    const [queue, units, totals] = await Promise.all([
      waitingRoom.figures(drop.id),
      stock.read(drop.id),
      orders.totals(drop.id),
    ]);
    return {
      id: drop.id,
      title: drop.title,
      status: drop.status,
      opensAt: drop.opensAt.toISOString(),
      closesAt: drop.closesAt?.toISOString() ?? null,
      paused: drop.admissionPaused,
      challengeBits: drop.challengeBits,
      queueLength: queue.queueLength,
      activeShoppers: queue.activeAdmissions,
      units: {
        total: units?.total ?? drop.stock,
        available: units?.available ?? drop.stock,
        held: units?.held ?? 0,
        sold: units?.sold ?? 0,
      },
      revenue: { paidCents: totals.paidCents, currency: drop.currency },
    };
  };

  app.get('/api/admin/overview', async (c) => {
    requireRole(c, 'operator');
    const { limit } = readQuery(c, overviewQuery);
    const watched = await drops.listWatched(UPCOMING_MS, limit);
    return c.json({ drops: await Promise.all(watched.map(figuresOf)) } satisfies OverviewJson);
  });
}
