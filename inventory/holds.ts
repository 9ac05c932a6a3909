/**
 * Holds: reserve, release, pay (the Redis side of a payment) and expiry, each one Lua script and one round trip.
 * A reservation id carries its drop (reservation-id.ts), so a reservation is found from its id alone.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { InventoryCode, settle } from './codes.js';
import { ReservationNotFoundError } from './errors.js';
import { inventoryEvent, type InventoryEvent } from './events.js';
import { toHold, type Hold } from './hold-record.js';
import { holdScriptKeys, type InventoryKeys } from './keys.js';
import { dropOfReservation, newReservationId } from './reservation-id.js';
import { assertInventoryScripts } from './scripts.js';

export interface HoldsDeps {
  redis: Redis;
  keys: InventoryKeys;
  /** The waiting room's active set of a drop: a shopper stays active while holding (wired in by infra/). */
  activeKey: (dropId: string) => string;
  clock: Pick<DateConstructor, 'now'>;
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

/** What every operation needs: the deps and a drop's keys in the hold scripts' order. */
interface Context extends Required<HoldsDeps> {
  holdKeys(dropId: string): string[];
}

function locate(reservationId: string): string {
  const dropId = dropOfReservation(reservationId);
  if (!dropId) throw new ReservationNotFoundError('no such reservation');
  return dropId;
}

async function reserve(ctx: Context, req: ReserveRequest): Promise<{ hold: Hold; created: boolean }> {
  const { redis, keys, clock } = ctx;
  const id = newReservationId(req.dropId);
  const hash = req.idempotencyKey ? requestHash({ q: req.quantity }) : '';
  const idemKey = req.idempotencyKey
    ? keys.idempotency(req.dropId, req.shopperId, requestHash(req.idempotencyKey))
    : keys.dropMeta(req.dropId);
  const reply = await redis.inventoryReserve(
    ...ctx.holdKeys(req.dropId),
    idemKey,
    id,
    req.shopperId,
    req.quantity,
    clock.now(),
    req.admissionEndsAt.getTime(),
    req.guest ? 1 : 0,
    req.dropId,
    hash,
    ctx.idempotencyTtlSeconds,
  );
  const { code, details } = settle('reserve', reply, [InventoryCode.OK, InventoryCode.REPEATED]);
  const hold = toHold(String(details[0]), req.dropId, details[1]);
  return { hold, created: code === InventoryCode.OK };
}

async function release(ctx: Context, reservationId: string, shopperId: string): Promise<Hold> {
  const dropId = locate(reservationId);
  const reply = await ctx.redis.inventoryRelease(
    ...ctx.holdKeys(dropId),
    reservationId,
    shopperId,
    ctx.clock.now(),
    dropId,
  );
  return toHold(reservationId, dropId, settle('release', reply).details[0]);
}

async function pay(
  ctx: Context,
  reservationId: string,
  shopperId: string,
  idempotencyKey: string | undefined,
  request: unknown,
): Promise<PayOutcome> {
  const dropId = locate(reservationId);
  const reply = await ctx.redis.inventoryPay(
    ...ctx.holdKeys(dropId),
    reservationId,
    shopperId,
    ctx.clock.now(),
    dropId,
    idempotencyKey ? requestHash(idempotencyKey) : '',
    // Only a repeated Idempotency-Key compares requests.
    idempotencyKey ? requestHash(request) : '',
  );
  const { code, details } = settle('pay', reply, [InventoryCode.OK, InventoryCode.REPEATED]);
  const [record, event, entry] = details;
  return {
    hold: toHold(reservationId, dropId, record),
    event: inventoryEvent.parse(JSON.parse(String(event))),
    paidNow: code === InventoryCode.OK,
    ...(typeof entry === 'string' ? { outboxEntry: entry } : {}),
  };
}

export type Holds = ReturnType<typeof createHolds>;

export function createHolds(deps: HoldsDeps) {
  const { redis, keys, activeKey, clock } = deps;
  assertInventoryScripts(redis);
  const ctx: Context = {
    idempotencyTtlSeconds: 86_400,
    ...deps,
    holdKeys: (dropId) => holdScriptKeys(keys, activeKey, dropId),
  };

  return {
    /** Reserves, or with a repeated Idempotency-Key returns the earlier reservation (`created` false). */
    reserve: (req: ReserveRequest) => reserve(ctx, req),

    async get(reservationId: string, shopperId?: string): Promise<Hold> {
      const dropId = locate(reservationId);
      const raw = await redis.hget(keys.holds(dropId), reservationId);
      if (raw === null) throw new ReservationNotFoundError('no such reservation');
      const hold = toHold(reservationId, dropId, raw);
      if (shopperId !== undefined && hold.shopperId !== shopperId)
        throw new ReservationNotFoundError('no such reservation');
      return hold;
    },

    /** Units the shopper holds on the drop now (not paid, not ended): 0 when none. */
    /**
     * The units the shopper holds on the drop now, and its latest hold while that one is held (null once it ended,
     * or after a rebuild from PostgreSQL, which does not restore it): one round trip.
     */
    async latestHold(dropId: string, shopperId: string): Promise<{ units: number; id: string | null }> {
      const replies = await redis
        .multi()
        .hget(keys.heldBy(dropId), shopperId)
        .hget(keys.units(dropId), `live:${shopperId}`)
        .exec();
      const [units, id] = (replies ?? []).map(([error, value]) => {
        if (error) throw error;
        return value as string | null;
      });
      return { units: Number(units ?? 0), id: id ?? null };
    },

    /** Every hold Redis keeps for the drop (for reconciliation). */
    async list(dropId: string): Promise<Hold[]> {
      const all = await redis.hgetall(keys.holds(dropId));
      return Object.entries(all).map(([id, raw]) => toHold(id, dropId, raw));
    },

    release: (reservationId: string, shopperId: string) => release(ctx, reservationId, shopperId),

    /**
     * Drops an outbox entry whose event the caller stored in JetStream itself. Should the relay have read it first,
     * it publishes it again under the same message id, which JetStream deduplicates.
     */
    async published(dropId: string, entry: string): Promise<void> {
      await redis.xdel(keys.outbox(dropId), entry);
    },

    /** Marks the hold paid, unless it expired, was released or was paid before (see pay-8.lua). */
    pay: (reservationId: string, shopperId: string, idempotencyKey: string | undefined, request: unknown) =>
      pay(ctx, reservationId, shopperId, idempotencyKey, request),

    /** Expires the drop's overdue holds (at most `limit`); returns how many. */
    expireDue(dropId: string, limit = 500): Promise<number> {
      return redis.inventoryExpire(...ctx.holdKeys(dropId), clock.now(), dropId, limit);
    },
  };
}
