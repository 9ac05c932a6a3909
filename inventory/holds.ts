/**
 * Holds: reserve, release, pay (the Redis side of a payment) and expiry, each one Lua script and one round trip.
 * A reservation id carries its drop (`rsv_` + base64url of the drop's 16 bytes and 16 random ones), so a
 * reservation is found from its id alone and all of a drop's keys stay in one Redis Cluster slot.
 */
import { createHash, randomFillSync } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { defineInventoryCommands } from './commands.js';
import {
  DropNotOpenError,
  HoldExpiredError,
  LimitReachedError,
  NotAdmittedError,
  ReservationConflictError,
  ReservationNotFoundError,
  SoldOutError,
  StockUnavailableError,
} from './errors.js';
import { inventoryEvent, type InventoryEvent } from './events.js';
import type { InventoryKeys } from './keys.js';

export interface Clock {
  now(): number;
}

export type HoldStatus = 'held' | 'paid' | 'expired' | 'released';

export interface Hold {
  id: string;
  dropId: string;
  shopperId: string;
  quantity: number;
  amountCents: number;
  status: HoldStatus;
  createdAt: Date;
  expiresAt: Date;
  paidAt: Date | null;
  /** The shopper is a guest (recorded in PostgreSQL by its first event). */
  guest: boolean;
}

const record = z.object({
  s: z.string(),
  q: z.number().int().positive(),
  st: z.enum(['held', 'paid', 'expired', 'released']),
  d: z.number(),
  c: z.number(),
  a: z.number(),
  g: z.boolean(),
  p: z.number().optional(),
});

const RESERVATION_ID = /^rsv_[A-Za-z0-9_-]{43}$/;
/** How many of its own recent reservations a process remembers (oldest forgotten first). */
const RECENT_HOLDS = 100_000;

/** CSPRNG bytes drawn 4 KiB at a time, as `randomUUID` does: one call into the generator per 256 ids, not each. */
const randomPool = Buffer.alloc(4096);
let randomAt = randomPool.length;

export function newReservationId(dropId: string): string {
  if (randomAt + 16 > randomPool.length) {
    randomFillSync(randomPool);
    randomAt = 0;
  }
  const id = Buffer.alloc(32);
  id.write(dropId.replaceAll('-', ''), 'hex');
  randomPool.copy(id, 16, randomAt, (randomAt += 16));
  return `rsv_${id.toString('base64url')}`;
}

/** The drop a reservation id belongs to, or null when the id is not one of ours. */
export function dropOfReservation(id: string): string | null {
  if (!RESERVATION_ID.test(id)) return null;
  const hex = Buffer.from(id.slice(4), 'base64url').subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function toHold(id: string, dropId: string, raw: unknown): Hold {
  if (typeof raw !== 'string') throw new Error(`hold ${id}: no record`);
  const r = record.parse(JSON.parse(raw));
  return {
    id,
    dropId,
    shopperId: r.s,
    quantity: r.q,
    amountCents: r.a,
    status: r.st,
    createdAt: new Date(r.c),
    expiresAt: new Date(r.d),
    paidAt: r.p === undefined ? null : new Date(r.p),
    guest: r.g,
  };
}

export interface HoldsDeps {
  redis: Redis;
  keys: InventoryKeys;
  /** The waiting room's active set of a drop: a shopper stays active while holding (wired in by infra/). */
  activeKey: (dropId: string) => string;
  clock: Clock;
  idempotencyTtlSeconds?: number;
}

export interface ReserveRequest {
  dropId: string;
  shopperId: string;
  guest: boolean;
  quantity: number;
  /** When the shopper's admission ends (from its verified admission token). */
  admissionEndsAt: Date;
  idempotencyKey?: string;
}

export interface PayOutcome {
  hold: Hold;
  /** payment.completed, to publish before answering. */
  event: InventoryEvent;
  /** True when this call paid; false when an earlier call with the same Idempotency-Key did. */
  paidNow: boolean;
  /**
   * The event's outbox entry, when this call wrote it: once the caller has stored the event in JetStream, it hands
   * the entry to `published`, and the relay does not publish it a second time.
   */
  outboxEntry?: string;
}

export const requestHash = (value: unknown) =>
  createHash('sha256').update(JSON.stringify(value)).digest('base64url');

export type Holds = ReturnType<typeof createHolds>;

export function createHolds({ redis, keys, activeKey, clock, idempotencyTtlSeconds = 86_400 }: HoldsDeps) {
  defineInventoryCommands(redis);
  const holdKeys = (dropId: string) => [
    keys.dropMeta(dropId),
    keys.stock(dropId),
    keys.holds(dropId),
    keys.deadlines(dropId),
    keys.units(dropId),
    keys.heldBy(dropId),
    keys.outbox(dropId),
    activeKey(dropId),
  ];
  // Holds this process reserved, so that paying one needs no read of it first (its amount and shopper never change).
  const recent = new Map<string, Hold>();
  const remember = (hold: Hold) => {
    if (recent.size >= RECENT_HOLDS) recent.delete(recent.keys().next().value!);
    recent.set(hold.id, hold);
  };
  const locate = (reservationId: string) => {
    const dropId = dropOfReservation(reservationId);
    if (!dropId) throw new ReservationNotFoundError('no such reservation');
    return dropId;
  };

  return {
    /** Reserves, or with a repeated Idempotency-Key returns the earlier reservation (`created` false). */
    async reserve(req: ReserveRequest): Promise<{ hold: Hold; created: boolean }> {
      const id = newReservationId(req.dropId);
      const hash = req.idempotencyKey ? requestHash({ q: req.quantity }) : '';
      const idemKey = req.idempotencyKey
        ? keys.idempotency(req.dropId, req.shopperId, requestHash(req.idempotencyKey))
        : keys.dropMeta(req.dropId);
      const reply = await redis.inventoryReserve(
        ...holdKeys(req.dropId),
        idemKey,
        id,
        req.shopperId,
        req.quantity,
        clock.now(),
        req.admissionEndsAt.getTime(),
        req.guest ? 1 : 0,
        req.dropId,
        hash,
        idempotencyTtlSeconds,
      );
      switch (reply[0]) {
        case 1:
        case 2: {
          const hold = toHold(String(reply[1]), req.dropId, reply[2]);
          remember(hold);
          return { hold, created: reply[0] === 1 };
        }
        case -1:
          throw new NotAdmittedError('your admission has ended: join the queue again');
        case -2:
          throw new ReservationNotFoundError('drop not found');
        case -3:
          throw new DropNotOpenError(`the drop is ${String(reply[1])}`);
        case -4:
          throw new StockUnavailableError('the drop’s stock is being recovered; try again shortly');
        case -5:
          throw new LimitReachedError(
            `at most ${String(reply[2])} units per shopper; you hold or bought ${String(reply[1])}`,
          );
        case -6:
          throw new SoldOutError(
            Number(reply[1]) > 0 ? `only ${String(reply[1])} units are left` : 'sold out',
          );
        case -7:
          throw new ReservationConflictError('this Idempotency-Key was used with another request');
        default:
          throw new Error(`reserve: unexpected reply ${JSON.stringify(reply)}`);
      }
    },

    /**
     * A hold this process reserved, as it was then (its status may have changed since; the scripts decide), or
     * undefined: for paying without a read first.
     */
    recent(reservationId: string, shopperId: string): Hold | undefined {
      const hold = recent.get(reservationId);
      return hold && hold.shopperId === shopperId && hold.expiresAt.getTime() > clock.now()
        ? hold
        : undefined;
    },

    async get(reservationId: string, shopperId?: string): Promise<Hold> {
      const dropId = locate(reservationId);
      const raw = await redis.hget(keys.holds(dropId), reservationId);
      if (raw === null) throw new ReservationNotFoundError('no such reservation');
      const hold = toHold(reservationId, dropId, raw);
      if (shopperId !== undefined && hold.shopperId !== shopperId)
        throw new ReservationNotFoundError('no such reservation');
      return hold;
    },

    /** Every hold Redis keeps for the drop (for reconciliation). */
    async list(dropId: string): Promise<Hold[]> {
      const all = await redis.hgetall(keys.holds(dropId));
      return Object.entries(all).map(([id, raw]) => toHold(id, dropId, raw));
    },

    async release(reservationId: string, shopperId: string): Promise<Hold> {
      const dropId = locate(reservationId);
      recent.delete(reservationId);
      const reply = await redis.inventoryRelease(
        ...holdKeys(dropId),
        reservationId,
        shopperId,
        clock.now(),
        dropId,
      );
      if (reply[0] === -1) throw new ReservationNotFoundError('no such reservation');
      const hold = toHold(reservationId, dropId, reply[1]);
      if (reply[0] === -2) throw new ReservationConflictError(`the reservation is ${hold.status}, not held`);
      return hold;
    },

    /**
     * Drops an outbox entry whose event the caller stored in JetStream itself. Should the relay have read it first,
     * it publishes it again under the same message id, which JetStream deduplicates.
     */
    async published(dropId: string, entry: string): Promise<void> {
      await redis.xdel(keys.outbox(dropId), entry);
    },

    /** Marks the hold paid, unless it expired, was released or was paid before (see pay-8.lua). */
    async pay(
      reservationId: string,
      shopperId: string,
      idempotencyKey: string | undefined,
      request: unknown,
    ): Promise<PayOutcome> {
      const dropId = locate(reservationId);
      const reply = await redis.inventoryPay(
        ...holdKeys(dropId),
        reservationId,
        shopperId,
        clock.now(),
        dropId,
        idempotencyKey ? requestHash(idempotencyKey) : '',
        // Only a repeated Idempotency-Key compares requests.
        idempotencyKey ? requestHash(request) : '',
      );
      const code = reply[0];
      // Whatever the answer, the hold is no longer simply held: later calls read it.
      recent.delete(reservationId);
      if (code === -1) throw new ReservationNotFoundError('no such reservation');
      const hold = toHold(reservationId, dropId, reply[1]);
      if (code === 1 || code === 2) {
        const event = inventoryEvent.parse(JSON.parse(String(reply[2])));
        const entry = reply[3];
        return {
          hold,
          event,
          paidNow: code === 1,
          ...(typeof entry === 'string' ? { outboxEntry: entry } : {}),
        };
      }
      if (code === -3)
        throw new HoldExpiredError('the hold expired before it was paid; its units went back on sale');
      if (code === -4) throw new ReservationConflictError('the reservation was released');
      if (code === -5) throw new ReservationConflictError('the reservation is paid already');
      if (code === -6)
        throw new ReservationConflictError('this Idempotency-Key was used with another request');
      throw new Error(`pay: unexpected reply ${JSON.stringify(reply)}`);
    },

    /**
     * Rebuilds the drop's stock and holds after Redis lost them, from the holds the record of truth knows (held and
     * not overdue, or paid). Returns null when Redis still has the drop's stock: nothing is written then.
     */
    async restore(
      dropId: string,
      total: number,
      known: Hold[],
    ): Promise<{ held: number; sold: number } | null> {
      const records = known
        .filter((h) => h.status === 'held' || h.status === 'paid')
        .map((h) => ({
          id: h.id,
          s: h.shopperId,
          q: h.quantity,
          st: h.status,
          d: h.expiresAt.getTime(),
          c: h.createdAt.getTime(),
          a: h.amountCents,
          g: h.guest,
          ...(h.paidAt ? { p: h.paidAt.getTime() } : {}),
        }));
      const [done, held, sold] = await redis.inventoryRestore(
        keys.stock(dropId),
        keys.holds(dropId),
        keys.deadlines(dropId),
        keys.units(dropId),
        keys.heldBy(dropId),
        activeKey(dropId),
        total,
        JSON.stringify(records),
      );
      return done === 1 ? { held: held ?? 0, sold: sold ?? 0 } : null;
    },

    /** Expires the drop's overdue holds (at most `limit`); returns how many. */
    expireDue(dropId: string, limit = 500): Promise<number> {
      return redis.inventoryExpire(...holdKeys(dropId), clock.now(), dropId, limit);
    },
  };
}
