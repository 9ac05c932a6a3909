/**
 * Holds against the real Redis, without HTTP: reservations under heavy concurrency (several connections), the
 * per-shopper limit, the pay/expire race, expiry and the waiting room's active set, release, idempotency, the outbox
 * relay and bad input. Time is a fake clock moved by hand; payments go through workers/' checkout and test provider.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, onTestFinished } from 'vitest';
import { createLease, loadScripts, test } from '../infra/testing/index.js';
import { ACTIVE_SCORE } from '../queue/index.js';

const HOLDING_SCORE = ACTIVE_SCORE.holding;
const FINISHED_SCORE = ACTIVE_SCORE.finished;
import {
  createCheckout,
  createTestPaymentProvider,
  PaymentDeclinedError,
  type PaymentProvider,
} from '../workers/checkout/index.js';
import {
  createDropMirror,
  createHolds,
  createInventoryBackground,
  createInventoryKeys,
  DropNotOpenError,
  HoldExpiredError,
  LimitReachedError,
  newReservationId,
  NotAdmittedError,
  parseEvent,
  ReservationConflictError,
  ReservationNotFoundError,
  SoldOutError,
  StockUnavailableError,
  type Holds,
  type InventoryEvent,
  type MirroredStatus,
  type ReserveRequest,
} from './index.js';

const START = 1_900_000_000_000;
const CARD = { number: '4242424242424242' };
const OTHER_CARD = { number: '5555555555554242' };
const DECLINED = { number: '4000000000000002' };

function connect(redisUrl: string): Redis {
  const redis = loadScripts(new Redis(redisUrl));
  onTestFinished(async () => {
    await redis.quit();
  });
  return redis;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const countBy = <T>(items: T[], key: (item: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};
const sorted = (values: string[]) => [...values].sort();

interface DropOptions {
  stock: number;
  perUserLimit?: number;
  holdSeconds?: number;
  priceCents?: number;
}

function setup(redisUrl: string, prefix: string) {
  const redis = connect(redisUrl);
  const keys = createInventoryKeys(prefix);
  let t = START;
  const clock = { now: () => t };
  const setNow = (ms: number) => {
    t = ms;
  };
  const advance = (ms: number) => {
    t += ms;
  };
  const activeKey = (id: string) => `${prefix}{drop:${id}}:q:active`;
  const holdsOn = (client: Redis) => createHolds({ redis: client, keys, activeKey, clock });
  const holds = holdsOn(redis);

  // The test provider, also recording which references were authorized (approved).
  const base = createTestPaymentProvider();
  const authorized: string[] = [];
  const provider: PaymentProvider = {
    ...base,
    async authorize(input) {
      const result = await base.authorize(input);
      if (result.approved) authorized.push(input.reference);
      return result;
    },
  };
  const paymentEvents: InventoryEvent[] = [];
  const checkoutOn = (h: Holds) =>
    createCheckout({
      holds: h,
      provider,
      publish: async (e) => {
        paymentEvents.push(e);
      },
    });
  const checkout = checkoutOn(holds);

  const relayed: InventoryEvent[] = [];
  const errors: unknown[] = [];
  const background = createInventoryBackground({
    redis,
    keys,
    holds,
    publish: async (e) => {
      relayed.push(e);
    },
    onError: (error) => errors.push(error),
    takeLease: createLease(redis),
  });
  const mirror = createDropMirror({ redis, keys });

  const mirrorDrop = (id: string, version: number, status: MirroredStatus, o: DropOptions) =>
    mirror.write({
      id,
      version,
      status,
      stock: o.stock,
      priceCents: o.priceCents ?? 2500,
      currency: 'EUR',
      perUserLimit: o.perUserLimit ?? 1,
      holdSeconds: o.holdSeconds ?? 600,
      admissionPerMinute: 600,
      maxActive: 1000,
      opensAt: new Date(START),
      closesAt: null,
    });

  /** A drop mirrored as scheduled (which sets its stock hash), then opened. */
  const openDrop = async (o: DropOptions) => {
    const id = randomUUID();
    expect(await mirrorDrop(id, 1, 'scheduled', o)).toBe(true);
    expect(await mirrorDrop(id, 2, 'open', o)).toBe(true);
    return id;
  };

  const reserveWith = (h: Holds, req: Partial<ReserveRequest> & { dropId: string; shopperId: string }) =>
    h.reserve({ guest: false, quantity: 1, admissionEndsAt: new Date(t + 300_000), ...req });
  const reserve = (dropId: string, shopperId: string, extra: Partial<ReserveRequest> = {}) =>
    reserveWith(holds, { dropId, shopperId, ...extra });

  const stock = async (dropId: string, client: Redis = redis) => {
    const s = await client.hgetall(keys.stock(dropId));
    return {
      total: Number(s.total),
      available: Number(s.available),
      held: Number(s.held),
      sold: Number(s.sold),
    };
  };
  const status = (dropId: string) => redis.hget(keys.dropMeta(dropId), 'status');
  /** The outbox's events, in order, each validated as a relay would. */
  const outbox = async (dropId: string) => {
    const entries = await redis.xrange(keys.outbox(dropId), '-', '+');
    return entries.map(([entryId, fields]) => {
      const event = parseEvent(fields[fields.indexOf('data') + 1] ?? '');
      if (!event) throw new Error(`outbox entry ${entryId} is not a valid event`);
      expect(fields[fields.indexOf('id') + 1]).toBe(event.id);
      expect(fields[fields.indexOf('type') + 1]).toBe(event.type);
      return event;
    });
  };
  const activeScore = async (dropId: string, shopperId: string) => {
    const score = await redis.zscore(activeKey(dropId), shopperId);
    return score === null ? null : Number(score);
  };
  /** Relays until the drop's outbox is empty. */
  const drain = async (dropId: string) => {
    for (let i = 0; i < 10 && (await redis.xlen(keys.outbox(dropId))) > 0; i++) await background.runOnce();
    expect(await redis.xlen(keys.outbox(dropId))).toBe(0);
  };

  return {
    redis,
    keys,
    clock,
    setNow,
    advance,
    activeKey,
    holdsOn,
    holds,
    base,
    authorized,
    provider,
    paymentEvents,
    checkoutOn,
    checkout,
    relayed,
    errors,
    background,
    mirrorDrop,
    openDrop,
    reserveWith,
    reserve,
    stock,
    status,
    outbox,
    activeScore,
    drain,
  };
}

const ids = (events: InventoryEvent[]) => events.map((e) => e.id);
const ofType = <T extends InventoryEvent['type']>(events: InventoryEvent[], type: T) =>
  events.filter((e): e is Extract<InventoryEvent, { type: T }> => e.type === type);

describe('reservations under concurrency', () => {
  test('2,000 concurrent one-unit reservations on four connections take exactly the 100 units', async ({
    config,
    prefix,
  }) => {
    const s = setup(config.redisUrl, prefix);
    const dropId = await s.openDrop({ stock: 100, perUserLimit: 1 });
    const clients = [s.redis, ...range(3).map(() => connect(config.redisUrl))];
    const holdsBy = clients.map(s.holdsOn);

    // Connected, with the script loaded (on a drop that does not exist), before the rush.
    for (const h of holdsBy) {
      await expect(
        s.reserveWith(h, { dropId: randomUUID(), shopperId: randomUUID() }),
      ).rejects.toBeInstanceOf(ReservationNotFoundError);
    }
    // Stock reads sent among the reservations on each connection: snapshots taken while the rush runs.
    const sampling: ReturnType<typeof s.stock>[] = [];
    const results = await Promise.allSettled(
      range(2000).map((i) => {
        if (i % 10 === 0) sampling.push(s.stock(dropId, clients[i % 4]));
        return s.reserveWith(holdsBy[i % 4]!, { dropId, shopperId: randomUUID() });
      }),
    );
    const samples = await Promise.all(sampling);

    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(won).toHaveLength(100);
    expect(lost).toHaveLength(1900);
    for (const error of lost) {
      expect(error).toBeInstanceOf(SoldOutError);
      expect(error).toMatchObject({ code: 'sold_out' });
    }
    expect(new Set(won.map((w) => w.hold.id)).size).toBe(100);
    for (const { hold, created } of won) {
      expect(created).toBe(true);
      expect(hold).toMatchObject({ dropId, quantity: 1, status: 'held', amountCents: 2500 });
    }

    expect(samples.length).toBeGreaterThan(0);
    for (const sample of samples) {
      expect(sample.total).toBe(100);
      expect(sample.available).toBeGreaterThanOrEqual(0);
      expect(sample.held).toBeGreaterThanOrEqual(0);
      expect(sample.available + sample.held + sample.sold).toBe(100);
    }
    expect(await s.stock(dropId)).toEqual({ total: 100, available: 0, held: 100, sold: 0 });
    // Every unit held, but held units may come back: the drop stays open, and no drop event is written.
    expect(await s.status(dropId)).toBe('open');
    expect(await s.redis.zcard(s.keys.deadlines(dropId))).toBe(100);

    const events = await s.outbox(dropId);
    expect(events).toHaveLength(100);
    expect(sorted(ids(ofType(events, 'reservation.created')))).toEqual(
      sorted(won.map((w) => `${w.hold.id}:reservation.created`)),
    );
    expect(ofType(events, 'drop.sold_out')).toEqual([]);

    // Nothing available is still "selling": one more reservation is sold_out, not drop_not_open.
    await expect(s.reserve(dropId, randomUUID())).rejects.toBeInstanceOf(SoldOutError);
    expect(await s.stock(dropId)).toEqual({ total: 100, available: 0, held: 100, sold: 0 });
  });

  test('perUserLimit holds under concurrency and counts held and paid units, not released or expired ones', async ({
    config,
    prefix,
  }) => {
    const s = setup(config.redisUrl, prefix);
    const dropId = await s.openDrop({ stock: 100, perUserLimit: 3, holdSeconds: 60 });
    const holdsBy = [s.redis, ...range(3).map(() => connect(config.redisUrl))].map(s.holdsOn);

    const greedy = randomUUID();
    const results = await Promise.allSettled(
      range(50).map((i) => s.reserveWith(holdsBy[i % 4]!, { dropId, shopperId: greedy })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(refused).toHaveLength(47);
    for (const error of refused) {
      expect(error).toBeInstanceOf(LimitReachedError);
      expect(error).toMatchObject({ code: 'limit_reached' });
    }
    expect(await s.stock(dropId)).toMatchObject({ available: 97, held: 3 });
    expect(await s.redis.hget(s.keys.units(dropId), greedy)).toBe('3');

    // All or nothing: two held units leave room for one, not two.
    const shopper = randomUUID();
    const h1 = (await s.reserve(dropId, shopper)).hold;
    const h2 = (await s.reserve(dropId, shopper)).hold;
    await expect(s.reserve(dropId, shopper, { quantity: 2 })).rejects.toBeInstanceOf(LimitReachedError);
    expect(await s.stock(dropId)).toMatchObject({ available: 95, held: 5 });

    // A paid unit still counts.
    await s.checkout.pay({ reservationId: h1.id, shopperId: shopper, card: CARD });
    await expect(s.reserve(dropId, shopper, { quantity: 2 })).rejects.toBeInstanceOf(LimitReachedError);
    const h3 = (await s.reserve(dropId, shopper)).hold;
    await expect(s.reserve(dropId, shopper)).rejects.toBeInstanceOf(LimitReachedError);

    // A released unit does not.
    await s.holds.release(h2.id, shopper);
    const h4 = (await s.reserve(dropId, shopper)).hold;
    await expect(s.reserve(dropId, shopper)).rejects.toBeInstanceOf(LimitReachedError);

    // Expired units do not either: only the paid one is left counting.
    s.advance(60_000);
    // The greedy shopper's three holds and h3, h4 were all made at START.
    expect((await s.background.runOnce()).expired).toBe(5);
    expect((await s.holds.get(h3.id)).status).toBe('expired');
    expect((await s.holds.get(h4.id)).status).toBe('expired');
    expect(await s.redis.hget(s.keys.units(dropId), shopper)).toBe('1');
    await s.reserve(dropId, shopper, { quantity: 2 });
    await expect(s.reserve(dropId, shopper)).rejects.toBeInstanceOf(LimitReachedError);
    expect(s.errors).toEqual([]);
  });
});

describe('sold out for good', () => {
  test('shoppers racing to reserve and pay (or give back) the last units: the drop sells out once, at the last payment', async ({
    config,
    prefix,
  }) => {
    const s = setup(config.redisUrl, prefix);
    const dropId = await s.openDrop({ stock: 40, perUserLimit: 1, holdSeconds: 600 });
    const holdsBy = [s.redis, ...range(3).map(() => connect(config.redisUrl))].map(s.holdsOn);
    const checkouts = holdsBy.map(s.checkoutOn);
    const shoppers = range(300).map(() => randomUUID());
    // Status and stock read together (one MULTI): the drop is sold out exactly when every unit is sold.
    const observations: { status: string | null; sold: number; held: number; available: number }[] = [];
    const observe = async () => {
      const [[, status], [, stock]] = (await s.redis
        .multi()
        .hget(s.keys.dropMeta(dropId), 'status')
        .hgetall(s.keys.stock(dropId))
        .exec()) as [[null, string | null], [null, Record<string, string>]];
      observations.push({
        status,
        sold: Number(stock.sold),
        held: Number(stock.held),
        available: Number(stock.available),
      });
    };

    // Rounds of everyone without a unit reserving at once on four connections; every third winner gives its hold
    // back (those units are raced for again next round), the others pay at once, racing the next reservations.
    const bought = new Set<string>();
    for (let round = 0; bought.size < 40 && round < 50; round++) {
      const wanting = shoppers.filter((id) => !bought.has(id));
      await Promise.all(
        wanting.map(async (shopperId, i) => {
          const held = await s.reserveWith(holdsBy[i % 4]!, { dropId, shopperId }).catch((error: unknown) => {
            expect(error).toBeInstanceOf(SoldOutError);
            return null;
          });
          if (!held) return;
          if (i % 3 === 0) {
            await holdsBy[(i + 1) % 4]!.release(held.hold.id, shopperId);
            return;
          }
          await checkouts[(i + 2) % 4]!.pay({ reservationId: held.hold.id, shopperId, card: CARD });
          bought.add(shopperId);
          await observe();
        }),
      );
    }
    expect(bought.size).toBe(40);
    expect(await s.stock(dropId)).toEqual({ total: 40, available: 0, held: 0, sold: 40 });
    expect(await s.status(dropId)).toBe('sold_out');
    // While a unit was held or available, the drop stayed open; once all were sold, it was sold out.
    expect(observations).toHaveLength(40);
    for (const o of observations) expect(o.status).toBe(o.sold === 40 ? 'sold_out' : 'open');
    expect(observations.filter((o) => o.status === 'open').length).toBeGreaterThan(0);

    // One transition: one drop.sold_out event, the first of its kind, and never a reopened one.
    const events = await s.outbox(dropId);
    const soldOut = ofType(events, 'drop.sold_out');
    expect(soldOut).toHaveLength(1);
    expect(soldOut[0]).toMatchObject({ id: `${dropId}:sold_out:1`, dropId, seq: 1 });
    expect(ofType(events, 'drop.reopened')).toEqual([]);
    // Written by the payment of the last unit, right after it (checkout stored the payments and dropped their
    // outbox entries: they are in s.paymentEvents).
    expect(events.at(-1)).toEqual(soldOut[0]);
    const lastPayment = Math.max(...s.paymentEvents.map((e) => e.dropSeq ?? 0));
    expect(soldOut[0]!.dropSeq).toBe(lastPayment + 1);
    expect(await s.redis.hget(s.keys.dropMeta(dropId), 'availabilitySeq')).toBe('1');

    // Sold out for good refuses every reservation, and changes nothing.
    await expect(s.reserve(dropId, randomUUID())).rejects.toBeInstanceOf(SoldOutError);
    expect(await s.stock(dropId)).toEqual({ total: 40, available: 0, held: 0, sold: 40 });
    expect(await s.outbox(dropId)).toHaveLength(events.length);
  });
});

describe('paying against expiry', () => {
  test('500 holds paid while the clock crosses their deadlines: each ends paid or expired, charged only if paid', async ({
    config,
    prefix,
  }) => {
    const N = 500;
    const s = setup(config.redisUrl, prefix);
    const dropId = await s.openDrop({ stock: N, perUserLimit: 1, holdSeconds: 10 });
    const clients = [s.redis, ...range(3).map(() => connect(config.redisUrl))];
    const holdsBy = clients.map(s.holdsOn);
    const checkouts = holdsBy.map(s.checkoutOn);

    // Reserved at START … START+24 ms: the deadlines spread over 25 ms from START + 10 s.
    const shoppers = range(N).map(() => randomUUID());
    const reserved = await Promise.all(
      shoppers.map((shopperId, i) => {
        s.setNow(START + (i % 25));
        return s.reserveWith(holdsBy[i % 4]!, {
          dropId,
          shopperId,
          admissionEndsAt: new Date(START + 60_000),
        });
      }),
    );
    const holds = reserved.map((r) => r.hold);
    expect(await s.status(dropId)).toBe('open');
    const firstDeadline = START + 10_000;
    expect(Math.min(...holds.map((h) => h.expiresAt.getTime()))).toBe(firstDeadline);
    expect(Math.max(...holds.map((h) => h.expiresAt.getTime()))).toBe(firstDeadline + 24);

    // Pay in a scrambled order, 10 batches of 50 on four connections, the clock crossing the deadlines: batch k
    // starts at firstDeadline - 5 + 3k with sweeps on two other connections, then sends waves of 10 pays, moving
    // the clock 1 ms on while each wave is in flight, and ends with a relay pass racing the last wave. Between
    // sweeps, pays meet holds whose deadline has just passed, as they do between the background's passes.
    const order = [...holds].sort((a, b) => a.id.localeCompare(b.id));
    const outcome = new Map<string, 'paid' | 'expired'>();
    const orderIds = new Map<string, string>();
    const pay = async (hold: (typeof holds)[number], i: number) => {
      try {
        const paid = await checkouts[i % 4]!.pay({
          reservationId: hold.id,
          shopperId: hold.shopperId,
          card: CARD,
        });
        expect(paid.status).toBe('paid');
        orderIds.set(hold.id, paid.orderId);
        outcome.set(hold.id, 'paid');
      } catch (error) {
        expect(error).toBeInstanceOf(HoldExpiredError);
        outcome.set(hold.id, 'expired');
      }
    };
    for (let k = 0; k < 10; k++) {
      s.setNow(firstDeadline - 5 + 3 * k);
      const inFlight: Promise<unknown>[] = [holdsBy[1]!.expireDue(dropId), holdsBy[2]!.expireDue(dropId)];
      for (let j = 0; j < 5; j++) {
        const start = 50 * k + 10 * j;
        inFlight.push(...order.slice(start, start + 10).map((hold, i) => pay(hold, start + i)));
        s.advance(1);
        await s.redis.ping();
      }
      inFlight.push(s.background.runOnce());
      await Promise.all(inFlight);
    }
    await s.drain(dropId);

    const paid = holds.filter((h) => outcome.get(h.id) === 'paid').map((h) => h.id);
    const expired = holds.filter((h) => outcome.get(h.id) === 'expired').map((h) => h.id);
    expect(outcome.size).toBe(N);
    expect(paid.length).toBeGreaterThan(0);
    expect(expired.length).toBeGreaterThan(0);
    expect(paid.length + expired.length).toBe(N);
    for (const id of paid) expect(orderIds.get(id)).toBe(id);

    // The records agree with the answers; a paid hold was paid before its deadline.
    const records = await Promise.all(holds.map((h) => s.holds.get(h.id)));
    for (const record of records) {
      expect(record.status).toBe(outcome.get(record.id));
      if (record.status === 'paid') expect(record.paidAt!.getTime()).toBeLessThan(record.expiresAt.getTime());
      else expect(record.paidAt).toBeNull();
    }

    // Money: each paid hold captured once, no expired hold captured, every expired one that was authorized voided.
    const { captured, voided } = s.base;
    expect(sorted(captured)).toEqual(sorted(paid));
    const expiredSet = new Set(expired);
    expect(captured.filter((id) => expiredSet.has(id))).toEqual([]);
    expect(sorted(voided)).toEqual(sorted(s.authorized.filter((id) => expiredSet.has(id))));
    expect(sorted(s.authorized)).toEqual(sorted([...captured, ...voided]));

    // Events: one relay at a time, so each outbox event was relayed once. Checkout stored each payment itself and
    // dropped its outbox entry; a relay pass that read one first published it again, which JetStream deduplicates.
    const relayedIds = ids(s.relayed);
    expect(new Set(relayedIds).size).toBe(relayedIds.length);
    const paymentIds = new Set(ids(s.paymentEvents));
    for (const e of ofType(s.relayed, 'payment.completed')) expect(paymentIds.has(e.id)).toBe(true);
    const published = new Map([...s.relayed, ...s.paymentEvents].map((e) => [e.id, e]));
    const byReservation = countBy(
      [...published.values()].flatMap((e) => ('reservationId' in e ? [e] : [])),
      (e) => e.reservationId,
    );
    expect(byReservation.size).toBe(N);
    for (const hold of holds) {
      expect(byReservation.get(hold.id)).toBe(2);
      expect(published.has(`${hold.id}:reservation.created`)).toBe(true);
      const completed = published.has(`${hold.id}:payment.completed`);
      const expiredEvent = published.has(`${hold.id}:reservation.expired`);
      expect(completed !== expiredEvent).toBe(true);
      expect(completed).toBe(outcome.get(hold.id) === 'paid');
    }
    for (const e of ofType(s.relayed, 'reservation.expired')) {
      expect(e.at).toBeGreaterThanOrEqual(e.expiresAt);
    }
    expect(sorted(ids(s.paymentEvents))).toEqual(sorted(paid.map((id) => `${id}:payment.completed`)));
    // Some units expired: never every unit sold, so the drop never sold out and never had to reopen.
    expect(ofType(s.relayed, 'drop.sold_out')).toEqual([]);
    expect(ofType(s.relayed, 'drop.reopened')).toEqual([]);

    // Units add up, nothing is left held, every shopper is finished in the waiting room.
    expect(await s.stock(dropId)).toEqual({
      total: N,
      available: expired.length,
      held: 0,
      sold: paid.length,
    });
    expect(await s.status(dropId)).toBe('open');
    expect(await s.redis.zcard(s.keys.deadlines(dropId))).toBe(0);
    expect(await s.redis.hlen(s.keys.heldBy(dropId))).toBe(0);
    const units = await s.redis.hgetall(s.keys.units(dropId));
    for (const hold of holds) expect(units[hold.shopperId]).toBe(outcome.get(hold.id) === 'paid' ? '1' : '0');
    const scores = await s.redis.zrange(s.activeKey(dropId), '0', '-1', 'WITHSCORES');
    expect(scores.length).toBe(2 * N);
    for (let i = 1; i < scores.length; i += 2) expect(Number(scores[i])).toBe(FINISHED_SCORE);
    expect(s.errors).toEqual([]);
  });
});

describe('expiry', () => {
  test('one sweep at the deadline returns the units and finishes the shopper; a drop whose every unit is held stays open', async ({
    config,
    prefix,
  }) => {
    const s = setup(config.redisUrl, prefix);
    const dropId = await s.openDrop({ stock: 3, perUserLimit: 2, holdSeconds: 60 });
    const a = randomUUID();
    const b = randomUUID();
    const a1 = (await s.reserve(dropId, a)).hold;
    s.advance(1000);
    const b1 = (await s.reserve(dropId, b)).hold;
    s.advance(1000);
    const a2 = (await s.reserve(dropId, a)).hold;
    expect(await s.status(dropId)).toBe('open');
    expect(await s.activeScore(dropId, a)).toBe(HOLDING_SCORE);
    expect(await s.activeScore(dropId, b)).toBe(HOLDING_SCORE);
    await s.drain(dropId);
    s.relayed.length = 0;

    // Another process holds the relay's lease: these sweeps only expire, so the outbox can be read.
    await s.redis.set(s.keys.outboxLease(dropId), 'another-relay', 'PX', 60_000);

    s.setNow(a1.expiresAt.getTime() - 1);
    expect(await s.background.runOnce()).toEqual({ expired: 0, relayed: 0 });
    expect((await s.holds.get(a1.id)).status).toBe('held');
    expect(await s.stock(dropId)).toEqual({ total: 3, available: 0, held: 3, sold: 0 });

    s.setNow(a1.expiresAt.getTime());
    expect(await s.background.runOnce()).toEqual({ expired: 1, relayed: 0 });
    expect((await s.holds.get(a1.id)).status).toBe('expired');
    expect(await s.stock(dropId)).toEqual({ total: 3, available: 1, held: 2, sold: 0 });
    expect(await s.status(dropId)).toBe('open');
    // a still holds a2: active while holding.
    expect(await s.activeScore(dropId, a)).toBe(HOLDING_SCORE);
    expect(await s.activeScore(dropId, b)).toBe(HOLDING_SCORE);
    const afterFirst = await s.outbox(dropId);
    expect(afterFirst.map((e) => [e.id, e.type])).toEqual([
      [`${a1.id}:reservation.expired`, 'reservation.expired'],
    ]);
    expect(afterFirst[0]).toMatchObject({ at: a1.expiresAt.getTime(), shopperId: a, quantity: 1 });

    s.setNow(b1.expiresAt.getTime());
    expect((await s.background.runOnce()).expired).toBe(1);
    expect(await s.activeScore(dropId, b)).toBe(FINISHED_SCORE);
    expect(await s.activeScore(dropId, a)).toBe(HOLDING_SCORE);

    s.setNow(a2.expiresAt.getTime());
    expect((await s.background.runOnce()).expired).toBe(1);
    expect(await s.activeScore(dropId, a)).toBe(FINISHED_SCORE);
    expect(await s.stock(dropId)).toEqual({ total: 3, available: 3, held: 0, sold: 0 });
    expect(await s.redis.zcard(s.keys.deadlines(dropId))).toBe(0);
    expect((await s.holds.get(a2.id)).status).toBe('expired');
    // No drop event: the drop stayed open throughout.
    const events = await s.outbox(dropId);
    expect(ids(events)).toEqual([
      `${a1.id}:reservation.expired`,
      `${b1.id}:reservation.expired`,
      `${a2.id}:reservation.expired`,
    ]);

    // The lease released, the next pass relays it all; a later one expires nothing more.
    await s.redis.del(s.keys.outboxLease(dropId));
    expect(await s.background.runOnce()).toEqual({ expired: 0, relayed: 3 });
    expect(s.relayed).toEqual(events);
    s.advance(60_000);
    expect(await s.background.runOnce()).toEqual({ expired: 0, relayed: 0 });
    expect(s.errors).toEqual([]);
  });
});

describe('the background of an edge beside workers (relays off)', () => {
  test('expires overdue holds but leaves the outbox to the relaying process', async ({ config, prefix }) => {
    const s = setup(config.redisUrl, prefix);
    const dropId = await s.openDrop({ stock: 2 });
    const { hold } = await s.reserve(dropId, randomUUID());
    await s.drain(dropId);
    const edge = createInventoryBackground({
      redis: s.redis,
      keys: s.keys,
      holds: s.holds,
      relays: false,
      publish: () => Promise.reject(new Error('an edge beside workers relays nothing')),
      onError: (error) => s.errors.push(error),
      takeLease: createLease(s.redis),
    });
    s.setNow(hold.expiresAt.getTime());
    expect(await edge.runOnce()).toEqual({ expired: 1, relayed: 0 });
    expect((await s.holds.get(hold.id)).status).toBe('expired');
    expect(await s.stock(dropId)).toEqual({ total: 2, available: 2, held: 0, sold: 0 });
    expect(ids(await s.outbox(dropId))).toEqual([`${hold.id}:reservation.expired`]);
    expect(await edge.runOnce()).toEqual({ expired: 0, relayed: 0 });
    expect(await s.redis.xlen(s.keys.outbox(dropId))).toBe(1);
    // The workers' background relays it.
    expect(await s.background.runOnce()).toEqual({ expired: 0, relayed: 1 });
    expect(await s.redis.xlen(s.keys.outbox(dropId))).toBe(0);
    expect(s.errors).toEqual([]);
  });
});

describe('release and pay', () => {
  test('release returns units at once, once; pay refuses released, paid and declined, leaving a declined hold held', async ({
    config,
    prefix,
  }) => {
    const s = setup(config.redisUrl, prefix);
    const dropId = await s.openDrop({ stock: 5, perUserLimit: 5 });
    const shopper = randomUUID();
    const stranger = randomUUID();
    const h = (await s.reserve(dropId, shopper, { quantity: 2 })).hold;
    expect(await s.stock(dropId)).toEqual({ total: 5, available: 3, held: 2, sold: 0 });

    await expect(s.holds.release(h.id, stranger)).rejects.toBeInstanceOf(ReservationNotFoundError);
    await expect(s.holds.get(h.id, stranger)).rejects.toMatchObject({ code: 'not_found' });
    expect((await s.holds.get(h.id)).status).toBe('held');

    const released = await s.holds.release(h.id, shopper);
    expect(released).toMatchObject({ id: h.id, status: 'released', quantity: 2 });
    expect(await s.stock(dropId)).toEqual({ total: 5, available: 5, held: 0, sold: 0 });
    expect(await s.activeScore(dropId, shopper)).toBe(FINISHED_SCORE);

    const again = s.holds.release(h.id, shopper);
    await expect(again).rejects.toBeInstanceOf(ReservationConflictError);
    await expect(again).rejects.toMatchObject({ code: 'conflict' });
    await expect(
      s.checkout.pay({ reservationId: h.id, shopperId: shopper, card: CARD }),
    ).rejects.toBeInstanceOf(ReservationConflictError);
    expect((await s.holds.get(h.id)).status).toBe('released');
    expect(await s.stock(dropId)).toEqual({ total: 5, available: 5, held: 0, sold: 0 });

    // Declined: nothing changes.
    const h2 = (await s.reserve(dropId, shopper)).hold;
    const declined = s.checkout.pay({ reservationId: h2.id, shopperId: shopper, card: DECLINED });
    await expect(declined).rejects.toBeInstanceOf(PaymentDeclinedError);
    await expect(declined).rejects.toMatchObject({ code: 'payment_declined' });
    expect((await s.holds.get(h2.id)).status).toBe('held');
    expect(await s.stock(dropId)).toEqual({ total: 5, available: 4, held: 1, sold: 0 });
    expect(ofType(await s.outbox(dropId), 'payment.completed')).toEqual([]);

    // Another shopper cannot pay it.
    await expect(
      s.checkout.pay({ reservationId: h2.id, shopperId: stranger, card: CARD }),
    ).rejects.toBeInstanceOf(ReservationNotFoundError);
    expect(s.base.captured).toEqual([]);
    expect(s.base.voided).toEqual([]);

    const paid = await s.checkout.pay({ reservationId: h2.id, shopperId: shopper, card: CARD });
    expect(paid).toMatchObject({ orderId: h2.id, status: 'paid' });
    expect(paid.hold.status).toBe('paid');
    expect(await s.stock(dropId)).toEqual({ total: 5, available: 4, held: 0, sold: 1 });

    // Paid twice without a key: conflict, and no second charge.
    await expect(
      s.checkout.pay({ reservationId: h2.id, shopperId: shopper, card: CARD }),
    ).rejects.toBeInstanceOf(ReservationConflictError);
    await expect(s.holds.release(h2.id, shopper)).rejects.toBeInstanceOf(ReservationConflictError);
    expect(s.base.captured).toEqual([h2.id]);
    expect(s.base.voided).toEqual([]);
    expect(ids(s.paymentEvents)).toEqual([`${h2.id}:payment.completed`]);
    expect(await s.stock(dropId)).toEqual({ total: 5, available: 4, held: 0, sold: 1 });
    // The payment is in JetStream (checkout stored it before answering), so not left in the outbox for the relay.
    expect(ids(await s.outbox(dropId))).toEqual([
      `${h.id}:reservation.created`,
      `${h.id}:reservation.released`,
      `${h2.id}:reservation.created`,
    ]);

    // Paid a millisecond before the deadline: paid. At the deadline, before any sweep: expired, and the card's
    // authorization is voided, not captured.
    const h3 = (await s.reserve(dropId, shopper)).hold;
    const h4 = (await s.reserve(dropId, shopper)).hold;
    s.setNow(h3.expiresAt.getTime() - 1);
    await s.checkout.pay({ reservationId: h3.id, shopperId: shopper, card: CARD });
    s.setNow(h4.expiresAt.getTime());
    const late = s.checkout.pay({ reservationId: h4.id, shopperId: shopper, card: CARD });
    await expect(late).rejects.toBeInstanceOf(HoldExpiredError);
    await expect(late).rejects.toMatchObject({ code: 'hold_expired' });
    expect(s.authorized).toEqual([h2.id, h3.id, h4.id]);
    expect(s.base.captured).toEqual([h2.id, h3.id]);
    expect(s.base.voided).toEqual([h4.id]);
    expect((await s.holds.get(h4.id)).status).toBe('expired');
    expect(await s.stock(dropId)).toEqual({ total: 5, available: 3, held: 0, sold: 2 });
    expect(ids(s.paymentEvents)).toEqual([`${h2.id}:payment.completed`, `${h3.id}:payment.completed`]);
    expect(ids(await s.outbox(dropId)).slice(-3)).toEqual([
      `${h3.id}:reservation.created`,
      `${h4.id}:reservation.created`,
      `${h4.id}:reservation.expired`,
    ]);
  });
});

describe('idempotency', () => {
  test('a repeated Idempotency-Key reserves once and pays once, and refuses another request', async ({
    config,
    prefix,
  }) => {
    const s = setup(config.redisUrl, prefix);
    const dropId = await s.openDrop({ stock: 10, perUserLimit: 4 });
    const holdsBy = [s.redis, ...range(3).map(() => connect(config.redisUrl))].map(s.holdsOn);
    const shopper = randomUUID();

    const reserves = await Promise.all(
      range(20).map((i) =>
        s.reserveWith(holdsBy[i % 4]!, { dropId, shopperId: shopper, quantity: 2, idempotencyKey: 'key-1' }),
      ),
    );
    const id = reserves[0]!.hold.id;
    expect(reserves.every((r) => r.hold.id === id && r.hold.quantity === 2)).toBe(true);
    expect(reserves.filter((r) => r.created)).toHaveLength(1);
    expect(await s.stock(dropId)).toEqual({ total: 10, available: 8, held: 2, sold: 0 });
    expect(await s.redis.hget(s.keys.units(dropId), shopper)).toBe('2');

    const otherQuantity = s.reserve(dropId, shopper, { quantity: 1, idempotencyKey: 'key-1' });
    await expect(otherQuantity).rejects.toBeInstanceOf(ReservationConflictError);
    await expect(otherQuantity).rejects.toMatchObject({ code: 'conflict' });
    expect(await s.stock(dropId)).toEqual({ total: 10, available: 8, held: 2, sold: 0 });
    expect(ids(await s.outbox(dropId))).toEqual([`${id}:reservation.created`]);

    const checkouts = holdsBy.map(s.checkoutOn);
    const pays = await Promise.all(
      range(10).map((i) =>
        checkouts[i % 4]!.pay({ reservationId: id, shopperId: shopper, card: CARD, idempotencyKey: 'pay-1' }),
      ),
    );
    expect(pays.map((p) => p.orderId)).toEqual(range(10).map(() => id));
    expect(pays.every((p) => p.status === 'paid' && p.hold.status === 'paid')).toBe(true);
    expect(s.base.captured).toEqual([id]);
    // Every other authorization was given back.
    expect(s.base.voided).toHaveLength(s.authorized.length - 1);
    expect(s.paymentEvents).toHaveLength(10);
    // The same event each time, so the JetStream message is one.
    for (const e of s.paymentEvents) expect(e).toEqual(s.paymentEvents[0]);
    expect(s.paymentEvents[0]).toMatchObject({ id: `${id}:payment.completed`, type: 'payment.completed' });
    expect(await s.stock(dropId)).toEqual({ total: 10, available: 8, held: 0, sold: 2 });
    // Stored in JetStream by the pay that wrote it: no outbox entry is left for the relay.
    expect(ofType(await s.outbox(dropId), 'payment.completed')).toEqual([]);

    const authorizedBefore = s.authorized.length;
    await expect(
      s.checkout.pay({ reservationId: id, shopperId: shopper, card: OTHER_CARD, idempotencyKey: 'pay-1' }),
    ).rejects.toBeInstanceOf(ReservationConflictError);
    await expect(
      s.checkout.pay({ reservationId: id, shopperId: shopper, card: CARD }),
    ).rejects.toBeInstanceOf(ReservationConflictError);
    // The same key and card once more: the same answer, and still one charge.
    const repeat = await s.checkout.pay({
      reservationId: id,
      shopperId: shopper,
      card: CARD,
      idempotencyKey: 'pay-1',
    });
    expect(repeat.orderId).toBe(id);
    expect(s.authorized).toHaveLength(authorizedBefore);
    expect(s.base.captured).toEqual([id]);
    expect(await s.stock(dropId)).toEqual({ total: 10, available: 8, held: 0, sold: 2 });
  });
});

describe('the outbox relay', () => {
  test('publishes every event once with a deterministic id; a relay that fails before deleting publishes again', async ({
    config,
    prefix,
  }) => {
    const s = setup(config.redisUrl, prefix);
    const dropId = await s.openDrop({ stock: 3, perUserLimit: 3, holdSeconds: 30 });
    const shopper = randomUUID();
    // Reserved at once; named in the order the outbox recorded them.
    const reserved = await Promise.all(range(3).map(() => s.reserve(dropId, shopper)));
    const [r1, r2, r3] = ofType(await s.outbox(dropId), 'reservation.created').map(
      (e) => reserved.find((r) => r.hold.id === e.reservationId)!.hold,
    );
    await s.holds.release(r1!.id, shopper);
    // Paid, but JetStream refused the event: the pay fails and its outbox entry stays, for the relay to publish.
    const unstored = createCheckout({
      holds: s.holds,
      provider: s.provider,
      publish: () => Promise.reject(new Error('JetStream unavailable')),
    });
    await expect(unstored.pay({ reservationId: r2!.id, shopperId: shopper, card: CARD })).rejects.toThrow(
      'JetStream unavailable',
    );
    expect((await s.holds.get(r2!.id)).status).toBe('paid');
    s.advance(30_000);
    expect(await s.holds.expireDue(dropId)).toBe(1);

    const events = await s.outbox(dropId);
    expect(ids(events)).toEqual([
      `${r1!.id}:reservation.created`,
      `${r2!.id}:reservation.created`,
      `${r3!.id}:reservation.created`,
      `${r1!.id}:reservation.released`,
      `${r2!.id}:payment.completed`,
      `${r3!.id}:reservation.expired`,
    ]);
    expect(events.every((e) => e.dropId === dropId)).toBe(true);
    expect(s.paymentEvents).toEqual([]);

    expect(await s.background.runOnce()).toEqual({ expired: 0, relayed: 6 });
    expect(sorted(ids(s.relayed))).toEqual(sorted(ids(events)));
    expect(s.relayed).toHaveLength(6);
    for (const e of s.relayed) expect(parseEvent(JSON.stringify(e))).toEqual(e);
    expect(await s.redis.xlen(s.keys.outbox(dropId))).toBe(0);
    expect(await s.background.runOnce()).toEqual({ expired: 0, relayed: 0 });
    expect(s.relayed).toHaveLength(6);

    // A relay whose publish fails for one event after the others went out: nothing is deleted, and the next
    // pass publishes them all again under the same ids.
    const dropB = await s.openDrop({ stock: 5, perUserLimit: 5 });
    const b1 = (await s.reserve(dropB, shopper)).hold;
    const b2 = (await s.reserve(dropB, shopper)).hold;
    await s.holds.release(b1.id, shopper);
    const expected = [
      `${b1.id}:reservation.created`,
      `${b2.id}:reservation.created`,
      `${b1.id}:reservation.released`,
    ];
    expect(ids(await s.outbox(dropB))).toEqual(expected);

    let failOn: string | undefined = `${b2.id}:reservation.created`;
    const attempts: InventoryEvent[] = [];
    const errors: { error: unknown; context: string }[] = [];
    const flaky = createInventoryBackground({
      redis: s.redis,
      keys: s.keys,
      holds: s.holds,
      publish: async (e) => {
        if (e.id === failOn) throw new Error('JetStream unavailable');
        attempts.push(e);
      },
      onError: (error, context) => errors.push({ error, context }),
      takeLease: createLease(s.redis),
    });
    await flaky.runOnce();
    expect(sorted(ids(attempts))).toEqual(sorted(expected.filter((id) => id !== failOn)));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.context).toContain(dropB);
    expect(ids(await s.outbox(dropB))).toEqual(expected);

    failOn = undefined;
    const first = attempts.length;
    expect((await flaky.runOnce()).relayed).toBe(3);
    expect(sorted(ids(attempts.slice(first)))).toEqual(sorted(expected));
    expect(await s.redis.xlen(s.keys.outbox(dropB))).toBe(0);
    // The republished events are the same events: JetStream drops them by message id.
    for (const e of attempts.slice(0, first)) expect(attempts.slice(first)).toContainEqual(e);
    await flaky.runOnce();
    expect(attempts).toHaveLength(first + 3);

    // A malformed entry is reported and dropped, never published.
    await s.redis.xadd(
      s.keys.outbox(dropB),
      '*',
      'id',
      'x',
      'type',
      'reservation.created',
      'data',
      '{"v":1}',
    );
    expect((await flaky.runOnce()).relayed).toBe(1);
    expect(attempts).toHaveLength(first + 3);
    expect(errors).toHaveLength(2);
    expect(await s.redis.xlen(s.keys.outbox(dropB))).toBe(0);
    expect(s.errors).toEqual([]);
  });
  test('one pass over several live drops expires and relays every drop, and counts them all', async ({
    config,
    prefix,
  }) => {
    const s = setup(config.redisUrl, prefix);
    const drops = await Promise.all(range(3).map(() => s.openDrop({ stock: 5, holdSeconds: 10 })));
    const reserved = await Promise.all(drops.map((dropId) => s.reserve(dropId, randomUUID())));
    s.advance(10_000);

    const pass = await s.background.runOnce();
    for (const { hold } of reserved) expect((await s.holds.get(hold.id)).status).toBe('expired');
    for (const dropId of drops) expect(await s.redis.xlen(s.keys.outbox(dropId))).toBe(0);
    expect(sorted(ids(s.relayed))).toEqual(
      sorted(
        reserved.flatMap(({ hold }) => [`${hold.id}:reservation.created`, `${hold.id}:reservation.expired`]),
      ),
    );
    // Totals over the pass: three holds expired, six events relayed.
    expect(pass).toEqual({ expired: 3, relayed: 6 });
  });
});

describe('bad input', () => {
  test('a drop not selling, an ended admission, an unknown drop, missing stock and foreign ids are refused', async ({
    config,
    prefix,
  }) => {
    const s = setup(config.redisUrl, prefix);
    const o = { stock: 5, perUserLimit: 2 };
    const shopper = randomUUID();

    const scheduled = randomUUID();
    await s.mirrorDrop(scheduled, 1, 'scheduled', o);
    const notOpen = s.reserve(scheduled, shopper);
    await expect(notOpen).rejects.toBeInstanceOf(DropNotOpenError);
    await expect(notOpen).rejects.toMatchObject({ code: 'drop_not_open' });

    const closed = await s.openDrop(o);
    await s.mirrorDrop(closed, 3, 'closed', o);
    await expect(s.reserve(closed, shopper)).rejects.toBeInstanceOf(DropNotOpenError);
    await s.mirrorDrop(closed, 4, 'cancelled', o);
    await expect(s.reserve(closed, shopper)).rejects.toBeInstanceOf(DropNotOpenError);
    expect(await s.stock(closed)).toEqual({ total: 5, available: 5, held: 0, sold: 0 });

    const open = await s.openDrop(o);
    const ended = s.reserve(open, shopper, { admissionEndsAt: new Date(s.clock.now()) });
    await expect(ended).rejects.toBeInstanceOf(NotAdmittedError);
    await expect(ended).rejects.toMatchObject({ code: 'not_admitted' });
    await expect(
      s.reserve(open, shopper, { admissionEndsAt: new Date(s.clock.now() - 60_000) }),
    ).rejects.toBeInstanceOf(NotAdmittedError);
    expect(await s.stock(open)).toEqual({ total: 5, available: 5, held: 0, sold: 0 });

    const unknown = s.reserve(randomUUID(), shopper);
    await expect(unknown).rejects.toBeInstanceOf(ReservationNotFoundError);
    await expect(unknown).rejects.toMatchObject({ code: 'not_found' });

    await s.redis.del(s.keys.stock(open));
    const lost = s.reserve(open, shopper);
    await expect(lost).rejects.toBeInstanceOf(StockUnavailableError);
    await expect(lost).rejects.toMatchObject({ code: 'unavailable' });
    expect(await s.redis.exists(s.keys.stock(open))).toBe(0);
    expect(await s.redis.hlen(s.keys.holds(open))).toBe(0);

    for (const id of ['rsv_x', 'abc', '', newReservationId(open), `rsv_${'A'.repeat(43)}`]) {
      await expect(s.holds.get(id, shopper)).rejects.toBeInstanceOf(ReservationNotFoundError);
      await expect(s.holds.release(id, shopper)).rejects.toBeInstanceOf(ReservationNotFoundError);
      await expect(s.holds.pay(id, shopper, undefined, { card: CARD.number })).rejects.toBeInstanceOf(
        ReservationNotFoundError,
      );
      await expect(
        s.checkout.pay({ reservationId: id, shopperId: shopper, card: CARD }),
      ).rejects.toBeInstanceOf(ReservationNotFoundError);
    }
    expect(s.authorized).toEqual([]);
    for (const dropId of [scheduled, closed, open]) expect(await s.outbox(dropId)).toEqual([]);
  });
});
