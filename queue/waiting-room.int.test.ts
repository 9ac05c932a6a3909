/**
 * The waiting room against the real Redis: pre-queue and opening, places, leaving, counts and ETA, sold out,
 * concurrency and figures. Each test has its own key prefix (fixture), drop id and fake clock.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, onTestFinished } from 'vitest';
import { loadScripts, test } from '../infra/testing/index.js';
import {
  AllSoldError,
  createQueueKeys,
  createWaitingRoom,
  DropNotFoundError,
  DropNotOpenError,
  NotInQueueError,
  type DropQueueSettings,
  type WaitingRoom,
} from './index.js';

/** A multiple of 10 s, so the figures' 10-second buckets start exactly at the start of each test. */
const START = 1_900_000_000_000;

function fakeClock(start = START) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

function connect(redisUrl: string): Redis {
  const redis = loadScripts(new Redis(redisUrl));
  onTestFinished(async () => {
    await redis.quit();
  });
  return redis;
}

type Settings = Omit<DropQueueSettings, 'id' | 'version'>;

/** One drop: its waiting room, its stock hash, and `configure` that merges settings and bumps the version. */
function setup(redisUrl: string, prefix: string) {
  const redis = connect(redisUrl);
  const keys = createQueueKeys(prefix);
  const stockKey = (dropId: string) => `${prefix}{drop:${dropId}}:stock`;
  const clock = fakeClock();
  const room = createWaitingRoom({ redis, keys, stockKey, clock });
  const dropId = randomUUID();
  let version = 0;
  let settings: Settings = {
    status: 'scheduled',
    admissionPerMinute: 60,
    maxActive: 1000,
    admissionPaused: false,
  };
  const configure = async (change: Partial<Settings>) => {
    settings = { ...settings, ...change };
    const result = await room.configure({ id: dropId, version: ++version, ...settings });
    expect(result.applied).toBe(true);
    return result;
  };
  const setStock = (available: number, total = 100) =>
    redis.hset(stockKey(dropId), { total, available, held: total - available, sold: 0 });
  return { redis, keys, stockKey, clock, room, dropId, configure, setStock };
}

const shoppers = (n: number) => Array.from({ length: n }, () => randomUUID());
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function positionsOf(room: WaitingRoom, dropId: string, ids: string[]): Promise<number[]> {
  const views = await Promise.all(ids.map((id) => room.state(dropId, id)));
  return views.map((v) => {
    expect(v.status).toBe('waiting');
    expect(v.position).not.toBeNull();
    return v.position!;
  });
}

/** Spearman's rank correlation of two permutations of 1..n (no ties). */
function spearman(a: number[], b: number[]): number {
  const n = a.length;
  const d2 = a.reduce((sum, x, i) => sum + (x - b[i]!) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

describe('waiting room', () => {
  test('the pre-queue holds shoppers without a place; opening places each exactly once, then first come first served', async ({
    config,
    prefix,
  }) => {
    const { room, dropId, configure } = setup(config.redisUrl, prefix);
    await configure({ status: 'scheduled' });
    const early = shoppers(30);
    for (const id of early) {
      const { created, view } = await room.join(dropId, id);
      expect(created).toBe(true);
      expect(view).toMatchObject({ status: 'prequeue', position: null, ahead: null, etaSeconds: null });
    }
    const again = await room.join(dropId, early[7]!);
    expect(again.created).toBe(false);
    expect(again.view).toMatchObject({ status: 'prequeue', position: null });
    expect(await room.state(dropId, early[7]!)).toMatchObject({ status: 'prequeue', position: null });
    expect((await room.state(dropId, randomUUID())).status).toBe('none');

    const opened = await configure({ status: 'open' });
    expect(opened.placed).toBe(30);
    const placed = await positionsOf(room, dropId, early);
    expect([...placed].sort((a, b) => a - b)).toEqual(range(1, 30));
    const views = await Promise.all(early.map((id) => room.state(dropId, id)));
    for (const v of views) expect(v).toMatchObject({ ahead: v.position! - 1, queueLength: 30 });

    // Later joiners come after every pre-queued shopper, in join order.
    const late = shoppers(5);
    for (const [i, id] of late.entries()) {
      const { created, view } = await room.join(dropId, id);
      expect(created).toBe(true);
      expect(view).toMatchObject({ status: 'waiting', position: 31 + i, ahead: 30 + i, queueLength: 31 + i });
    }
    // Another configure (already open) does not place anyone twice or move anyone.
    expect((await configure({ admissionPerMinute: 120 })).placed).toBe(0);
    expect(await positionsOf(room, dropId, early)).toEqual(placed);
    expect(await positionsOf(room, dropId, late)).toEqual(range(31, 35));
  });

  test('a stale configure (an older or equal version) is ignored', async ({ config, prefix }) => {
    const { room, dropId, configure } = setup(config.redisUrl, prefix);
    await configure({ status: 'open' }); // version 1
    await configure({ status: 'open', admissionPerMinute: 7 }); // version 2
    const stale = await room.configure({
      id: dropId,
      version: 2,
      status: 'closed',
      admissionPerMinute: 600,
      maxActive: 1,
      admissionPaused: true,
    });
    expect(stale.applied).toBe(false);
    const ids = shoppers(11);
    for (const id of ids) await room.join(dropId, id);
    // Still open, 7 per minute and not paused: the stale settings were not applied.
    expect(await room.state(dropId, ids[10]!)).toMatchObject({
      status: 'waiting',
      ahead: 10,
      etaSeconds: 86,
    });
  });

  test('the pre-queue order is shuffled at opening', async ({ config, prefix }) => {
    const { room, dropId, configure } = setup(config.redisUrl, prefix);
    await configure({ status: 'scheduled' });
    const n = 200;
    const ids = shoppers(n);
    for (const id of ids) await room.join(dropId, id); // join order: ids[0] first
    expect((await configure({ status: 'open' })).placed).toBe(n);
    const positions = await positionsOf(room, dropId, ids);
    const joinOrder = range(1, n);
    expect([...positions].sort((a, b) => a - b)).toEqual(joinOrder);
    expect(positions).not.toEqual(joinOrder);
    expect(positions).not.toEqual([...joinOrder].reverse());
    /*
     * Spearman's rho between join order and place. For a uniformly random permutation of n items rho has mean 0 and
     * variance exactly 1/(n − 1) (sd = 1/√199 ≈ 0.0709 for n = 200) and is asymptotically normal (Hoeffding's
     * combinatorial CLT; its kurtosis is slightly below 3, so its tails are no heavier than the normal's).
     * |rho| ≥ 0.35 is 0.35·√199 ≈ 4.94 sd: P ≈ 2·(1 − Φ(4.94)) ≈ 8e-7, i.e. a correct shuffle fails this about once
     * in a million runs. (At 0.3, 4.23 sd, it would be ≈ 2.3e-5: 2 000 000 simulated shuffles gave 41 hits.)
     * Unshuffled gives rho = 1, reversed −1, and an order merely shuffled within halves ≈ 0.75: all fail.
     */
    const rho = spearman(joinOrder, positions);
    expect(Math.abs(rho)).toBeLessThan(0.35);
  });

  test('repeat joins keep the place; leaving frees it for good; rejoining goes to the back', async ({
    config,
    prefix,
  }) => {
    const { room, dropId, configure } = setup(config.redisUrl, prefix);
    await configure({ status: 'open' });
    const [a, b, c, d] = shoppers(4) as [string, string, string, string];
    for (const [i, id] of [a, b, c, d].entries())
      expect((await room.join(dropId, id)).view.position).toBe(i + 1);

    const repeat = await room.join(dropId, b);
    expect(repeat.created).toBe(false);
    expect(repeat.view).toMatchObject({ status: 'waiting', position: 2, ahead: 1, queueLength: 4 });

    await room.leave(dropId, b);
    const left = await room.state(dropId, b);
    expect(left).toMatchObject({ status: 'left', ahead: null, etaSeconds: null, queueLength: 3 });
    // Those behind move up; the place is not given to the next joiner.
    expect(await room.state(dropId, c)).toMatchObject({ status: 'waiting', position: 3, ahead: 1 });
    const e = randomUUID();
    expect((await room.join(dropId, e)).view).toMatchObject({ position: 5, ahead: 3, queueLength: 4 });

    const back = await room.join(dropId, b);
    expect(back.created).toBe(true);
    expect(back.view).toMatchObject({ status: 'waiting', position: 6, ahead: 4, queueLength: 5 });
    expect(await room.state(dropId, b)).toMatchObject({ status: 'waiting', position: 6 });

    // Every place given in this drop was given once.
    const given = await positionsOf(room, dropId, [a, c, d, e, b]);
    expect(given).toEqual([1, 3, 4, 5, 6]);

    await room.leave(dropId, d);
    const twice = room.leave(dropId, d);
    await expect(twice).rejects.toBeInstanceOf(NotInQueueError);
    await expect(twice).rejects.toMatchObject({ code: 'not_found' });
    await expect(room.leave(dropId, randomUUID())).rejects.toBeInstanceOf(NotInQueueError);
    expect((await room.state(dropId, d)).status).toBe('left');
  });

  test('a pre-queued shopper may leave, and joining again before opening re-enters the pre-queue', async ({
    config,
    prefix,
  }) => {
    const { room, dropId, configure } = setup(config.redisUrl, prefix);
    await configure({ status: 'scheduled' });
    const [a, b, c] = shoppers(3) as [string, string, string];
    for (const id of [a, b, c]) await room.join(dropId, id);
    await room.leave(dropId, b);
    expect((await room.state(dropId, b)).status).toBe('left');
    await room.leave(dropId, c);
    expect((await room.join(dropId, c)).created).toBe(true);
    expect((await configure({ status: 'open' })).placed).toBe(2);
    expect((await room.state(dropId, b)).status).toBe('left');
    expect((await positionsOf(room, dropId, [a, c])).sort((x, y) => x - y)).toEqual([1, 2]);
    expect((await room.state(dropId, a)).queueLength).toBe(2);
  });

  test('an unknown drop is not found; a closed or cancelled drop refuses joins', async ({
    config,
    prefix,
  }) => {
    const { room, dropId, configure } = setup(config.redisUrl, prefix);
    const shopper = randomUUID();
    const unknown = randomUUID();
    for (const call of [
      () => room.join(unknown, shopper),
      () => room.state(unknown, shopper),
      () => room.leave(unknown, shopper),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(DropNotFoundError);
      await expect(call()).rejects.toMatchObject({ code: 'not_found' });
    }

    await configure({ status: 'open' });
    const member = randomUUID();
    await room.join(dropId, member);
    for (const status of ['closed', 'cancelled'] as const) {
      await configure({ status });
      for (const id of [randomUUID(), member]) {
        const refused = room.join(dropId, id);
        await expect(refused).rejects.toBeInstanceOf(DropNotOpenError);
        await expect(refused).rejects.toMatchObject({ code: 'drop_not_open' });
      }
    }
    // Refused joins wrote nothing: only the one shopper who joined while open is in the line.
    expect((await room.state(dropId, member)).queueLength).toBe(1);
    expect((await room.state(dropId, randomUUID())).status).toBe('none');
  });

  test('ahead is exact, queueLength counts the waiting, and the ETA follows the rate, pause and stock', async ({
    config,
    prefix,
  }) => {
    const { room, dropId, configure, setStock } = setup(config.redisUrl, prefix);
    await configure({ status: 'open', admissionPerMinute: 7 });
    await setStock(10);
    const ids = shoppers(11);
    for (const id of ids) await room.join(dropId, id);
    const last = ids[10]!;
    // ceil(10 / 7 × 60) = ceil(85.71…) = 86
    expect(await room.state(dropId, last)).toMatchObject({
      status: 'waiting',
      position: 11,
      ahead: 10,
      queueLength: 11,
      etaSeconds: 86,
    });
    expect(await room.state(dropId, ids[0]!)).toMatchObject({ ahead: 0, etaSeconds: 0 });

    // Someone ahead leaves: ahead is exact (9, although the place is still 11), and the ETA follows.
    await room.leave(dropId, ids[3]!);
    expect(await room.state(dropId, last)).toMatchObject({
      position: 11,
      ahead: 9,
      queueLength: 10,
      etaSeconds: 78, // ceil(9 / 7 × 60) = ceil(77.14…)
    });
    // Someone behind leaving changes nobody's ahead.
    await room.leave(dropId, ids[9]!);
    expect(await room.state(dropId, ids[8]!)).toMatchObject({ position: 9, ahead: 7, queueLength: 9 });
    expect(await room.state(dropId, last)).toMatchObject({ ahead: 8, queueLength: 9 });

    await configure({ admissionPaused: true });
    expect(await room.state(dropId, last)).toMatchObject({ status: 'waiting', ahead: 8, etaSeconds: null });
    await configure({ admissionPaused: false });
    expect((await room.state(dropId, last)).etaSeconds).toBe(69); // ceil(8 / 7 × 60) = ceil(68.57…)

    await setStock(0);
    expect(await room.state(dropId, last)).toMatchObject({ status: 'sold_out', ahead: 8, etaSeconds: null });
    await setStock(2);
    expect((await room.state(dropId, last)).etaSeconds).toBe(69);
  });

  test('a waiting shopper sees sold_out while no unit is available, and waiting again when units return', async ({
    config,
    prefix,
  }) => {
    const { room, dropId, configure, setStock } = setup(config.redisUrl, prefix);
    await configure({ status: 'open' });
    await setStock(5);
    const [a, b] = shoppers(2) as [string, string];
    await room.join(dropId, a);
    await room.join(dropId, b);
    expect((await room.state(dropId, b)).status).toBe('waiting');

    await setStock(0);
    expect(await room.state(dropId, b)).toMatchObject({ status: 'sold_out', position: 2, ahead: 1 });
    // A shopper joining while sold out still gets a place at the back.
    const c = randomUUID();
    expect((await room.join(dropId, c)).view).toMatchObject({ status: 'sold_out', position: 3 });

    await setStock(1);
    expect(await room.state(dropId, b)).toMatchObject({ status: 'waiting', position: 2, ahead: 1 });
    expect(await room.state(dropId, c)).toMatchObject({ status: 'waiting', position: 3, ahead: 2 });
  });

  test('sold out for good (every unit sold, none held): waiting shoppers see all_sold, and the line is closed to every join', async ({
    config,
    prefix,
  }) => {
    const { redis, keys, stockKey, room, dropId, configure } = setup(config.redisUrl, prefix);
    await configure({ status: 'open' });
    await redis.hset(stockKey(dropId), { total: 3, available: 0, held: 1, sold: 2 });
    const [a, b] = shoppers(2) as [string, string];
    await room.join(dropId, a);
    await room.join(dropId, b);
    // Every unit held or sold, but the held one may come back: keep your place.
    expect(await room.state(dropId, b)).toMatchObject({ status: 'sold_out', position: 2, ahead: 1 });

    await redis.hset(stockKey(dropId), { held: 0, sold: 3 });
    expect(await room.state(dropId, a)).toMatchObject({
      status: 'all_sold',
      position: 1,
      ahead: 0,
      etaSeconds: null,
    });
    expect(await room.state(dropId, b)).toMatchObject({
      status: 'all_sold',
      position: 2,
      ahead: 1,
      etaSeconds: null,
    });

    // A newcomer is refused and changes nothing: no entry, no place given, no join counted, its challenge unused.
    await configure({ challengeBits: 1 });
    const newcomer = randomUUID();
    const issued = await room.challenge(dropId, newcomer);
    const before = await Promise.all([
      redis.hgetall(keys.state(dropId)),
      redis.get(keys.seq(dropId)),
      redis.hgetall(keys.stats(dropId)),
      redis.zrange(keys.wait(dropId), '0', '-1', 'WITHSCORES'),
    ]);
    await expect(
      room.join(dropId, newcomer, { challenge: issued.challenge, bits: 32 }),
    ).rejects.toBeInstanceOf(AllSoldError);
    // So is a shopper already in the line: it is closed.
    await expect(room.join(dropId, a)).rejects.toMatchObject({ name: 'AllSoldError', code: 'sold_out' });
    expect(
      await Promise.all([
        redis.hgetall(keys.state(dropId)),
        redis.get(keys.seq(dropId)),
        redis.hgetall(keys.stats(dropId)),
        redis.zrange(keys.wait(dropId), '0', '-1', 'WITHSCORES'),
      ]),
    ).toEqual(before);
    expect(await redis.exists(keys.challenge(dropId, issued.challenge))).toBe(1);
    expect(await room.state(dropId, newcomer)).toMatchObject({ status: 'none' });

    // Without stock in Redis (being rebuilt), the mirrored status says it: sold_out is sold out for good.
    await redis.del(stockKey(dropId));
    expect((await room.state(dropId, a)).status).toBe('waiting');
    await configure({ status: 'sold_out' });
    expect((await room.state(dropId, a)).status).toBe('all_sold');
    await expect(room.join(dropId, randomUUID())).rejects.toBeInstanceOf(AllSoldError);
  });

  test('500 shoppers joining at once get exactly the places 1..500', async ({ config, prefix }) => {
    const { room, dropId, configure, stockKey, keys } = setup(config.redisUrl, prefix);
    await configure({ status: 'open' });
    // Four connections, as several edge processes would have.
    const rooms = Array.from({ length: 4 }, () =>
      createWaitingRoom({ redis: connect(config.redisUrl), keys, stockKey, clock: fakeClock() }),
    );
    const ids = shoppers(500);
    const joins = await Promise.all(ids.map((id, i) => rooms[i % rooms.length]!.join(dropId, id)));
    expect(joins.every((j) => j.created)).toBe(true);
    const places = joins.map((j) => j.view.position!);
    expect([...places].sort((a, b) => a - b)).toEqual(range(1, 500));
    // What each was told is what is stored.
    expect(await positionsOf(room, dropId, ids)).toEqual(places);
    expect((await room.figures(dropId)).queueLength).toBe(500);
  });

  test('200 concurrent joins by one shopper make one entry', async ({ config, prefix }) => {
    const { room, dropId, configure, stockKey, keys } = setup(config.redisUrl, prefix);
    await configure({ status: 'open' });
    const other = createWaitingRoom({ redis: connect(config.redisUrl), keys, stockKey, clock: fakeClock() });
    await room.join(dropId, randomUUID());
    const shopper = randomUUID();
    const joins = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? room : other).join(dropId, shopper)),
    );
    expect(joins.filter((j) => j.created)).toHaveLength(1);
    expect(new Set(joins.map((j) => j.view.position))).toEqual(new Set([2]));
    expect(await room.state(dropId, shopper)).toMatchObject({
      status: 'waiting',
      position: 2,
      queueLength: 2,
    });
    expect((await room.figures(dropId)).joinsPerMinute).toBe(2);
  });

  test('200 concurrent joins by one shopper before opening make one pre-queue entry', async ({
    config,
    prefix,
  }) => {
    const { room, dropId, configure } = setup(config.redisUrl, prefix);
    await configure({ status: 'scheduled' });
    const shopper = randomUUID();
    const joins = await Promise.all(Array.from({ length: 200 }, () => room.join(dropId, shopper)));
    expect(joins.filter((j) => j.created)).toHaveLength(1);
    expect((await configure({ status: 'open' })).placed).toBe(1);
    expect(await room.state(dropId, shopper)).toMatchObject({
      status: 'waiting',
      position: 1,
      queueLength: 1,
    });
  });

  test('figures count joins over the last minute and the shoppers waiting', async ({ config, prefix }) => {
    const { room, dropId, configure, clock } = setup(config.redisUrl, prefix);
    await configure({ status: 'open' });
    const ids = shoppers(12);
    for (const id of ids.slice(0, 8)) await room.join(dropId, id);
    clock.advance(25_000);
    for (const id of ids.slice(8)) await room.join(dropId, id);
    await room.join(dropId, ids[0]!); // a repeat join is not a join
    await room.leave(dropId, ids[1]!);
    expect(await room.figures(dropId)).toEqual({
      queueLength: 11,
      admittedTotal: 0,
      activeAdmissions: 0,
      joinsPerMinute: 12,
      admitsPerMinute: 0,
    });
    // 59.9 s after the first joins they still count; at 60 s they have left the one-minute window.
    clock.advance(34_900);
    expect((await room.figures(dropId)).joinsPerMinute).toBe(12);
    clock.advance(100);
    expect((await room.figures(dropId)).joinsPerMinute).toBe(4);
    clock.advance(30_000);
    expect(await room.figures(dropId)).toMatchObject({ joinsPerMinute: 0, queueLength: 11 });
  });
});
