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

/** The deps with their defaults filled in. */
type Ctx = ReconcilerDeps & Required<Pick<ReconcilerDeps, 'drainTimeoutMs' | 'fenceGraceMs'>>;

async function drained({ backlog, clock, drainTimeoutMs }: Ctx): Promise<void> {
  const deadline = clock.now() + drainTimeoutMs;
  while ((await backlog()) > 0) {
    if (clock.now() > deadline)
      throw new Error('the workers did not drain the event stream in time; not rebuilding');
    await sleep(100);
  }
}

async function postgresUnits(ctx: Ctx, dropId: string, total: number): Promise<StockFigures> {
  // From the orders, whose status only moves from held to final: events of an older Redis cannot unpay them.
  const { heldUnits: held, paidUnits: sold } = await ctx.orders.totals(dropId);
  return { total, available: total - held - sold, held, sold };
}

const postgresSeq = async (ctx: Ctx, dropId: string) =>
  (await ctx.orders.positions([dropId])).get(dropId) ?? 0;

/** What Redis is, judged against PostgreSQL; units are compared only once nothing is in flight. */
async function judge(ctx: Ctx, dropId: string, total: number, pos: InventoryPosition): Promise<Verdict> {
  if (!pos.stock) return 'lost';
  if (pos.fenced) return 'fenced';
  if (!pos.verified) {
    // Redis restarted (or a replica took over): its changes may be older than what PostgreSQL has applied, or than
    // what is still on its way there. Drain the stream first, so PostgreSQL has every published change, then compare.
    await drained(ctx);
    if (!(await ctx.rebuild.verify(dropId, await postgresSeq(ctx, dropId)))) return 'behind';
  }
  const seq = await postgresSeq(ctx, dropId);
  if (pos.seq < seq) return 'behind';
  if (same(pos.stock, await postgresUnits(ctx, dropId, total))) return 'ok';
  if (pos.seq !== seq || pos.pending > 0 || (await ctx.backlog()) > 0) return 'ok';
  // Quiet: read both sides again, in case a change slipped in between.
  const [again, seqAgain, units] = [
    await ctx.rebuild.position(dropId),
    await postgresSeq(ctx, dropId),
    await postgresUnits(ctx, dropId, total),
  ];
  const quiet = again.seq === pos.seq && seqAgain === pos.seq && again.pending === 0;
  return quiet && !same(again.stock, units) ? 'diverged' : 'ok';
}

/** The holds PostgreSQL knows of (paid or still held), as a rebuild restores them. */
async function knownHolds(ctx: Ctx, dropId: string): Promise<Hold[]> {
  return (await ctx.orders.liveOrders(dropId)).map((o) => ({
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
}

async function restore(ctx: Ctx, dropId: string, total: number, verdict: Exclude<Verdict, 'ok'>) {
  const { drops, rebuild } = ctx;
  const mode = verdict === 'lost' ? 'missing' : 'replace';
  if (mode === 'replace') {
    await rebuild.fence(dropId, verdict);
    await sleep(ctx.fenceGraceMs);
  }
  await drained(ctx);
  const known = await knownHolds(ctx, dropId);
  // Meta and waiting room first (the drop's settings), then its units, counters continuing from PostgreSQL.
  await drops.remirror(dropId);
  const restored = await rebuild.restore(dropId, {
    total,
    known,
    mode,
    seq: await postgresSeq(ctx, dropId),
    availabilitySeq: await drops.availabilitySeq(dropId),
  });
  return restored ? { ...restored, holds: known.length } : undefined;
}

/** Holds Redis has that PostgreSQL has not recorded yet (none when Redis holds no units for the drop). */
async function unrecorded(ctx: Ctx, dropId: string, pos: InventoryPosition): Promise<string[]> {
  const inRedis = pos.stock
    ? (await ctx.holds.list(dropId)).filter((h) => h.status === 'held').map((h) => h.id)
    : [];
  const recorded = new Set(await ctx.orders.idsOf(dropId, inRedis));
  return inRedis.filter((id) => !recorded.has(id));
}

async function reconcile(
  ctx: Ctx,
  dropId: string,
  { rebuild: repair = false }: { rebuild?: boolean },
): Promise<Reconciliation> {
  const drop = await ctx.drops.get(dropId);
  let pos = await ctx.rebuild.position(dropId);
  const verdict = await judge(ctx, dropId, drop.stock, pos);
  let rebuilt: Reconciliation['rebuilt'];
  if (verdict !== 'ok' && repair && drop.status !== 'scheduled') {
    rebuilt = await restore(ctx, dropId, drop.stock, verdict);
    pos = await ctx.rebuild.position(dropId);
  }
  const postgres = await postgresUnits(ctx, dropId, drop.stock);
  const notRecorded = await unrecorded(ctx, dropId, pos);
  return {
    dropId,
    redis: pos.stock,
    postgres,
    matches: same(pos.stock, postgres) && !pos.fenced,
    verdict,
    seq: { redis: pos.seq, postgres: await postgresSeq(ctx, dropId) },
    unrecorded: notRecorded,
    ...(rebuilt ? { rebuilt } : {}),
  };
}

async function behind(
  ctx: Ctx,
  dropIds: string[],
): Promise<{ dropId: string; redis: number; postgres: number; verified: boolean }[]> {
  const seqs = await ctx.orders.positions(dropIds);
  const found = [];
  for (const dropId of dropIds) {
    const pos = await ctx.rebuild.position(dropId);
    const postgres = seqs.get(dropId) ?? 0;
    if (pos.stock && (pos.fenced || !pos.verified || pos.seq < postgres))
      found.push({ dropId, redis: pos.seq, postgres, verified: pos.verified });
  }
  return found;
}

export function createReconciler(deps: ReconcilerDeps) {
  const ctx: Ctx = {
    ...deps,
    drainTimeoutMs: deps.drainTimeoutMs ?? 30_000,
    fenceGraceMs: deps.fenceGraceMs ?? 500,
  };
  return {
    /**
     * Compares Redis with PostgreSQL; with `rebuild`, rebuilds the drop when Redis lost it, is behind, diverged or
     * is still fenced (never a drop that is only scheduled: it has no units to lose).
     */
    reconcile(dropId: string, options: { rebuild?: boolean } = {}): Promise<Reconciliation> {
      return reconcile(ctx, dropId, options);
    },

    /**
     * The drops among `dropIds` whose Redis is fenced, behind PostgreSQL or not yet verified on this Redis server:
     * cheap enough to ask every few seconds.
     */
    behind(
      dropIds: string[],
    ): Promise<{ dropId: string; redis: number; postgres: number; verified: boolean }[]> {
      return behind(ctx, dropIds);
    },
  };
}

export type Reconciler = ReturnType<typeof createReconciler>;
