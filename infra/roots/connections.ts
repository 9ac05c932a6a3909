/**
 * The connections a Dropline process opens, and nothing else opens: PostgreSQL (migrated before anything uses
 * it), Redis (with every room's Lua scripts loaded), BullMQ's own Redis connection and NATS with JetStream.
 *
 * The first connection to each service fails fast with a message naming it, so a process started against a wrong
 * URL stops at once. After that, an outage ends by itself: NATS and Redis reconnect forever, waiting at most
 * `reconnectWaitMs` between attempts; postgres.js opens a new connection for the next query after one broke. The
 * readiness checks and `natsConnected` say what is reachable meanwhile.
 */
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { connectPostgres, ensureDatabase, type Sql } from '../db.js';
import { migrate } from '../migrate.js';
import { loadScripts } from '../redis.js';

export interface Connections {
  sql: Sql;
  redis: Redis;
  /** BullMQ's connection: its workers block on it, so its commands wait for Redis instead of failing. */
  bullConnection: Redis;
  nats: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Redis clients opened later (the Socket.IO adapter's), closed with the others. */
  extraRedis: Redis[];
  /**
   * False from the moment the NATS connection drops until it is back: what cannot finish without JetStream
   * (a payment's event) answers `unavailable` at once instead of waiting out a timeout.
   */
  natsConnected: () => boolean;
  /** One check per service for `/readyz`; each rejects at once while its connection is known to be down. */
  readiness: Record<'redis' | 'nats' | 'postgres', () => Promise<unknown>>;
  /** A Redis client with the main one's options (reconnecting forever), watched, logged and closed with the others. */
  duplicateRedis(name: string): Redis;
  close(): Promise<void>;
}

/** A URL fit for a log line or an error message: its password replaced. */
const shown = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

/** Backoff after a Redis connection broke: 50 ms, doubling, capped at `maxMs`; never null, so it never gives up. */
export const redisRetry = (maxMs: number) => (attempt: number) =>
  Math.min(50 * 2 ** Math.min(attempt - 1, 16), maxMs);

/**
 * Logs a Redis client's outage once when it starts and once when it ends, not every failed attempt (ioredis
 * emits an error per attempt, and an unhandled one would be printed to stderr).
 */
function watchRedis(client: Redis, name: string, log: Logger): Redis {
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    log.warn({ err: error, client: name }, 'Redis unreachable; reconnecting until it answers');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    log.info({ client: name }, 'Redis reachable again');
  });
  return client;
}

/** Follows the NATS connection's status events; returns whether it is connected now. */
function watchNats(nats: NatsConnection, log: Logger): () => boolean {
  let connected = true;
  void (async () => {
    for await (const status of nats.status()) {
      if (status.type === 'disconnect') {
        connected = false;
        log.warn({ server: status.server }, 'NATS unreachable; reconnecting until it answers');
      } else if (status.type === 'reconnect') {
        connected = true;
        log.info({ server: status.server }, 'NATS reachable again');
      }
    }
  })();
  return () => connected && !nats.isClosed();
}

/** The first connection to a service: any failure becomes one message naming the service and where it was sought. */
async function first<T>(what: string, url: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${what} at ${shown(url)} is not reachable: ${reason}`, { cause: error });
  }
}

async function openNats(config: Config, log: Logger) {
  // noAsyncTraces: nats.js would otherwise build two Error objects (stack traces) for every request, JetStream
  // publishes included, whose failures are logged with their own cause anyway. maxReconnectAttempts -1: the
  // client's default gives up after 10 attempts and closes the connection for good. The pings notice a server
  // that vanished without closing the socket (a network partition) within about 20 s instead of 4 minutes.
  const nats = await first('NATS', config.natsUrl, () =>
    connectNats({
      servers: config.natsUrl,
      name: `dropline-${process.pid}`,
      noAsyncTraces: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: config.reconnectWaitMs,
      reconnectJitter: Math.round(config.reconnectWaitMs / 5),
      pingInterval: 10_000,
      maxPingOut: 2,
    }),
  );
  const natsConnected = watchNats(nats, log);
  try {
    const jsm = await jetstreamManager(nats);
    await jsm.getAccountInfo().catch((error: unknown) => {
      throw new Error(`NATS at ${shown(config.natsUrl)} has no JetStream (start nats-server with -js)`, {
        cause: error,
      });
    });
    return { nats, jsm, js: jetstream(nats), natsConnected };
  } catch (error) {
    await nats.close();
    throw error;
  }
}

async function openRedis(config: Config, log: Logger) {
  const retryStrategy = redisRetry(config.reconnectWaitMs);
  // maxRetriesPerRequest 3: a request during an outage fails within a few attempts rather than hanging.
  const options: RedisOptions = { maxRetriesPerRequest: 3, enableAutoPipelining: true, retryStrategy };
  const redis = watchRedis(loadScripts(new Redis(config.redisUrl, options)), 'main', log);
  const bullConnection = watchRedis(
    new Redis(config.redisUrl, { maxRetriesPerRequest: null, retryStrategy }),
    'bullmq',
    log,
  );
  try {
    await first('Redis', config.redisUrl, () => redis.ping());
    return { redis, bullConnection };
  } catch (error) {
    redis.disconnect();
    bullConnection.disconnect();
    throw error;
  }
}

export async function openConnections(config: Config, log: Logger): Promise<Connections> {
  await first('PostgreSQL', config.databaseUrl, () => ensureDatabase(config.databaseUrl, log));
  const sql = connectPostgres(config.databaseUrl);
  let redisClients: Awaited<ReturnType<typeof openRedis>> | undefined;
  try {
    const applied = await migrate(sql);
    if (applied.length > 0) log.info({ versions: applied }, 'applied migrations');
    redisClients = await openRedis(config, log);
    const { nats, js, jsm, natsConnected } = await openNats(config, log);
    return assemble({ sql, ...redisClients, nats, js, jsm, natsConnected }, log);
  } catch (error) {
    redisClients?.redis.disconnect();
    redisClients?.bullConnection.disconnect();
    await sql.end({ timeout: 1 });
    throw error;
  }
}

type Opened = Pick<Connections, 'sql' | 'redis' | 'bullConnection' | 'nats' | 'js' | 'jsm' | 'natsConnected'>;

function assemble(opened: Opened, log: Logger): Connections {
  const { sql, redis, bullConnection, nats, jsm, natsConnected } = opened;
  const extraRedis: Redis[] = [];
  const down = (what: string) => Promise.reject(new Error(what));
  return {
    ...opened,
    extraRedis,
    readiness: {
      redis: () =>
        redis.status === 'ready' && bullConnection.status === 'ready'
          ? redis.ping()
          : down(`Redis connection ${redis.status}`),
      nats: () => (natsConnected() ? jsm.getAccountInfo() : down('NATS disconnected')),
      postgres: () => sql`SELECT 1`,
    },
    duplicateRedis(name) {
      const client = watchRedis(redis.duplicate(), name, log);
      extraRedis.push(client);
      return client;
    },
    async close() {
      // A connection that is down is closed at once: draining or quitting would wait for the service's return.
      if (natsConnected()) await nats.drain().catch(() => {});
      else await nats.close();
      // quit, not disconnect: replies still in flight (the adapter's unsubscribes) are awaited, not failed.
      await Promise.all(
        [redis, bullConnection, ...extraRedis].map(async (client) => {
          if (client.status === 'ready') await client.quit().catch(() => {});
          else client.disconnect();
        }),
      );
      await sql.end({ timeout: 5 });
    },
  };
}
