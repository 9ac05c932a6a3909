/**
 * The admission controller. Every edge process runs one; its root calls `tickAll` every quarter second (a ticker),
 * which ticks every live drop with one script call each, and only the holder of the drop's lease acts, so the rate
 * holds however many edges run, and a new leader takes over within `leaseMs` when one stops. The leader's results
 * go to `onTick`, which tells shoppers (Socket.IO) who was admitted and how the line moved.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { QueueCode, settle } from './codes.js';
import type { QueueKeys } from './keys.js';
import { assertQueueScripts } from './scripts.js';

export interface Admitted {
  shopperId: string;
  position: number;
  admissionEndsAt: Date;
}

export interface TickResult {
  dropId: string;
  dropStatus: string;
  /** The highest place admitted so far. */
  nowServing: number;
  queueLength: number;
  perMinute: number;
  paused: boolean;
  maxActive: number;
  activeCount: number;
  admittedTotal: number;
  /** The drop's stock hash, when it exists. */
  stock: { available: number; held: number; sold: number } | null;
  /** How fast the line moves (shoppers a minute): perMinute, or slower when maxActive binds (includes/pace.lua). */
  pacePerMinute: number;
  /** The operator's word to waiting shoppers while paused; null when none (or not paused). */
  pauseMessage: string | null;
  admitted: Admitted[];
}

export interface AdmissionControllerOptions {
  redis: Redis;
  keys: QueueKeys;
  stockKey: (dropId: string) => string;
  clock: Pick<DateConstructor, 'now'>;
  admissionWindowSeconds: number;
  onTick: (result: TickResult) => void | Promise<void>;
  onError?: (error: unknown) => void;
  leaseMs?: number;
  /** Identifies this controller in the lease; unique per process by default. */
  id?: string;
}

const ENDED = new Set(['closed', 'cancelled', 'none']);

/** The tick's reply after its code: see tick-8.lua. */
function parseTick(dropId: string, reply: unknown[]): TickResult {
  const num = (i: number) => {
    const n = Number(reply[i]);
    if (!Number.isFinite(n)) throw new Error(`admission tick: field ${i} is not a number`);
    return n;
  };
  const admitted: Admitted[] = [];
  for (let i = 13; i + 2 < reply.length; i += 3) {
    admitted.push({
      shopperId: String(reply[i]),
      position: num(i + 1),
      admissionEndsAt: new Date(num(i + 2)),
    });
  }
  const available = num(8);
  return {
    dropId,
    dropStatus: String(reply[0]),
    nowServing: num(1),
    queueLength: num(2),
    perMinute: num(3),
    paused: num(4) === 1,
    maxActive: num(5),
    activeCount: num(6),
    admittedTotal: num(7),
    stock: available < 0 ? null : { available, held: Math.max(0, num(9)), sold: Math.max(0, num(10)) },
    pacePerMinute: num(11),
    pauseMessage: num(4) === 1 && typeof reply[12] === 'string' && reply[12] !== '' ? reply[12] : null,
    admitted,
  };
}

export type AdmissionController = ReturnType<typeof createAdmissionController>;

export function createAdmissionController(options: AdmissionControllerOptions) {
  const { redis, keys, stockKey, clock, admissionWindowSeconds, onTick } = options;
  const leaseMs = options.leaseMs ?? 2000;
  const id = options.id ?? randomUUID();
  const onError = options.onError ?? (() => {});
  assertQueueScripts(redis);

  /** One tick of one drop; null when another controller holds its lease. */
  async function tick(dropId: string): Promise<TickResult | null> {
    const now = clock.now();
    const reply = await redis.queueTick(
      keys.config(dropId),
      keys.wait(dropId),
      keys.active(dropId),
      keys.state(dropId),
      keys.serving(dropId),
      keys.stats(dropId),
      keys.lease(dropId),
      stockKey(dropId),
      id,
      leaseMs,
      now,
      admissionWindowSeconds * 1000,
      Math.floor(now / 10_000),
    );
    const { code, rest } = settle('tick', reply, [QueueCode.OK, QueueCode.NOT_LEADER]);
    return code === QueueCode.OK ? parseTick(dropId, rest) : null;
  }

  /** Ticks every live drop once; returns the results of the drops this controller leads. */
  async function tickAll(): Promise<TickResult[]> {
    const drops = await redis.smembers(keys.live());
    const results = await Promise.all(
      drops.map(async (dropId) => {
        try {
          const result = await tick(dropId);
          if (!result) return null;
          await onTick(result);
          // A drop that ended was ticked once more so its shoppers were told; it needs no more ticks.
          if (ENDED.has(result.dropStatus)) await redis.srem(keys.live(), dropId);
          return result;
        } catch (error) {
          onError(error);
          return null;
        }
      }),
    );
    return results.filter((r): r is TickResult => r !== null);
  }

  return { id, tick, tickAll };
}
