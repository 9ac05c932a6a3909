/** PostgreSQL connections: the database is created when missing, then migrated. */
import postgres from 'postgres';
import type { Logger } from 'pino';

export type Sql = postgres.Sql;

export interface ConnectOptions {
  /** Sets `search_path`, so that each test file can live in a schema of its own. */
  schema?: string;
  max?: number;
}

export function connectPostgres(databaseUrl: string, options: ConnectOptions = {}): Sql {
  return postgres(databaseUrl, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: options.schema ? { search_path: options.schema } : {},
    transform: { undefined: null },
  });
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
