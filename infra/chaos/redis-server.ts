/**
 * The chaos run's Redis: a private redis-server (infra/testing's `privateService`, killed with SIGKILL as a crash
 * would) whose next start decides what it comes back with: nothing, its append-only file, or an older RDB snapshot
 * copied into place. No automatic snapshots: what it comes back with is exactly what the fault put there.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { privateService, tcpProbe, type PrivateService } from '../testing/private-services.js';
import { sleep } from './ports.js';

export type RedisStart = 'empty' | 'aof' | { snapshot: string };

export interface ChaosRedis {
  url: string;
  service: PrivateService;
  /** SIGKILL, then a start from `from`. */
  kill(): Promise<void>;
  start(from: RedisStart): Promise<void>;
  /** BGSAVE, waits for it, and copies the dump aside; resolves with the copy's path. */
  snapshot(): Promise<string>;
  /** Turns the append-only file on while it runs (everysec), waiting for its first rewrite to finish. */
  enableAof(): Promise<void>;
}

async function withRedis<T>(url: string, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** Polls INFO persistence until `done`, for at most 30 s. */
async function waitPersistence(redis: Redis, done: (info: string) => boolean, what: string) {
  const deadline = Date.now() + 30_000;
  while (!done(await redis.info('persistence'))) {
    if (Date.now() > deadline) throw new Error(`Redis: ${what} did not finish within 30 s`);
    await sleep(50);
  }
}

export async function startChaosRedis(): Promise<ChaosRedis> {
  let aof = false;
  const service = await privateService({
    name: 'chaos-redis',
    command: (port, dir) => {
      mkdirSync(join(dir, 'data'), { recursive: true });
      return [
        process.env.REDIS_SERVER_BIN ?? 'redis-server',
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', join(dir, 'data'), '--save', ''],
        ...['--appendonly', aof ? 'yes' : 'no', '--appendfsync', 'everysec'],
      ];
    },
    url: (port) => `redis://127.0.0.1:${port}`,
    probe: (port) => tcpProbe(port, 'PING\r\n', /\+PONG\r\n/),
    startTimeoutMs: 30_000,
  });
  const data = join(service.dir, 'data');
  let snapshots = 0;
  return {
    url: service.url,
    service,
    kill: () => service.kill(),
    async start(from) {
      aof = from === 'aof';
      if (!aof) rmSync(data, { recursive: true, force: true });
      if (typeof from === 'object') {
        mkdirSync(data, { recursive: true });
        copyFileSync(from.snapshot, join(data, 'dump.rdb'));
      }
      await service.start();
    },
    snapshot: () =>
      withRedis(service.url, async (redis) => {
        const before = await redis.lastsave();
        await redis.bgsave();
        await waitPersistence(
          redis,
          (info) =>
            /rdb_bgsave_in_progress:0/.test(info) &&
            /rdb_last_bgsave_status:ok/.test(info) &&
            Number(/rdb_last_save_time:(\d+)/.exec(info)?.[1]) >= before,
          'BGSAVE',
        );
        const copy = join(service.dir, `snapshot-${++snapshots}.rdb`);
        copyFileSync(join(data, 'dump.rdb'), copy);
        return copy;
      }),
    enableAof: () =>
      withRedis(service.url, async (redis) => {
        aof = true;
        await redis.config('SET', 'appendonly', 'yes');
        await waitPersistence(
          redis,
          (info) =>
            /aof_enabled:1/.test(info) &&
            /aof_rewrite_in_progress:0/.test(info) &&
            /aof_rewrite_scheduled:0/.test(info),
          'the first AOF rewrite',
        );
      }),
  };
}
