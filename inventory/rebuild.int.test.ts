/**
 * The drop's change counter, the fence and the rebuild against the real Redis: every event is numbered, a fenced
 * drop sells nothing, and a rebuild replaces the drop, continues its counters from the record of truth and lifts
 * the fence. A rollback is what an older snapshot does to the drop: its keys put back with DUMP / RESTORE REPLACE.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, onTestFinished } from 'vitest';
import { loadScripts, test } from '../infra/testing/index.js';
import {
  createDropMirror,
  createHolds,
  createInventoryKeys,
  createRebuild,
  parseEvent,
  StockUnavailableError,
  type InventoryEvent,
} from './index.js';

const NOW = 1_900_000_000_000;

function setup(redisUrl: string, prefix: string) {
  const redis = loadScripts(new Redis(redisUrl));
  onTestFinished(async () => {
    await redis.quit();
  });
  const keys = createInventoryKeys(prefix);
  const clock = { now: () => NOW };
  const activeKey = (id: string) => `${prefix}{drop:${id}}:q:active`;
  const holds = createHolds({ redis, keys, activeKey, clock });
  const rebuild = createRebuild({ redis, keys, activeKey, clock });
  const mirror = createDropMirror({ redis, keys });
  const openDrop = async (stock: number) => {
    const id = randomUUID();
    const drop = {
      id,
      stock,
      priceCents: 100,
      currency: 'EUR',
      perUserLimit: 1,
      holdSeconds: 600,
      admissionPerMinute: 600,
      maxActive: 100,
      opensAt: new Date(NOW),
      closesAt: null,
    };
    await mirror.write({ ...drop, version: 1, status: 'scheduled' });
    await mirror.write({ ...drop, version: 2, status: 'open' });
    return id;
  };
  const reserve = (dropId: string) =>
    holds.reserve({
      dropId,
      shopperId: randomUUID(),
      guest: true,
      quantity: 1,
      admissionEndsAt: new Date(NOW + 60_000),
    });
  const outbox = async (dropId: string): Promise<InventoryEvent[]> =>
    (await redis.xrange(keys.outbox(dropId), '-', '+')).map(([, f]) =>
      parseEvent(f[f.indexOf('data') + 1]!)!,
    );
  const dropKeys = (id: string) => [
    keys.dropMeta(id),
    keys.stock(id),
    keys.holds(id),
    keys.deadlines(id),
    keys.units(id),
    keys.heldBy(id),
  ];
  return { redis, keys, holds, rebuild, openDrop, reserve, outbox, dropKeys };
}

describe('the change counter, the fence and the rebuild', () => {
  test('every event carries the drop’s next change number; a repeated pay answers the same event', async ({
    config,
    prefix,
  }) => {
    const s = setup(config.redisUrl, prefix);
    const dropId = await s.openDrop(2);
    const a = await s.reserve(dropId);
    const b = await s.reserve(dropId);
    const paid = await s.holds.pay(a.hold.id, a.hold.shopperId, 'key-1', {});
    const again = await s.holds.pay(a.hold.id, a.hold.shopperId, 'key-1', {});
    await s.holds.release(b.hold.id, b.hold.shopperId);
    const c = await s.reserve(dropId);
    await s.holds.pay(c.hold.id, c.hold.shopperId, undefined, {});
    const events = await s.outbox(dropId);
    // Every unit held (after b's reservation) is not sold out; the last unit paid is, for good.
    expect(events.map((e) => [e.type, e.dropSeq])).toEqual([
      ['reservation.created', 1],
      ['reservation.created', 2],
      ['payment.completed', 3],
      ['reservation.released', 4],
      ['reservation.created', 5],
      ['payment.completed', 6],
      ['drop.sold_out', 7],
    ]);
    expect(again.event).toEqual(paid.event);
    expect(await s.rebuild.position(dropId)).toMatchObject({
      seq: 7,
      availabilitySeq: 1,
      fenced: false,
      pending: 7,
    });
  });

  test('a fenced drop sells nothing; a rebuild replaces it from the record of truth and lifts the fence', async ({
    config,
    prefix,
  }) => {
    const s = setup(config.redisUrl, prefix);
    const dropId = await s.openDrop(3);
    const first = await s.reserve(dropId);
    const paidFirst = await s.holds.pay(first.hold.id, first.hold.shopperId, undefined, {});
    const snapshot = await Promise.all(
      s.dropKeys(dropId).map(async (k) => [k, await s.redis.dumpBuffer(k)] as const),
    );
    const second = await s.reserve(dropId);
    const paidSecond = await s.holds.pay(second.hold.id, second.hold.shopperId, undefined, {});
    const third = await s.reserve(dropId);
    // Redis comes back older: the second sale and the third hold are forgotten.
    for (const [k, v] of snapshot) if (v) await s.redis.restore(k, 0, v, 'REPLACE');
    const rolledBack = await s.rebuild.position(dropId);
    expect(rolledBack).toMatchObject({ seq: 2, stock: { available: 2, sold: 1 } });

    await s.rebuild.fence(dropId, 'behind');
    await expect(s.reserve(dropId)).rejects.toBeInstanceOf(StockUnavailableError);
    await expect(s.holds.pay(first.hold.id, first.hold.shopperId, undefined, {})).rejects.toBeInstanceOf(
      StockUnavailableError,
    );
    await expect(s.holds.release(first.hold.id, first.hold.shopperId)).rejects.toBeInstanceOf(
      StockUnavailableError,
    );
    expect(await s.holds.expireDue(dropId)).toBe(0);

    // The record of truth knows both sales and the third hold, change number 6 and one earlier sold-out number.
    const known = [paidFirst.hold, paidSecond.hold, third.hold];
    expect(
      await s.rebuild.restore(dropId, { total: 3, known, mode: 'replace', seq: 6, availabilitySeq: 1 }),
    ).toEqual({ held: 1, sold: 2 });
    const rebuilt = await s.rebuild.position(dropId);
    // Nothing is available but a unit is held, which may come back: the drop stays open, no event.
    expect(rebuilt).toMatchObject({ seq: 6, availabilitySeq: 1, fenced: false, pending: 0 });
    expect(rebuilt.stock).toEqual({ total: 3, available: 0, held: 1, sold: 2 });
    expect(await s.redis.hget(s.keys.dropMeta(dropId), 'status')).toBe('open');
    expect((await s.holds.get(second.hold.id)).status).toBe('paid');

    // Replacing a drop that is not fenced writes nothing; so does restoring a drop whose units exist.
    expect(
      await s.rebuild.restore(dropId, { total: 3, known: [], mode: 'replace', seq: 0, availabilitySeq: 0 }),
    ).toBeNull();
    expect(
      await s.rebuild.restore(dropId, { total: 3, known: [], mode: 'missing', seq: 0, availabilitySeq: 0 }),
    ).toBeNull();
    // Paying the held unit sells the drop out for good, numbered after the record's counters.
    await s.holds.pay(third.hold.id, third.hold.shopperId, undefined, {});
    expect((await s.outbox(dropId)).map((e) => [e.type, e.id, e.dropSeq])).toEqual([
      ['payment.completed', `${third.hold.id}:payment.completed`, 7],
      ['drop.sold_out', `${dropId}:sold_out:2`, 8],
    ]);
    expect(await s.redis.hget(s.keys.dropMeta(dropId), 'status')).toBe('sold_out');
  });

  test('a rebuild that finds every unit sold and none held sells the drop out for good, numbered after the record', async ({
    config,
    prefix,
  }) => {
    const s = setup(config.redisUrl, prefix);
    const dropId = await s.openDrop(1);
    const only = await s.reserve(dropId);
    const snapshot = await Promise.all(
      s.dropKeys(dropId).map(async (k) => [k, await s.redis.dumpBuffer(k)] as const),
    );
    const paid = await s.holds.pay(only.hold.id, only.hold.shopperId, undefined, {});
    expect(await s.redis.hget(s.keys.dropMeta(dropId), 'status')).toBe('sold_out');
    // Redis comes back older: the unit held, the drop open.
    for (const [k, v] of snapshot) if (v) await s.redis.restore(k, 0, v, 'REPLACE');
    await s.redis.del(s.keys.outbox(dropId));
    expect(await s.redis.hget(s.keys.dropMeta(dropId), 'status')).toBe('open');

    await s.rebuild.fence(dropId, 'behind');
    expect(
      await s.rebuild.restore(dropId, {
        total: 1,
        known: [paid.hold],
        mode: 'replace',
        seq: 3,
        availabilitySeq: 1,
      }),
    ).toEqual({ held: 0, sold: 1 });
    expect(await s.redis.hget(s.keys.dropMeta(dropId), 'status')).toBe('sold_out');
    expect(await s.outbox(dropId)).toMatchObject([
      { type: 'drop.sold_out', id: `${dropId}:sold_out:2`, seq: 2, dropSeq: 4 },
    ]);
    expect(await s.rebuild.position(dropId)).toMatchObject({ seq: 4, availabilitySeq: 2, fenced: false });
  });

  test('a drop not verified on this Redis server (it restarted, or a replica took over) sells nothing until verified', async ({
    config,
    prefix,
  }) => {
    const s = setup(config.redisUrl, prefix);
    const dropId = await s.openDrop(5);
    const first = await s.reserve(dropId);
    expect((await s.rebuild.position(dropId)).verified).toBe(true);
    // What a restarted Redis looks like to the drop: its meta names the run of the server that wrote it.
    await s.redis.hset(s.keys.dropMeta(dropId), 'run', 'a-server-that-has-since-stopped');
    expect((await s.rebuild.position(dropId)).verified).toBe(false);
    await expect(s.reserve(dropId)).rejects.toBeInstanceOf(StockUnavailableError);
    await expect(
      s.holds.pay(first.hold.id, first.hold.shopperId, undefined, { card: '4242' }),
    ).rejects.toBeInstanceOf(StockUnavailableError);
    await expect(s.holds.release(first.hold.id, first.hold.shopperId)).rejects.toBeInstanceOf(
      StockUnavailableError,
    );
    const seq = (await s.rebuild.position(dropId)).seq;
    // Behind what PostgreSQL applied: left unverified, for the caller to fence and rebuild.
    expect(await s.rebuild.verify(dropId, seq + 1)).toBe(false);
    expect((await s.rebuild.position(dropId)).verified).toBe(false);
    // Not behind: verified, and it sells again.
    expect(await s.rebuild.verify(dropId, seq)).toBe(true);
    expect((await s.rebuild.position(dropId)).verified).toBe(true);
    expect((await s.reserve(dropId)).hold.status).toBe('held');
    expect(await s.holds.pay(first.hold.id, first.hold.shopperId, undefined, { card: '4242' })).toMatchObject(
      {
        paidNow: true,
      },
    );
  });
});
