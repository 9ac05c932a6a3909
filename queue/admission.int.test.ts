/**
 * The admission controller against the real Redis: rate, credit cap, maxActive and windows, pause, sold out, drop
 * status, the lease, two controllers at once, and tickAll's live set. Ticks are called by hand with a fake clock.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, onTestFinished, vi } from 'vitest';
import { loadScripts, test } from '../infra/testing/index.js';
import {
  createAdmissionController,
  createQueueKeys,
  createWaitingRoom,
  type DropQueueSettings,
  type TickResult,
} from './index.js';

const START = 1_900_000_000_000;
const TICK_MS = 250;
const WINDOW_SECONDS = 300;

function connect(redisUrl: string): Redis {
  const redis = loadScripts(new Redis(redisUrl));
  onTestFinished(async () => {
    await redis.quit();
  });
  return redis;
}

type Settings = Omit<DropQueueSettings, 'id' | 'version'>;

function setup(redisUrl: string, prefix: string) {
  const redis = connect(redisUrl);
  const keys = createQueueKeys(prefix);
  const stockKey = (dropId: string) => `${prefix}{drop:${dropId}}:stock`;
  let t = START;
  const clock = { now: () => t };
  const advance = (ms: number) => {
    t += ms;
  };
  const room = createWaitingRoom({ redis, keys, stockKey, clock });

  /** A drop whose configure merges settings and bumps the version. */
  const drop = () => {
    const id = randomUUID();
    let version = 0;
    let settings: Settings = {
      status: 'open',
      admissionPerMinute: 600,
      maxActive: 10_000,
      admissionPaused: false,
    };
    const configure = async (change: Partial<Settings> = {}) => {
      settings = { ...settings, ...change };
      const result = await room.configure({ id, version: ++version, ...settings });
      expect(result.applied).toBe(true);
    };
    const setStock = (available: number, total = 1000) =>
      redis.hset(stockKey(id), { total, available, held: total - available, sold: 0 });
    /** Joins n new shoppers one after the other: their places follow the returned order. */
    const join = async (n: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const shopper = randomUUID();
        await room.join(id, shopper);
        ids.push(shopper);
      }
      return ids;
    };
    return { id, configure, setStock, join };
  };

  const controller = (
    options: {
      id?: string;
      leaseMs?: number;
      windowSeconds?: number;
      onTick?: (r: TickResult) => void;
      redis?: Redis;
    } = {},
  ) =>
    createAdmissionController({
      redis: options.redis ?? redis,
      keys,
      stockKey,
      clock,
      admissionWindowSeconds: options.windowSeconds ?? WINDOW_SECONDS,
      onTick: options.onTick ?? (() => {}),
      id: options.id ?? randomUUID(),
      ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    });

  return { redis, keys, clock, advance, room, drop, controller };
}

/** A tick that must be led by this controller. */
async function led(tick: Promise<TickResult | null>): Promise<TickResult> {
  const result = await tick;
  expect(result).not.toBeNull();
  return result!;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function expectIncreasing(values: number[]) {
  for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThan(values[i - 1]!);
}

describe('admission controller', () => {
  test('admits in place order at the rate, spread over the ticks, with a window from the tick time', async ({
    config,
    prefix,
  }) => {
    const { clock, advance, room, drop, controller } = setup(config.redisUrl, prefix);
    const d = drop();
    await d.configure({ admissionPerMinute: 600 });
    await d.setStock(1000);
    const ids = await d.join(150);
    const c = controller();

    const first = await led(c.tick(d.id));
    expect(first.admitted).toEqual([]);
    expect(first).toMatchObject({ dropStatus: 'open', nowServing: 0, queueLength: 150, perMinute: 600 });

    const admitted: number[] = [];
    for (let i = 0; i < 40; i++) {
      advance(TICK_MS);
      const r = await led(c.tick(d.id));
      // 600 a minute is 2.5 a quarter second: 2 or 3 a tick, never a burst.
      expect([2, 3]).toContain(r.admitted.length);
      for (const a of r.admitted) {
        expect(a.admissionEndsAt.getTime()).toBe(clock.now() + WINDOW_SECONDS * 1000);
        expect(ids[a.position - 1]).toBe(a.shopperId);
        const view = await room.state(d.id, a.shopperId);
        expect(view).toMatchObject({
          status: 'admitted',
          position: a.position,
          ahead: null,
          etaSeconds: null,
        });
        expect(view.admissionEndsAt?.getTime()).toBe(clock.now() + WINDOW_SECONDS * 1000);
      }
      admitted.push(...r.admitted.map((a) => a.position));
      expect(r.nowServing).toBe(Math.max(0, ...admitted));
      expect(r.queueLength).toBe(150 - admitted.length);
      expect(r.admittedTotal).toBe(admitted.length);
      expect(r.activeCount).toBe(admitted.length);
    }
    // 10 s at 600 a minute.
    expect(admitted.length).toBeGreaterThanOrEqual(97);
    expect(admitted.length).toBeLessThanOrEqual(103);
    expectIncreasing(admitted);
    expect(admitted).toEqual(range(1, admitted.length));

    const next = ids[admitted.length]!;
    expect(await room.state(d.id, next)).toMatchObject({
      status: 'waiting',
      position: admitted.length + 1,
      ahead: 0,
      queueLength: 150 - admitted.length,
    });
    expect(await room.figures(d.id)).toMatchObject({
      admittedTotal: admitted.length,
      activeAdmissions: admitted.length,
      admitsPerMinute: admitted.length,
      queueLength: 150 - admitted.length,
    });
  });

  test('credit never exceeds one second’s worth: a tick after a long gap admits at most perMinute/60', async ({
    config,
    prefix,
  }) => {
    const { advance, drop, controller } = setup(config.redisUrl, prefix);
    const d = drop();
    await d.configure({ admissionPerMinute: 600 });
    await d.join(100);
    const c = controller();
    expect((await led(c.tick(d.id))).admitted).toEqual([]);

    advance(60_000);
    const afterGap = await led(c.tick(d.id));
    expect(afterGap.admitted.length).toBeGreaterThan(0);
    expect(afterGap.admitted.length).toBeLessThanOrEqual(600 / 60);

    // No credit was left over for the next tick either.
    advance(TICK_MS);
    expect([2, 3]).toContain((await led(c.tick(d.id))).admitted.length);
  });

  test('an empty line saves no credit: a line that forms, or forms again, goes in at the rate, not at once', async ({
    config,
    prefix,
  }) => {
    const { advance, drop, controller } = setup(config.redisUrl, prefix);
    const d = drop();
    await d.configure({ admissionPerMinute: 600 });
    const c = controller();
    // Open for ten seconds with nobody waiting, ticked as the controller does.
    for (let i = 0; i < 40; i++) {
      expect((await led(c.tick(d.id))).admitted).toEqual([]);
      advance(TICK_MS);
    }
    await d.join(100);
    expect([2, 3]).toContain((await led(c.tick(d.id))).admitted.length);

    // A line of one after a second's credit: that one goes in, and the credit left goes with the line.
    const second = drop();
    await second.configure({ admissionPerMinute: 600 });
    await second.join(1);
    expect((await led(c.tick(second.id))).admitted).toEqual([]);
    advance(1000);
    expect((await led(c.tick(second.id))).admitted).toHaveLength(1);
    await second.join(50);
    advance(TICK_MS);
    expect([2, 3]).toContain((await led(c.tick(second.id))).admitted.length);
  });

  test('never more than maxActive at once; ended windows expire and free their slots', async ({
    config,
    prefix,
  }) => {
    const { clock, advance, room, drop, controller } = setup(config.redisUrl, prefix);
    const d = drop();
    await d.configure({ admissionPerMinute: 600, maxActive: 5 });
    const ids = await d.join(20);
    const windowSeconds = 30;
    const c = controller({ windowSeconds });

    const ends = new Map<string, number>();
    await led(c.tick(d.id));
    for (let i = 0; i < 40; i++) {
      advance(TICK_MS);
      const r = await led(c.tick(d.id));
      for (const a of r.admitted) ends.set(a.shopperId, a.admissionEndsAt.getTime());
      expect(r.activeCount).toBeLessThanOrEqual(5);
      expect((await room.figures(d.id)).activeAdmissions).toBeLessThanOrEqual(5);
    }
    expect([...ends.keys()]).toEqual(ids.slice(0, 5));
    const views = await Promise.all(ids.map((id) => room.state(d.id, id)));
    expect(views.filter((v) => v.status === 'admitted')).toHaveLength(5);
    expect(views.filter((v) => v.status === 'waiting')).toHaveLength(15);

    // Past every window: the five expire (keeping their window's end) and five more are admitted.
    advance(windowSeconds * 1000);
    const r = await led(c.tick(d.id));
    expect(r.admitted.map((a) => a.shopperId)).toEqual(ids.slice(5, 10));
    expect(r.activeCount).toBe(5);
    for (const id of ids.slice(0, 5)) {
      const view = await room.state(d.id, id);
      expect(view.status).toBe('expired');
      expect(view.admissionEndsAt?.getTime()).toBe(ends.get(id));
      expect(view.admissionEndsAt!.getTime()).toBeLessThanOrEqual(clock.now());
    }
    for (const id of ids.slice(5, 10)) expect((await room.state(d.id, id)).status).toBe('admitted');
    expect((await room.figures(d.id)).activeAdmissions).toBe(5);

    // Still full: the next ticks admit nobody until windows end again.
    for (let i = 0; i < 8; i++) {
      advance(TICK_MS);
      const later = await led(c.tick(d.id));
      expect(later.admitted).toEqual([]);
      expect(later.activeCount).toBe(5);
    }
  });

  test('a paused drop admits nobody and gathers no credit; unpaused, it admits at the rate again', async ({
    config,
    prefix,
  }) => {
    const { advance, room, drop, controller } = setup(config.redisUrl, prefix);
    const d = drop();
    await d.configure({ admissionPerMinute: 600, admissionPaused: true });
    const ids = await d.join(150);
    const c = controller();
    for (let i = 0; i <= 240; i++) {
      const r = await led(c.tick(d.id));
      expect(r.admitted).toEqual([]);
      expect(r.paused).toBe(true);
      advance(TICK_MS);
    }
    expect(await room.state(d.id, ids[0]!)).toMatchObject({ status: 'waiting', ahead: 0, etaSeconds: null });

    await d.configure({ admissionPaused: false });
    // A quarter second after the last paused tick: a quarter second's worth, not a saved-up burst.
    const first = await led(c.tick(d.id));
    expect(first.paused).toBe(false);
    expect(first.admitted.map((a) => a.position)).toEqual([1, 2]);
    let total = first.admitted.length;
    for (let i = 1; i < 40; i++) {
      advance(TICK_MS);
      const r = await led(c.tick(d.id));
      expect([2, 3]).toContain(r.admitted.length);
      total += r.admitted.length;
    }
    expect(total).toBeGreaterThanOrEqual(97);
    expect(total).toBeLessThanOrEqual(103);
  });

  test('while no unit is available nobody is admitted; admission resumes when units return', async ({
    config,
    prefix,
  }) => {
    const { advance, room, drop, controller } = setup(config.redisUrl, prefix);
    const d = drop();
    await d.configure({ admissionPerMinute: 600 });
    await d.setStock(0);
    const ids = await d.join(60);
    const c = controller();
    for (let i = 0; i <= 40; i++) {
      const r = await led(c.tick(d.id));
      expect(r.admitted).toEqual([]);
      expect(r.stock).toEqual({ available: 0, held: 1000, sold: 0 });
      advance(TICK_MS);
    }
    expect(await room.state(d.id, ids[0]!)).toMatchObject({ status: 'sold_out', position: 1 });

    await d.setStock(3);
    const resumed: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await led(c.tick(d.id));
      expect(r.admitted.length).toBeLessThanOrEqual(3);
      resumed.push(...r.admitted.map((a) => a.position));
      advance(TICK_MS);
    }
    // Eight quarter seconds at 600 a minute, with no credit saved while sold out.
    expect(resumed).toEqual(range(1, 20));
    expect(await room.state(d.id, ids[0]!)).toMatchObject({ status: 'admitted', position: 1 });
    expect(await room.state(d.id, ids[20]!)).toMatchObject({ status: 'waiting', ahead: 0 });
  });

  test('a drop that is not open admits nobody', async ({ config, prefix }) => {
    const { advance, room, drop, controller } = setup(config.redisUrl, prefix);
    const d = drop();
    await d.configure({ status: 'open', admissionPerMinute: 600, admissionPaused: true });
    const ids = await d.join(30);
    const c = controller();
    for (const status of ['scheduled', 'closed', 'cancelled'] as const) {
      await d.configure({ status, admissionPaused: false });
      for (let i = 0; i <= 20; i++) {
        const r = await led(c.tick(d.id));
        expect(r.dropStatus).toBe(status);
        expect(r.admitted).toEqual([]);
        expect(r.queueLength).toBe(30);
        advance(TICK_MS);
      }
    }
    expect(await room.state(d.id, ids[0]!)).toMatchObject({ status: 'waiting', position: 1 });
    // Reopened, it admits at the rate, with nothing saved up while it was not open.
    await d.configure({ status: 'open' });
    expect((await led(c.tick(d.id))).admitted.map((a) => a.position)).toEqual([1, 2]);
  });

  test('the lease: one controller acts on a drop; another takes over once the lease expires', async ({
    config,
    prefix,
  }) => {
    const { advance, drop, controller } = setup(config.redisUrl, prefix);
    const d = drop();
    await d.configure({ admissionPerMinute: 600 });
    await d.join(50);
    const a = controller({ id: 'controller-a', leaseMs: 200 });
    const b = controller({ id: 'controller-b', leaseMs: 200 });

    await led(a.tick(d.id));
    for (let i = 0; i < 5; i++) {
      advance(TICK_MS);
      expect(await b.tick(d.id)).toBeNull();
      await led(a.tick(d.id));
    }

    // a stops ticking: b leads once a's lease has run out.
    await vi.waitFor(async () => expect(await b.tick(d.id)).not.toBeNull(), { timeout: 5000, interval: 20 });
    expect(await a.tick(d.id)).toBeNull();
    advance(TICK_MS);
    const r = await led(b.tick(d.id));
    expect(r.admitted.length).toBeGreaterThan(0);
  });

  test('two controllers ticking at once admit each shopper exactly once, in order, at one controller’s rate', async ({
    config,
    prefix,
  }) => {
    const { redis, keys, advance, room, drop, controller } = setup(config.redisUrl, prefix);
    const d = drop();
    await d.configure({ admissionPerMinute: 600 });
    const ids = await d.join(300);
    // Leases long enough that the leader keeps its lease however slow the machine.
    const a = controller({ id: 'controller-a', leaseMs: 30_000, redis: connect(config.redisUrl) });
    const b = controller({ id: 'controller-b', leaseMs: 30_000, redis: connect(config.redisUrl) });

    const admitted: { shopperId: string; position: number }[] = [];
    const leaders = new Set<string>();
    const step = async () => {
      const calls = Array.from({ length: 8 }, (_, i) => {
        const c = i % 2 ? b : a;
        return c.tick(d.id).then((r) => {
          if (r) {
            leaders.add(c.id);
            admitted.push(...r.admitted);
          }
          return r;
        });
      });
      const results = await Promise.all(calls);
      expect(results.filter((r) => r !== null).length).toBeGreaterThan(0);
    };

    await step();
    for (let i = 0; i < 40; i++) {
      advance(TICK_MS);
      await step();
    }
    // 10 s of fake time at 600 a minute: one controller's rate, not two.
    expect(admitted.length).toBeGreaterThanOrEqual(97);
    expect(admitted.length).toBeLessThanOrEqual(103);

    for (let i = 0; i < 200 && admitted.length < 300; i++) {
      advance(TICK_MS);
      await step();
    }
    expect(leaders.size).toBe(1);
    expect(admitted).toHaveLength(300);
    expect(new Set(admitted.map((x) => x.shopperId)).size).toBe(300);
    expect(admitted.map((x) => x.position)).toEqual(range(1, 300));
    expect(admitted.map((x) => x.shopperId)).toEqual(ids);
    const views = await Promise.all(ids.map((id) => room.state(d.id, id)));
    expect(views.every((v) => v.status === 'admitted')).toBe(true);
    expect(Number(await redis.hget(keys.stats(d.id), 'admitted'))).toBe(300);
  });

  test('tickAll ticks the live drops, and drops a drop from the live set after telling that it closed', async ({
    config,
    prefix,
  }) => {
    const { redis, keys, advance, drop, controller } = setup(config.redisUrl, prefix);
    const open = drop();
    const closing = drop();
    const scheduled = drop();
    await open.configure({ status: 'open' });
    await closing.configure({ status: 'open' });
    await scheduled.configure({ status: 'scheduled' });
    await open.join(20);
    await closing.join(20);
    expect((await redis.smembers(keys.live())).sort()).toEqual([open.id, closing.id].sort());

    const seen: TickResult[] = [];
    const c = controller({ onTick: (r) => void seen.push(r) });
    const first = await c.tickAll();
    expect(first.map((r) => r.dropId).sort()).toEqual([open.id, closing.id].sort());
    expect(seen.map((r) => r.dropId).sort()).toEqual([open.id, closing.id].sort());

    advance(TICK_MS);
    await closing.configure({ status: 'closed' });
    seen.length = 0;
    const second = await c.tickAll();
    expect(second.map((r) => r.dropId).sort()).toEqual([open.id, closing.id].sort());
    const told = seen.filter((r) => r.dropId === closing.id);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ dropStatus: 'closed', admitted: [] });
    expect(seen.find((r) => r.dropId === open.id)?.admitted.length).toBeGreaterThan(0);
    expect(await redis.smembers(keys.live())).toEqual([open.id]);

    for (let i = 0; i < 3; i++) {
      advance(TICK_MS);
      seen.length = 0;
      await c.tickAll();
      expect(seen.map((r) => r.dropId)).toEqual([open.id]);
    }

    // Opening the scheduled drop makes it live.
    await scheduled.configure({ status: 'open' });
    seen.length = 0;
    await c.tickAll();
    expect(seen.map((r) => r.dropId).sort()).toEqual([open.id, scheduled.id].sort());
  });
});
