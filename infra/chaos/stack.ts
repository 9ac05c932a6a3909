/**
 * Everything a chaos run starts: its own PostgreSQL, Redis and NATS on spare ports, and Dropline as an edge process
 * and a workers process against them (rate limits off: every shopper comes from this address). The edge listens on
 * a fixed spare port, so that a restarted edge is found where the shoppers look. `close` stops every process it
 * started and removes every data folder, whatever state the run is in; it is safe to call more than once.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateNats, sparePort, type PrivateService } from '../testing/private-services.js';
import { spawnDropline, type DroplineProcess } from '../testing/process.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';
import { startChaosRedis, type ChaosRedis } from './redis-server.js';

export type Role = 'edge' | 'workers';

export interface Stack {
  postgres: PostgresServer;
  redis: ChaosRedis;
  nats: PrivateService;
  /** The edge's base URL: the same across restarts. */
  url: string;
  redisPrefix: string;
  /** The Dropline process of each role now running (or last run). */
  process(role: Role): DroplineProcess;
  /** Starts a role's process (after a kill, or the first time); resolves once it is up. */
  start(role: Role): Promise<void>;
  /** kill -9 a role's process. */
  kill(role: Role): Promise<void>;
  close(): Promise<void>;
}

const REDIS_PREFIX = 'chaos:';

/** What every Dropline process of the run is told. */
function droplineEnv(
  stack: { postgres: PostgresServer; redis: ChaosRedis; nats: PrivateService },
  port: number,
) {
  return {
    DATABASE_URL: stack.postgres.url,
    REDIS_URL: stack.redis.url,
    NATS_URL: stack.nats.url,
    REDIS_PREFIX: REDIS_PREFIX,
    EVENTS_STREAM: 'CHAOS',
    EVENTS_SUBJECT_PREFIX: 'chaos',
    HOST: '127.0.0.1',
    PORT: String(port),
    NODE_ENV: 'development',
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
    RATE_LIMITS: 'off',
    PAYMENTS: 'test',
    SHUTDOWN_TIMEOUT_SECONDS: '3',
  };
}

async function killed(p: DroplineProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((resolve) => p.child.once('exit', resolve));
  p.child.kill('SIGKILL');
  await exited;
}

/**
 * What to undo, last first: whatever was started so far, so that an interruption in the middle of starting the
 * stack stops what it had started too.
 */
export class Cleanup {
  private readonly closers: (() => Promise<void>)[] = [];
  push(closer: () => Promise<void>) {
    this.closers.push(closer);
  }
  async run(): Promise<void> {
    for (const closer of this.closers.splice(0).reverse()) await closer().catch(() => undefined);
  }
}

/**
 * Starts the services, then the workers (they migrate the database) and the edge; each is registered with
 * `closers` as soon as it runs. `logDir` keeps each Dropline process's output.
 */
export async function startStack(logDir: string, closers: Cleanup): Promise<Stack> {
  const close = () => closers.run();
  try {
    const postgres = await startPostgres();
    closers.push(() => postgres.remove());
    const redis = await startChaosRedis();
    closers.push(() => redis.service.close());
    const nats = await privateNats();
    closers.push(() => nats.close());
    const port = await sparePort();
    const env = droplineEnv({ postgres, redis, nats }, port);
    mkdirSync(logDir, { recursive: true });
    const all: { role: Role; p: DroplineProcess }[] = [];
    const current = new Map<Role, DroplineProcess>();
    closers.push(async () => {
      await Promise.all([...current.values()].map((p) => p.stop('SIGTERM', 5_000)));
      all.forEach(({ role, p }, i) => writeFileSync(join(logDir, `${i + 1}-${role}.log`), p.output()));
    });
    const stack: Stack = {
      postgres,
      redis,
      nats,
      url: `http://127.0.0.1:${port}`,
      redisPrefix: REDIS_PREFIX,
      process(role) {
        const p = current.get(role);
        if (!p) throw new Error(`no ${role} process was started`);
        return p;
      },
      async start(role) {
        const p = spawnDropline(role, env);
        current.set(role, p);
        all.push({ role, p });
        await p.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+|Dropline workers are running/, 60_000);
      },
      async kill(role) {
        const p = current.get(role);
        if (p) await killed(p);
      },
      close,
    };
    await stack.start('workers');
    await stack.start('edge');
    return stack;
  } catch (error) {
    await close();
    throw error;
  }
}
