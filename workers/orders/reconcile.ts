/**
 * Reconciliation: compares a drop in Redis with PostgreSQL (the record of truth) and, when Redis is not to be
 * trusted, rebuilds it from PostgreSQL — after the workers have drained JetStream, so every payment that was
 * confirmed (stored in JetStream before its 200) is in PostgreSQL first. Redis is not to be trusted when
 * - it lost the drop's units (`lost`);
 * - its change counter is behind the highest one PostgreSQL applied (`behind`): it came back older, from an older
 *   snapshot or a lagging replica, and has forgotten changes PostgreSQL knows of;
 * - its units differ from PostgreSQL's while nothing is in flight (`diverged`: both counters equal, the outbox and
 *   the stream drained);
 * - the drop is still fenced (`fenced`: a rebuild was interrupted).
 * Except for a lost drop, the drop is fenced first (reserve and pay answer `unavailable`), then cleared and restored;
 * the restore lifts the fence. Holds whose events never left Redis are gone with it: PostgreSQL never heard of them.
 * Their shoppers are told so on their next call (404), and their units are on sale again.
 */
import type { Hold, Holds, InventoryPosition, Rebuild, StockFigures } from '../../inventory/index.js';
import type { DropsService } from '../drops/index.js';
import type { OrdersStore } from './orders-store.js';

export type Verdict = 'ok' | 'lost' | 'behind' | 'diverged' | 'fenced';

export interface Reconciliation {
  dropId: string;
  /** Redis's units, or null when Redis holds none for the drop (it lost its data). */
  redis: StockFigures | null;
  /** The units by PostgreSQL: the drop's stock and its orders held and paid. */
  postgres: StockFigures;
  matches: boolean;
  /** What was found before any rebuild; anything but `ok` is rebuilt when asked to. */
  verdict: Verdict;
  /** The drop's change counter in Redis and the highest one PostgreSQL applied (after any rebuild). */
  seq: { redis: number; postgres: number };
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
  rebuild: Rebuild;
  /** Events not yet applied by the workers (JetStream consumer backlog). */
  backlog: () => Promise<number>;
  clock: Pick<DateConstructor, 'now'>;
  drainTimeoutMs?: number;
  /** After fencing, how long a pay already past its script has to store its event in JetStream. */
  fenceGraceMs?: number;
}

const UNITS = ['total', 'available', 'held', 'sold'] as const;
const same = (a: StockFigures | null, b: StockFigures) => a !== null && UNITS.every((k) => a[k] === b[k]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createReconciler(deps: ReconcilerDeps) {
  const { drops, orders, holds, rebuild, backlog, clock } = deps;
  const drainTimeoutMs = deps.drainTimeoutMs ?? 30_000;
  const fenceGraceMs = deps.fenceGraceMs ?? 500;

  async function drained(): Promise<void> {
    const deadline = clock.now() + drainTimeoutMs;
    while ((await backlog()) > 0) {
      if (clock.now() > deadline)
        throw new Error('the workers did not drain the event stream in time; not rebuilding');
      await sleep(100);
    }
  }

  async function postgresUnits(dropId: string, total: number): Promise<StockFigures> {
    // From the orders, whose status only moves from held to final: events of an older Redis cannot unpay them.
    const { heldUnits: held, paidUnits: sold } = await orders.totals(dropId);
    return { total, available: total - held - sold, held, sold };
  }

  const postgresSeq = async (dropId: string) => (await orders.positions([dropId])).get(dropId) ?? 0;

  /** What Redis is, judged against PostgreSQL; units are compared only once nothing is in flight. */
  async function judge(dropId: string, total: number, pos: InventoryPosition): Promise<Verdict> {
    if (!pos.stock) return 'lost';
    if (pos.fenced) return 'fenced';
    const seq = await postgresSeq(dropId);
    if (pos.seq < seq) return 'behind';
    if (same(pos.stock, await postgresUnits(dropId, total))) return 'ok';
    if (pos.seq !== seq || pos.pending > 0 || (await backlog()) > 0) return 'ok';
    // Quiet: read both sides again, in case a change slipped in between.
    const [again, seqAgain, units] = [
      await rebuild.position(dropId),
      await postgresSeq(dropId),
      await postgresUnits(dropId, total),
    ];
    const quiet = again.seq === pos.seq && seqAgain === pos.seq && again.pending === 0;
    return quiet && !same(again.stock, units) ? 'diverged' : 'ok';
  }

  async function restore(dropId: string, total: number, verdict: Exclude<Verdict, 'ok'>) {
    const mode = verdict === 'lost' ? 'missing' : 'replace';
    if (mode === 'replace') {
      await rebuild.fence(dropId, verdict);
      await sleep(fenceGraceMs);
    }
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
    // Meta and waiting room first (the drop's settings), then its units, counters continuing from PostgreSQL.
    await drops.remirror(dropId);
    const restored = await rebuild.restore(dropId, {
      total,
      known,
      mode,
      seq: await postgresSeq(dropId),
      availabilitySeq: await drops.availabilitySeq(dropId),
    });
    return restored ? { ...restored, holds: known.length } : undefined;
  }

  return {
    /**
     * Compares Redis with PostgreSQL; with `rebuild`, rebuilds the drop when Redis lost it, is behind, diverged or
     * is still fenced (never a drop that is only scheduled: it has no units to lose).
     */
    async reconcile(dropId: string, { rebuild: repair = false } = {}): Promise<Reconciliation> {
      const drop = await drops.get(dropId);
      let pos = await rebuild.position(dropId);
      const verdict = await judge(dropId, drop.stock, pos);
      let rebuilt: Reconciliation['rebuilt'];
      if (verdict !== 'ok' && repair && drop.status !== 'scheduled') {
        rebuilt = await restore(dropId, drop.stock, verdict);
        pos = await rebuild.position(dropId);
      }
      const postgres = await postgresUnits(dropId, drop.stock);
      const inRedis = pos.stock
        ? (await holds.list(dropId)).filter((h) => h.status === 'held').map((h) => h.id)
        : [];
      const recorded = new Set(await orders.idsOf(dropId, inRedis));
      return {
        dropId,
        redis: pos.stock,
        postgres,
        matches: same(pos.stock, postgres) && !pos.fenced,
        verdict,
        seq: { redis: pos.seq, postgres: await postgresSeq(dropId) },
        unrecorded: inRedis.filter((id) => !recorded.has(id)),
        ...(rebuilt ? { rebuilt } : {}),
      };
    },

    /** The drops among `dropIds` whose Redis is fenced or behind PostgreSQL: cheap enough to ask every few seconds. */
    async behind(dropIds: string[]): Promise<{ dropId: string; redis: number; postgres: number }[]> {
      const seqs = await orders.positions(dropIds);
      const found = [];
      for (const dropId of dropIds) {
        const pos = await rebuild.position(dropId);
        const postgres = seqs.get(dropId) ?? 0;
        if (pos.stock && (pos.fenced || pos.seq < postgres)) found.push({ dropId, redis: pos.seq, postgres });
      }
      return found;
    },
  };
}

export type Reconciler = ReturnType<typeof createReconciler>;
