/**
 * The per-edge fan-out of admission ticks.
 *
 * - `queue` pushes cost no Redis call per shopper: the drop's admission leader shares one summary per drop a second
 *   (`tick`: nowServing, queueLength, rate, pace, paused and its message) with every edge, and each edge derives its
 *   own sockets' places from it (`ahead = max(0, position − nowServing − 1)`, an upper bound; the ack and GET
 *   …/queue/me are exact) and their promised wait (ahead at the pace).
 * - `status` and `stock` go to the drop's room through the Socket.IO Redis adapter, so they reach a shopper on any
 *   edge. `admitted` goes to this edge's sockets directly and to the other edges as one message per tick (the
 *   tick's admissions), not one Redis message per shopper that every edge would decode.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { etaSeconds, type TickResult, type WaitingRoom } from '../../queue/index.js';
import type { AdmissionTokens } from '../auth/admission.js';
import type { AdmissionSummary, AdmittedBatch, QueuePush, StockPush } from '../socket-contract.js';
import type { DropsNamespace } from './types.js';
import { moveKey, type Watcher, type Watchers } from './watchers.js';

export interface FanOutDeps {
  waitingRoom: WaitingRoom;
  admissionTokens: AdmissionTokens;
  watchers: Watchers;
  log: Logger;
  clock: Pick<DateConstructor, 'now'>;
  /** When the drop's held units return (for `stock` pushes while units are held); none: pushed as null. */
  heldReturns?: (dropId: string) => Promise<HeldReturnsJson>;
}

/** The stock's return figures as pushed (ISO times; null when nothing is held). */
export type HeldReturnsJson = Pick<StockPush, 'nextReturnAt' | 'heldUntil'>;

const NOTHING_HELD: HeldReturnsJson = { nextReturnAt: null, heldUntil: null };

export interface FanOut {
  /** Hands one admission tick (this edge leads the drop) to every edge's shoppers. */
  onTick(result: TickResult): Promise<void>;
}

const SUMMARY_EVERY_MS = 1000;
/**
 * Unchanged stock is told again this often: a socket that started watching just after the last change (its page
 * read the stock a moment before that change) learns the figures within this time, not at the next change.
 */
const STOCK_AGAIN_MS = 5000;
/** A change that does not move the shopper's place (the queue grew behind it) is told at most this often. */
const REFRESH_MS = 5000;

// Other edges may run other code (during a deploy, say): what they send is checked before it is believed.
const summarySchema = z.object({
  dropId: z.uuid(),
  dropStatus: z.string(),
  nowServing: z.number().int().min(0),
  queueLength: z.number().int().min(0),
  perMinute: z.number().min(0),
  paused: z.boolean(),
  pauseMessage: z.string().max(200).nullable().default(null),
  pacePerMinute: z.number().min(0).optional(),
  soldOut: z.boolean(),
  // An edge that predates it never says so: its watchers learn it from the next summary of a newer leader.
  allSold: z.boolean().default(false),
  at: z.number(),
}) satisfies z.ZodType<AdmissionSummary>;

const admittedSchema = z.object({
  dropId: z.uuid(),
  admissions: z.array(z.object({ shopperId: z.string(), token: z.string(), expiresAt: z.string() })),
}) satisfies z.ZodType<AdmittedBatch>;

/** What this edge, as leader, last told a drop's room. */
interface Told {
  status?: string;
  stock?: string;
  stockAt: number;
  summaryAt: number;
  /** Whether the drop was sold out for good at the last summary. */
  allSold?: boolean;
}

export function createFanOut(drops: DropsNamespace, deps: FanOutDeps): FanOut {
  const { admissionTokens, log, clock } = deps;
  const pushPlaces = placePusher(deps);
  const told = new Map<string, Told>();

  /** Tells this edge's sockets of each admitted shopper. */
  const deliverAdmitted = ({ dropId, admissions }: AdmittedBatch) => {
    for (const a of admissions)
      drops.local.to(`u:${a.shopperId}`).emit('admitted', { dropId, token: a.token, expiresAt: a.expiresAt });
  };

  // Admissions and summaries from the leaders on other edges.
  drops.on('admitted', (raw: unknown) => {
    const batch = admittedSchema.safeParse(raw);
    if (!batch.success) return log.warn('ignoring a malformed admission batch');
    deliverAdmitted(batch.data);
  });
  drops.on('tick', (raw: unknown) => {
    const summary = summarySchema.safeParse(raw);
    if (!summary.success) return log.warn('ignoring a malformed admission summary');
    pushPlaces(summary.data).catch((error: unknown) =>
      log.error({ err: error }, 'pushing queue places failed'),
    );
  });

  return {
    async onTick(result) {
      const now = clock.now();
      const last = told.get(result.dropId) ?? { stockAt: 0, summaryAt: 0 };
      told.set(result.dropId, last);
      if (result.admitted.length > 0) {
        const batch = await signAdmissions(result, admissionTokens);
        deliverAdmitted(batch);
        drops.serverSideEmit('admitted', batch);
      }
      tellRoom(drops, result, last, now, deps);
      // Sold out for good is told at once: the waiting shoppers' line has closed.
      const allSold = allSoldOf(result);
      if (now - last.summaryAt >= SUMMARY_EVERY_MS || allSold !== (last.allSold ?? false)) {
        last.summaryAt = now;
        last.allSold = allSold;
        const summary = summaryOf(result, now);
        drops.serverSideEmit('tick', summary);
        await pushPlaces(summary);
      }
    },
  };
}

/** One tick's admissions with their admission tokens. */
async function signAdmissions(result: TickResult, admissionTokens: AdmissionTokens): Promise<AdmittedBatch> {
  return {
    dropId: result.dropId,
    admissions: await Promise.all(
      result.admitted.map(async (a) => ({
        shopperId: a.shopperId,
        token: await admissionTokens.sign({
          shopperId: a.shopperId,
          dropId: result.dropId,
          expiresAt: a.admissionEndsAt,
        }),
        expiresAt: a.admissionEndsAt.toISOString(),
      })),
    ),
  };
}

/**
 * Tells the drop's room, on every edge, of a new status at once, of changed stock at most once a second, and of
 * unchanged stock every 5 s.
 */
function tellRoom(
  drops: DropsNamespace,
  result: TickResult,
  last: Told,
  now: number,
  { heldReturns, log }: FanOutDeps,
): void {
  const room = drops.to(`d:${result.dropId}`);
  if (last.status !== result.dropStatus) {
    last.status = result.dropStatus;
    room.emit('status', { dropId: result.dropId, status: result.dropStatus });
  }
  if (result.stock) {
    const stock = JSON.stringify(result.stock);
    const due = stock !== last.stock ? SUMMARY_EVERY_MS : STOCK_AGAIN_MS;
    if (now - last.stockAt >= due) {
      last.stock = stock;
      last.stockAt = now;
      const figures = { dropId: result.dropId, ...result.stock };
      // One read of the holds' deadlines, only while units are held and only when the figures changed.
      const returns =
        result.stock.held > 0 && heldReturns ? heldReturns(result.dropId) : Promise.resolve(NOTHING_HELD);
      returns
        .then((r) => room.emit('stock', { ...figures, ...r }))
        .catch((error: unknown) => log.error({ err: error }, 'reading when held units return failed'));
    }
  }
}

/**
 * Whether the drop is sold out for good: every unit sold and none held (exact in Redis the moment the last unit is
 * paid); without stock in Redis (being rebuilt), as its status says.
 */
const allSoldOf = (result: TickResult): boolean =>
  result.stock ? result.stock.available === 0 && result.stock.held === 0 : result.dropStatus === 'sold_out';

function summaryOf(result: TickResult, now: number): AdmissionSummary {
  return {
    dropId: result.dropId,
    dropStatus: result.dropStatus,
    nowServing: result.nowServing,
    queueLength: result.queueLength,
    perMinute: result.perMinute,
    pacePerMinute: result.pacePerMinute,
    paused: result.paused,
    pauseMessage: result.pauseMessage,
    soldOut: result.stock?.available === 0 || result.dropStatus === 'sold_out',
    allSold: allSoldOf(result),
    at: now,
  };
}

/** Pushes `queue` to this edge's waiting sockets of one drop, from the shared summary. */
function placePusher({ watchers, waitingRoom, clock }: FanOutDeps) {
  /** What this edge last saw of each drop's status (to place pre-queued watchers at opening). */
  const seenStatus = new Map<string, string>();
  return async (summary: AdmissionSummary): Promise<void> => {
    const byDrop = watchers.of(summary.dropId);
    if (!byDrop) return;
    const opened = seenStatus.get(summary.dropId) !== summary.dropStatus;
    seenStatus.set(summary.dropId, summary.dropStatus);
    if (opened && (summary.dropStatus === 'open' || summary.dropStatus === 'sold_out')) {
      // Pre-queued shoppers got their places at opening: one read for all of this edge's, not one per shopper.
      const unplaced = [...byDrop.values()].filter((w) => w.waiting && w.position === null);
      const places = await waitingRoom.places(
        summary.dropId,
        unplaced.map((w) => w.shopperId),
      );
      for (const w of unplaced) w.position = places.get(w.shopperId)?.position ?? null;
    }
    const now = clock.now();
    for (const w of byDrop.values()) pushPlace(w, summary, now);
  };
}

/** Tells one watcher its place, if it waits and its place moved (or the rest changed and is due a refresh). */
function pushPlace(w: Watcher, summary: AdmissionSummary, now: number): void {
  if (!w.waiting || w.position === null) return;
  if (w.position <= summary.nowServing) {
    w.waiting = false; // admitted (or left): `admitted` reaches the shopper through its own room
    return;
  }
  const ahead = Math.max(0, w.position - summary.nowServing - 1);
  const stopped = summary.paused || summary.soldOut;
  const payload: Omit<QueuePush, 'at'> = {
    dropId: summary.dropId,
    status: summary.allSold ? 'all_sold' : summary.soldOut ? 'sold_out' : 'waiting',
    position: w.position,
    ahead,
    queueLength: summary.queueLength,
    etaSeconds: stopped ? null : etaSeconds(ahead, summary.pacePerMinute ?? summary.perMinute),
    paused: summary.paused,
    pauseMessage: summary.paused ? summary.pauseMessage : null,
  };
  // The line moved for this shopper: tell at once (summaries come once a second). Only the queue grew behind:
  // tell at most every REFRESH_MS — a join storm would otherwise push to every watcher every second.
  const move = moveKey(
    payload.status,
    payload.ahead,
    payload.etaSeconds,
    payload.paused,
    payload.pauseMessage,
  );
  const text = JSON.stringify(payload);
  if (move !== w.lastMove || (text !== w.lastPayload && now - w.lastPushAt >= REFRESH_MS)) {
    w.socket.emit('queue', { ...payload, at: summary.at });
    w.lastMove = move;
    w.lastPayload = text;
    w.lastPushAt = now;
  }
  // Sold out for good: the line is closed and this shopper has been told; nothing more will move it.
  if (summary.allSold) w.waiting = false;
}
