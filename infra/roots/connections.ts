/**
 * The connections a Dropline process opens, and nothing else opens: PostgreSQL (migrated before anything uses
 * it), Redis (with every room's Lua scripts loaded), BullMQ's own Redis connection and NATS with JetStream.
 */
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { connectPostgres, ensureDatabase, type Sql } from '../db.js';
import { migrate } from '../migrate.js';
import { loadScripts } from '../redis.js';

export interface Connections {
  sql: Sql;
  redis: Redis;
  /** BullMQ's connection: its workers block on it, so it retries forever. */
  bullConnection: Redis;
  nats: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Redis clients opened later (the Socket.IO adapter's), closed with the others. */
  extraRedis: Redis[];
  close(): Promise<void>;
}

export async function openConnections(config: Config, log: Logger): Promise<Connections> {
  await ensureDatabase(config.databaseUrl, log);
  const sql = connectPostgres(config.databaseUrl);
  const applied = await migrate(sql);
  if (applied.length > 0) log.info({ versions: applied }, 'applied migrations');

  const redis = loadScripts(
    new Redis(config.redisUrl, { maxRetriesPerRequest: 3, enableAutoPipelining: true }),
  );
  const bullConnection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  // noAsyncTraces: nats.js would otherwise build two Error objects (stack traces) for every request, JetStream
  // publishes included, whose failures are logged with their own cause anyway.
  const nats = await connectNats({
    servers: config.natsUrl,
    name: `dropline-${process.pid}`,
    noAsyncTraces: true,
  });
  const jsm = await jetstreamManager(nats);
  await jsm.getAccountInfo().catch((error: unknown) => {
    throw new Error(`NATS at ${config.natsUrl} has no JetStream (start nats-server with -js)`, {
      cause: error,
    });
  });
  const extraRedis: Redis[] = [];
  return {
    sql,
    redis,
    bullConnection,
    nats,
    js: jetstream(nats),
    jsm,
    extraRedis,
    async close() {
      await nats.drain().catch(() => {});
      // quit, not disconnect: replies still in flight (the adapter's unsubscribes) are awaited, not failed.
      await Promise.all(
        [redis, bullConnection, ...extraRedis].map((client) => client.quit().catch(() => {})),
      );
      await sql.end({ timeout: 5 });
    },
  };
}
