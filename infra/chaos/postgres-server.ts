/**
 * A private PostgreSQL for the chaos run: a cluster made by `initdb` in a temporary folder, on a spare port, started
 * and stopped with `pg_ctl`. PostgreSQL refuses to run as root, so as root its commands run as the `postgres` user
 * (`runuser`), in a folder that user owns.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sparePort } from '../testing/private-services.js';
import { waitForPort } from './ports.js';

export interface PostgresServer {
  url: string;
  port: number;
  /** `immediate` stops it as a crash would (no checkpoint): it recovers from its WAL at the next start. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops it (if running) and removes its folder. */
  remove(): Promise<void>;
}

/** The newest installed PostgreSQL's bin folder (Debian: /usr/lib/postgresql/<major>/bin). */
function binFolder(): string {
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base)
    ? readdirSync(base)
        .filter((d) => /^\d+$/.test(d) && existsSync(join(base, d, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) throw new Error(`no PostgreSQL under ${base}/*/bin (apt-get install postgresql)`);
  return join(base, majors[0]!, 'bin');
}

function postgresUser(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid))
    throw new Error('no postgres user to run PostgreSQL as');
  return { uid, gid };
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binFolder();
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'dropline-chaos-pg-'));
  if (root) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
  // Asynchronous: the shoppers run in this process and must not stall while PostgreSQL stops and starts.
  const run = async (command: string, args: string[]) => {
    const [file, argv] = root
      ? ['runuser', ['-u', 'postgres', '--', join(bin, command), ...args]]
      : [join(bin, command), args];
    await promisify(execFile)(file, argv, { encoding: 'utf8' });
  };
  const data = join(dir, 'data');
  await run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await sparePort();
  // fsync off: the faults here crash processes, not the machine, and the page cache survives a kill (FIELD-NOTES).
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  let running = false;
  const server: PostgresServer = {
    url: `postgres://postgres@127.0.0.1:${port}/dropline_chaos`,
    port,
    async stop(mode = 'fast') {
      if (!running) return;
      await run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
      running = false;
    },
    async start() {
      await run('pg_ctl', [
        '-D',
        data,
        '-o',
        options,
        '-l',
        join(dir, 'postgres.log'),
        '-w',
        '-t',
        '60',
        'start',
      ]);
      running = true;
      await waitForPort(port, 'PostgreSQL');
    },
    async remove() {
      // Already stopped, or its folder gone: removing the folder is what is left to do.
      await server.stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error) {
    await server.remove();
    throw error;
  }
  return server;
}
