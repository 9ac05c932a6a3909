/**
 * The promised wait (etaSeconds) against the real Redis: the configured rate while it binds, the pace of shoppers
 * finishing while maxActive binds, and the operator's pause (with its message). Ticks are called by hand with a fake
 * clock.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, onTestFinished } from 'vitest';
import { loadScripts, test } from '../infra/testing/index.js';
import {
  ACTIVE_SCORE,
  createAdmissionController,
  createQueueKeys,
  createWaitingRoom,
  etaSeconds,
  type DropQueueSettings,
  type TickResult,
} from './index.js';

const START = 1_900_000_000_000;
const TICK_MS = 250;
const WINDOW_SECONDS = 300;

type Settings = Omit<DropQueueSettings, 'id' | 'version'>;

function setup(redisUrl: string, prefix: string, settings: Partial<Settings>) {
  const redis = loadScripts(new Redis(redisUrl));
  onTestFinished(async () => {
    await redis.quit();
  });
  const keys = createQueueKeys(prefix);
  const stockKey = (dropId: string) => `${prefix}{drop:${dropId}}:stock`;
  let t = START;
  const clock = { now: () => t };
  const room = createWaitingRoom({ redis, keys, stockKey, clock });
  const controller = createAdmissionController({
    redis,
    keys,
    stockKey,
    clock,
    admissionWindowSeconds: WINDOW_SECONDS,
    onTick: () => {},
  });
  const id = randomUUID();
  let version = 0;
  let current: Settings = {
    status: 'open',
    admissionPerMinute: 600,
    maxActive: 10_000,
    admissionPaused: false,
    ...settings,
  };
  const configure = async (change: Partial<Settings> = {}) => {
    current = { ...current, ...change };
    expect((await room.configure({ id, version: ++version, ...current })).applied).toBe(true);
  };
  /** Advances the clock by one tick and ticks. */
  const tick = async (): Promise<TickResult> => {
    t += TICK_MS;
    const result = await controller.tick(id);
    expect(result).not.toBeNull();
    return result!;
  };
  /** Ends every active admission as paid or released would (the next tick frees the slots). */
  const finishAll = async () => {
    const active = await redis.zrange(keys.active(id), '0', '-1');
    if (active.length > 0)
      await redis.zadd(keys.active(id), ...active.flatMap((s) => [String(ACTIVE_SCORE.finished), s]));
    return active.length;
  };
  const join = async (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const shopper = randomUUID();
      await room.join(id, shopper);
      ids.push(shopper);
    }
    return ids;
  };
  return { redis, id, room, configure, tick, finishAll, join, stock: stockKey(id) };
}

describe('etaSeconds', () => {
  test('while the rate binds, the promise is the configured-rate estimate, however fast shoppers finish', async ({
    config,
    prefix,
  }) => {
    const q = setup(config.redisUrl, prefix, { admissionPerMinute: 600, maxActive: 10_000 });
    await q.configure();
    await q.redis.hset(q.stock, { total: 10_000, available: 10_000, held: 0, sold: 0 });
    const ids = await q.join(200);
    // Shoppers finish after one to two seconds: the slots never bind, the rate (10 a second) does.
    for (let i = 0; i < 40; i++) {
      const r = await q.tick();
      expect(r.pacePerMinute).toBe(600);
      if (i % 4 === 3) await q.finishAll();
    }
    const last = ids.at(-1)!;
    const view = await q.room.state(q.id, last);
    expect(view.status).toBe('waiting');
    expect(view.ahead).toBeGreaterThan(100);
    expect(view.etaSeconds).toBe(Math.ceil((view.ahead! / 600) * 60));
    expect(view.etaSeconds).toBe(etaSeconds(view.ahead!, 600));
  });

  test('while maxActive binds, the promise follows the pace of shoppers finishing', async ({
    config,
    prefix,
  }) => {
    const q = setup(config.redisUrl, prefix, { admissionPerMinute: 6000, maxActive: 5 });
    await q.configure();
    await q.redis.hset(q.stock, { total: 10_000, available: 10_000, held: 0, sold: 0 });
    const ids = await q.join(60);
    expect((await q.tick()).admitted).toEqual([]); // the first tick starts the clock
    const first = await q.tick();
    expect(first.admitted).toHaveLength(5);
    expect(first.pacePerMinute).toBe(6000);
    const last = ids.at(-1)!;
    // No admission has ended yet: the rate is the starting estimate.
    expect((await q.room.state(q.id, last)).etaSeconds).toBe(etaSeconds(54, 6000));

    // Each admitted shopper keeps its slot 4 s (16 ticks); the line then moves 5 per 4 s: 75 a minute.
    for (let round = 0; round < 3; round++) {
      for (let i = 1; i < 16; i++) expect((await q.tick()).admitted).toEqual([]);
      expect(await q.finishAll()).toBe(5);
      const r = await q.tick();
      expect(r.admitted).toHaveLength(5);
      expect(r.pacePerMinute).toBeCloseTo(75, 6);
    }
    const view = await q.room.state(q.id, last);
    expect(view.ahead).toBe(39);
    expect(view.etaSeconds).toBe(Math.ceil((39 / 75) * 60));
    // The configured rate would have promised a few seconds.
    expect(view.etaSeconds).toBeGreaterThan(10 * etaSeconds(39, 6000)!);

    // Shoppers who then take 2 s move the estimate towards 150 a minute, one ended admission at a time.
    for (let i = 1; i < 8; i++) await q.tick();
    await q.finishAll();
    const faster = await q.tick();
    expect(faster.pacePerMinute).toBeGreaterThan(75);
    expect(faster.pacePerMinute).toBeLessThan(150);
    // The rate stays the ceiling.
    await q.configure({ admissionPerMinute: 60 });
    expect((await q.tick()).pacePerMinute).toBe(60);
    const slow = await q.room.state(q.id, last);
    expect(slow.etaSeconds).toBe(etaSeconds(slow.ahead!, 60));
  });
});

describe('pause', () => {
  test('the state says paused and carries the message; the promise is null until admission resumes', async ({
    config,
    prefix,
  }) => {
    const q = setup(config.redisUrl, prefix, {});
    await q.configure();
    const [shopper] = await q.join(3).then((ids) => ids.slice(2));
    expect(await q.room.state(q.id, shopper!)).toMatchObject({
      paused: false,
      pauseMessage: null,
      etaSeconds: etaSeconds(2, 600),
    });

    await q.configure({ admissionPaused: true, pauseMessage: 'Restocking — back at 18:05' });
    expect(await q.room.state(q.id, shopper!)).toMatchObject({
      status: 'waiting',
      paused: true,
      pauseMessage: 'Restocking — back at 18:05',
      etaSeconds: null,
    });
    const r = await q.tick();
    expect(r).toMatchObject({ paused: true, pauseMessage: 'Restocking — back at 18:05', admitted: [] });

    // A message kept while admission runs is not shown.
    await q.configure({ admissionPaused: false });
    expect(await q.room.state(q.id, shopper!)).toMatchObject({ paused: false, pauseMessage: null });
    expect((await q.tick()).pauseMessage).toBeNull();

    await q.configure({ admissionPaused: true, pauseMessage: null });
    expect(await q.room.state(q.id, shopper!)).toMatchObject({ paused: true, pauseMessage: null });
  });
});
