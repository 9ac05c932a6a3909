/**
 * Test fixtures (vitest `test.extend`) for tests against the real services. Each test file gets a PostgreSQL
 * database of its own; each test gets a Redis key prefix (which also prefixes BullMQ) of its own, removed after it.
 * Nothing is mocked.
 */
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import { pino } from 'pino';
import { test as base } from 'vitest';
import { loadConfig, type Config } from '../config.js';
import { createDropline } from '../dropline.js';
import { dropDatabase, ensureDatabase } from '../db.js';
import { clearPrefix } from '../redis.js';

export { clearPrefix, loadScripts } from '../redis.js';
export { createLease } from '../kit/index.js';

export { createDropline, type Dropline } from '../dropline.js';
export { loadConfig, type Config } from '../config.js';
export { api as apiClient, type Api, type ApiResponse } from './api.js';
import { api } from './api.js';

/** Silent unless TEST_LOG_LEVEL asks for more (e.g. TEST_LOG_LEVEL=error to see unexpected errors). */
export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

const BASE_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dropline';

export const uniqueName = (kind: string) =>
  `${kind}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

/** The configuration a test runs with: the real services' URLs, test mode, and its own database and prefix. */
export function testConfig(
  overrides: { databaseUrl: string; redisPrefix: string } & Record<string, string>,
): Config {
  const { databaseUrl, redisPrefix, ...env } = overrides;
  return loadConfig({
    REDIS_URL: process.env.REDIS_URL,
    NATS_URL: process.env.NATS_URL,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    REDIS_PREFIX: redisPrefix,
    // Tests sign in hundreds of times: hashes at 2^10 (sign-in-limits tests hashing at the real cost, 2^17).
    SCRYPT_N: String(2 ** 10),
    ...env,
  });
}

/**
 * - `databaseUrl` (per file): a database of the file's own, created empty and dropped after the file.
 * - `prefix` (per test): a Redis key prefix (`t_…:`) of the test's own, cleared after the test.
 * - `config`: the test's configuration; `dropline`: both roles (edge and workers) in this process;
 *   `api`: an HTTP client over the app with sign-in helpers.
 */
export const test = base
  // eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this pattern
  .extend('databaseUrl', { scope: 'file' }, async ({}, { onCleanup }) => {
    const url = new URL(BASE_DATABASE_URL);
    url.pathname = `/${uniqueName('dropline_test')}`;
    const databaseUrl = url.toString();
    await ensureDatabase(databaseUrl);
    onCleanup(() => dropDatabase(databaseUrl));
    return databaseUrl;
  })
  // eslint-disable-next-line no-empty-pattern
  .extend('prefix', async ({}, { onCleanup }) => {
    const prefix = `${uniqueName('t')}:`;
    onCleanup(() => clearPrefix(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix));
    return prefix;
  })
  .extend('config', async ({ databaseUrl, prefix }, { onCleanup }) => {
    // A JetStream stream and subjects of the test's own, deleted after it.
    const name = prefix.replace(/:$/, '');
    const config = testConfig({
      databaseUrl,
      redisPrefix: prefix,
      EVENTS_STREAM: name,
      EVENTS_SUBJECT_PREFIX: name,
    });
    onCleanup(() => deleteStream(config.natsUrl, name));
    return config;
  })
  .extend('dropline', async ({ config }, { onCleanup }) => {
    const dropline = await createDropline({ config, log: silentLog, roles: { edge: true, workers: true } });
    onCleanup(() => dropline.close());
    return dropline;
  })
  .extend('api', async ({ dropline, config }) => {
    if (!dropline.app) throw new Error('no edge role');
    return api(dropline.app, config);
  });
export { spawnDropline, type DroplineProcess } from './process.js';
export { CARD_NUMBER, DECLINED_NUMBER, payBody, TEST_BUYER, testCard } from './checkout.js';
export { buyOne } from './buy.js';
export { fillPayForm, futureExpiry, type PayFormValues } from './pay-form.js';

/** Deletes a JetStream stream if it exists. */
export async function deleteStream(natsUrl: string, stream: string): Promise<void> {
  const nc = await connectNats({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** The `count` column of the first row of a query, for `SELECT count(*)::int AS count …`. */
export async function countOf(query: PromiseLike<readonly Record<string, unknown>[]>): Promise<number> {
  const [row] = await query;
  return Number(row?.count);
}
export { connectSocket, type RecordingSocket } from './sockets.js';
export { connectPostgres } from '../db.js';
export { migrate, readMigrations } from '../migrate.js';
export { expectInvalid, expectProblem } from './problems.js';
export {
  privateNats,
  privateRedis,
  privateService,
  sparePort,
  tcpProbe,
  type PrivateService,
  type PrivateServiceSpec,
} from './private-services.js';
export {
  expectRefusedAcrossSites,
  FOREIGN_ORIGIN,
  sendFromOwnPage,
  sendWithToken,
  type Write,
} from './cross-site.js';
export {
  hostileRoutes,
  type Caller,
  type HostileRequest,
  type HostileRoute,
  type KnownIds,
} from './hostile-requests.js';
export * as hostile from './hostile-values.js';
export { stateSnapshots, type StateSnapshot } from './state-snapshot.js';
export { testImages, type TestImage } from './images.js';
