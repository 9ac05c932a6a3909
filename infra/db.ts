/** PostgreSQL connections: the database is created when missing, then migrated. */
import postgres from 'postgres';
import type { Logger } from 'pino';

export type Sql = postgres.Sql;

export function connectPostgres(databaseUrl: string, { max = 10 }: { max?: number } = {}): Sql {
  return postgres(databaseUrl, { max, onnotice: () => {}, transform: { undefined: null } });
}

/** Drops a database (tests only), disconnecting whoever is still on it. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    await admin`DROP DATABASE IF EXISTS ${admin(name)} WITH (FORCE)`;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** Creates the database named in `databaseUrl` when it does not exist yet, connecting to `postgres` to do so. */
export async function ensureDatabase(databaseUrl: string, log?: Logger): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) throw new Error('DATABASE_URL names no database');
  url.pathname = '/postgres';
  const admin = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    const [found] = await admin`SELECT 1 AS one FROM pg_database WHERE datname = ${name}`;
    if (found) return;
    try {
      await admin`CREATE DATABASE ${admin(name)}`;
      log?.info({ database: name }, 'created database');
    } catch (error) {
      // Another process created it between our check and our CREATE.
      if ((error as { code?: string }).code !== '42P04') throw error;
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
}
