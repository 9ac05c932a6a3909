/**
 * Reconciliation: compares a drop's units in Redis with PostgreSQL (the record of truth) and, when Redis has lost
 * them, rebuilds Redis from PostgreSQL — after the workers have drained JetStream, so every payment that was
 * confirmed (stored in JetStream before its 200) is in PostgreSQL first. Holds whose events never left Redis
 * before it lost its data are gone with it: PostgreSQL never heard of them. Their shoppers are told so on their
 * next call (the reservation is not on record: 404), and their units are on sale again.
 */
import type { Hold, Holds, StockFigures, StockReader } from '../../inventory/index.js';
import type { DropsService } from '../drops/index.js';
import type { OrdersStore } from './orders-store.js';

export interface Reconciliation {
  dropId: string;
  /** Redis's units, or null when Redis holds none for the drop (it lost its data). */
  redis: StockFigures | null;
  /** The units by PostgreSQL: the drop's stock and its ledger. */
  postgres: StockFigures;
  matches: boolean;
  /**
   * Holds Redis has that PostgreSQL has not recorded yet: normally their events are in flight; they would be lost
   * with Redis's data. Listed so that an operator sees what is at stake.
   */
  unrecorded: string[];
  /** When Redis was rebuilt: the holds and sales restored from PostgreSQL. */
  rebuilt?: { held: number; sold: number; holds: number };
}

export interface ReconcilerDeps {
  drops: DropsService;
  orders: OrdersStore;
  holds: Holds;
  stock: StockReader;
  /** Events not yet applied by the workers (JetStream consumer backlog). */
  backlog: () => Promise<number>;
  clock: Pick<DateConstructor, 'now'>;
  drainTimeoutMs?: number;
}

export function createReconciler({
  drops,
  orders,
  holds,
  stock,
  backlog,
  clock,
  drainTimeoutMs = 30_000,
}: ReconcilerDeps) {
  async function drained(): Promise<void> {
    const deadline = clock.now() + drainTimeoutMs;
    while ((await backlog()) > 0) {
      if (clock.now() > deadline)
        throw new Error('the workers did not drain the event stream in time; not rebuilding');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function postgresUnits(dropId: string, total: number): Promise<StockFigures> {
    const ledger = await orders.ledger(dropId);
    return { total, available: total - ledger.held - ledger.sold, held: ledger.held, sold: ledger.sold };
  }

  return {
    /** Compares Redis with PostgreSQL; with `rebuild`, rebuilds Redis if (and only if) it lost the drop's units. */
    async reconcile(dropId: string, { rebuild = false } = {}): Promise<Reconciliation> {
      const drop = await drops.get(dropId);
      let redis = await stock.read(dropId);
      let rebuilt: Reconciliation['rebuilt'];
      if (!redis && rebuild && drop.status !== 'scheduled') {
        await drained();
        const known: Hold[] = (await orders.liveOrders(dropId)).map((o) => ({
          id: o.id,
          dropId,
          shopperId: o.userId,
          quantity: o.quantity,
          amountCents: o.amountCents,
          status: o.status,
          createdAt: o.createdAt,
          expiresAt: o.expiresAt,
          paidAt: o.paidAt,
          guest: o.guest,
        }));
        // Meta and waiting room first (the drop's settings), then its units.
        await drops.remirror(dropId);
        const restored = await holds.restore(dropId, drop.stock, known);
        if (restored) rebuilt = { ...restored, holds: known.length };
        redis = await stock.read(dropId);
      }
      const postgres = await postgresUnits(dropId, drop.stock);
      const inRedis = redis
        ? (await holds.list(dropId)).filter((h) => h.status === 'held').map((h) => h.id)
        : [];
      const recorded = new Set(await orders.idsOf(dropId, inRedis));
      const unrecorded = inRedis.filter((id) => !recorded.has(id));
      const matches =
        redis !== null &&
        (['total', 'available', 'held', 'sold'] as const).every((k) => redis[k] === postgres[k]);
      return { dropId, redis, postgres, matches, unrecorded, ...(rebuilt ? { rebuilt } : {}) };
    },
  };
}

export type Reconciler = ReturnType<typeof createReconciler>;
