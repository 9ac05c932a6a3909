/**
 * The waiting room of each drop: join, read one's place, leave, and the drop's settings mirrored from PostgreSQL.
 * Each call is one Redis round trip (one script). Places live in a sorted set, so a place and the count ahead are
 * O(log n) reads.
 */
import { randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { issueChallenge, type JoinProof } from './challenge.js';
import { QueueCode, settle } from './codes.js';
import type { QueueKeys } from './keys.js';
import { assertQueueScripts } from './scripts.js';

/**
 * `sold_out` is `waiting` while no unit is available (every unit held or sold right now): the shopper keeps the
 * place, and admission resumes if held units return. `all_sold` is `waiting` once the drop is sold out for good
 * (every unit sold, none held): nothing can come back, the line is closed and nobody more is admitted.
 */
export type QueueStatus =
  'none' | 'prequeue' | 'waiting' | 'sold_out' | 'all_sold' | 'admitted' | 'left' | 'expired' | 'finished';

export interface QueueView {
  status: QueueStatus;
  /** 1-based place, fixed once given; null before it is given (pre-queue) or for one who never joined. */
  position: number | null;
  /** Waiting shoppers with a smaller place (exact); null unless waiting. */
  ahead: number | null;
  /** Shoppers waiting in this drop. */
  queueLength: number;
  /**
   * ceil(ahead / pace × 60), where the pace is how fast the line moves (shoppers a minute): the configured rate, or
   * slower when maxActive binds (see includes/pace.lua); null unless waiting, and while paused or sold out.
   */
  etaSeconds: number | null;
  /** Admission of the drop is paused by an operator. */
  paused: boolean;
  /** The operator's word to waiting shoppers while paused; null when none, and whenever admission runs. */
  pauseMessage: string | null;
  /** When the shopper's admission window ends; set while admitted (and after, for expired). */
  admissionEndsAt: Date | null;
}

export interface DropQueueSettings {
  id: string;
  version: number;
  status: 'scheduled' | 'open' | 'sold_out' | 'closed' | 'cancelled';
  admissionPerMinute: number;
  maxActive: number;
  admissionPaused: boolean;
  /** Shown to waiting shoppers while paused; null or absent: none. */
  pauseMessage?: string | null;
  /** Leading zero bits of the proof of work a new joiner must present; 0 (the default): none. */
  challengeBits?: number;
}

export type { IssuedChallenge, JoinProof } from './challenge.js';

export interface QueueFigures {
  queueLength: number;
  admittedTotal: number;
  activeAdmissions: number;
  /** Joins and admissions over the last minute, counted in 10-second buckets. */
  joinsPerMinute: number;
  admitsPerMinute: number;
}

export interface WaitingRoomDeps {
  redis: Redis;
  keys: QueueKeys;
  /** The hash that holds a drop's `available` units; kept by whoever keeps stock (wired in by infra/). */
  stockKey: (dropId: string) => string;
  clock: Pick<DateConstructor, 'now'>;
  /** How long an issued proof-of-work challenge stays good (default 2 minutes). */
  challengeTtlMs?: number;
}

const STATUSES: readonly string[] = [
  'none',
  'prequeue',
  'waiting',
  'admitted',
  'left',
  'expired',
  'finished',
];
const BUCKET_MS = 10_000;
const LIVE_STATUSES = new Set(['open', 'sold_out', 'closed', 'cancelled']);

/** Seconds until `ahead` shoppers have gone in at `pacePerMinute`; null when the line does not move. */
export const etaSeconds = (ahead: number, pacePerMinute: number) =>
  pacePerMinute > 0 ? Math.ceil((ahead / pacePerMinute) * 60) : null;

/**
 * Turns view() of includes/shopper-state.lua into a QueueView; anything unexpected is an error, not a guess.
 * `allSold`: the drop is sold out for good (includes/all-sold.lua).
 */
function toView(reply: unknown[], allSold = false): QueueView {
  const [status, place, ahead, queueLength, pace, paused, available, ends, dropStatus, message] = reply;
  if (typeof status !== 'string' || !STATUSES.includes(status))
    throw new Error(`queue state: unexpected status ${String(status)}`);
  const num = (v: unknown) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`queue state: unexpected number ${String(v)}`);
    return n;
  };
  const soldOut = dropStatus === 'sold_out' || num(available) === 0;
  const waiting = status === 'waiting';
  const publicStatus = (
    waiting && allSold ? 'all_sold' : waiting && soldOut ? 'sold_out' : status
  ) as QueueStatus;
  const aheadCount = waiting ? num(ahead) : null;
  const isPaused = num(paused) === 1;
  return {
    status: publicStatus,
    position: num(place) >= 0 ? num(place) : null,
    ahead: aheadCount,
    queueLength: num(queueLength),
    etaSeconds: aheadCount !== null && !isPaused && !soldOut ? etaSeconds(aheadCount, num(pace)) : null,
    admissionEndsAt: num(ends) >= 0 ? new Date(num(ends)) : null,
    paused: isPaused,
    pauseMessage: isPaused && typeof message === 'string' && message !== '' ? message : null,
  };
}

export type WaitingRoom = ReturnType<typeof createWaitingRoom>;

export function createWaitingRoom(deps: WaitingRoomDeps) {
  const { redis, keys, stockKey, clock } = deps;
  assertQueueScripts(redis);
  const bucket = () => Math.floor(clock.now() / BUCKET_MS);

  return {
    /**
     * Joins (201 semantics when `created`), or returns the shopper's existing entry. While the drop asks for a proof
     * of work, a new entry needs `proof`; a missing or bad one throws ChallengeFailedError and changes nothing else.
     */
    join: (dropId: string, shopperId: string, proof?: JoinProof) =>
      join(deps, bucket(), dropId, shopperId, proof),

    async state(dropId: string, shopperId: string): Promise<QueueView> {
      const reply = await redis.queueState(
        keys.config(dropId),
        keys.wait(dropId),
        keys.state(dropId),
        stockKey(dropId),
        shopperId,
      );
      const [allSold, ...view] = settle('state', reply).rest;
      return toView(view, allSold === 1);
    },

    async leave(dropId: string, shopperId: string): Promise<void> {
      const reply = await redis.queueLeave(
        keys.config(dropId),
        keys.pre(dropId),
        keys.wait(dropId),
        keys.state(dropId),
        keys.active(dropId),
        shopperId,
      );
      settle('leave', reply);
    },

    /** Mirrors the drop's status and admission settings; at opening, places the pre-queue in its random order. */
    async configure(drop: DropQueueSettings): Promise<{ applied: boolean; placed: number }> {
      const reply = await redis.queueConfigure(
        keys.config(drop.id),
        keys.pre(drop.id),
        keys.wait(drop.id),
        keys.seq(drop.id),
        keys.state(drop.id),
        drop.version,
        drop.status,
        drop.admissionPerMinute,
        drop.maxActive,
        drop.admissionPaused ? 1 : 0,
        drop.challengeBits ?? 0,
        drop.pauseMessage ?? '',
      );
      const { code, rest } = settle('configure', reply, [QueueCode.OK, QueueCode.UNCHANGED]);
      // The admission controllers tick live drops, and a drop that just ended once more, to tell its shoppers.
      if (LIVE_STATUSES.has(drop.status)) await redis.sadd(keys.live(), drop.id);
      return { applied: code === QueueCode.OK, placed: Number(rest[0]) };
    },

    /** A proof-of-work challenge for the shopper's next join of this drop. */
    challenge: (dropId: string, shopperId: string) =>
      issueChallenge(deps, dropId, shopperId, deps.challengeTtlMs ?? 120_000),

    /** Status and place of several shoppers in one round trip (for an edge refreshing its own sockets). */
    places: (dropId: string, shopperIds: string[]) => places(deps, dropId, shopperIds),

    figures: (dropId: string) => figures(deps, dropId, bucket()),
  };
}

async function join(
  { redis, keys, stockKey }: WaitingRoomDeps,
  bucket: number,
  dropId: string,
  shopperId: string,
  proof?: JoinProof,
): Promise<{ created: boolean; view: QueueView }> {
  const reply = await redis.queueJoin(
    keys.config(dropId),
    keys.pre(dropId),
    keys.wait(dropId),
    keys.seq(dropId),
    keys.state(dropId),
    keys.stats(dropId),
    stockKey(dropId),
    keys.challenge(dropId, proof?.challenge ?? ''),
    shopperId,
    randomInt(0, 2 ** 48 - 1),
    bucket,
    proof?.bits ?? 0,
  );
  const [created, ...view] = settle('join', reply).rest;
  return { created: created === 1, view: toView(view) };
}

async function places(
  { redis, keys }: WaitingRoomDeps,
  dropId: string,
  shopperIds: string[],
): Promise<Map<string, { status: string; position: number | null }>> {
  const result = new Map<string, { status: string; position: number | null }>();
  if (shopperIds.length === 0) return result;
  const raw = await redis.hmget(keys.state(dropId), ...shopperIds);
  shopperIds.forEach((id, i) => {
    const match = /^([a-z_]+)\|(\d*)\|/.exec(raw[i] ?? '');
    result.set(
      id,
      match
        ? { status: match[1]!, position: match[2] ? Number(match[2]) : null }
        : { status: 'none', position: null },
    );
  });
  return result;
}

async function figures(
  { redis, keys, clock }: WaitingRoomDeps,
  dropId: string,
  bucket: number,
): Promise<QueueFigures> {
  const window = Array.from({ length: 6 }, (_, i) => bucket - i);
  const [queueLength, activeAdmissions, stats] = await Promise.all([
    redis.zcard(keys.wait(dropId)),
    redis.zcount(keys.active(dropId), clock.now(), '+inf'),
    redis.hmget(
      keys.stats(dropId),
      'admitted',
      ...window.map((x) => `j:${x}`),
      ...window.map((x) => `a:${x}`),
    ),
  ]);
  const sum = (values: (string | null)[]) => values.reduce((total, v) => total + Number(v ?? 0), 0);
  return {
    queueLength,
    activeAdmissions,
    admittedTotal: Number(stats[0] ?? 0),
    joinsPerMinute: sum(stats.slice(1, 7)),
    admitsPerMinute: sum(stats.slice(7, 13)),
  };
}
