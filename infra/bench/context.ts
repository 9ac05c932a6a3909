/**
 * What every benchmark scenario shares: child processes (all stopped at the end, whatever happens), a Dropline
 * process on a database and Redis prefix of the run's own, and small HTTP helpers.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { spawnDropline, type DroplineProcess } from '../testing/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchContext {
  databaseUrl: string;
  redisPrefix: string;
  quick: boolean;
  /** Starts Dropline (`all` by default) with rate limits off; resolves with its base URL. */
  startDropline(
    role?: 'all' | 'edge' | 'workers',
    env?: Record<string, string>,
  ): Promise<{ url: string; process: DroplineProcess }>;
  /** Runs a TypeScript file of infra/bench as a child process; tracked for cleanup. */
  spawnScript(file: string, args?: string[]): ChildProcess;
  /** Forks a TypeScript file of infra/bench with an IPC channel; tracked for cleanup. */
  forkScript(file: string): ChildProcess;
  stopAll(): Promise<void>;
}

/** The Dropline a scenario runs against: an edge's base URL, and the operator's and a brand's sessions there. */
export interface DroplineSession {
  url: string;
  operatorToken: string;
  brandToken: string;
}

export function createBenchContext({
  databaseUrl,
  redisPrefix,
  quick,
}: {
  databaseUrl: string;
  redisPrefix: string;
  quick: boolean;
}): BenchContext {
  const children: ChildProcess[] = [];
  const droplines: DroplineProcess[] = [];
  const script = (file: string) => fileURLToPath(new URL(file, import.meta.url));
  return {
    databaseUrl,
    redisPrefix,
    quick,
    async startDropline(role = 'all', env = {}) {
      const started = performance.now();
      const p = spawnDropline(
        role,
        {
          DATABASE_URL: databaseUrl,
          REDIS_PREFIX: redisPrefix,
          PORT: '0',
          HOST: '127.0.0.1',
          NODE_ENV: 'development',
          LOG_LEVEL: 'warn',
          RATE_LIMITS: 'off',
          ...env,
        },
        cpuProfile(`dropline-${role}`),
      );
      droplines.push(p);
      const [, port] = await p.waitFor(
        /listening on http:\/\/127\.0\.0\.1:(\d+)|Dropline workers are running/,
        60_000,
      );
      return {
        url: port ? `http://127.0.0.1:${port}` : '',
        process: p,
        startMs: performance.now() - started,
      };
    },
    spawnScript(file, args = []) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', ...cpuProfile('generator'), script(file), ...args],
        {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      children.push(child);
      return child;
    },
    forkScript(file) {
      const child = fork(script(file), [], {
        cwd: ROOT,
        execArgv: ['--import', 'tsx', ...cpuProfile('generator')],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      return child;
    },
    async stopAll() {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      await Promise.all(droplines.map((p) => p.stop('SIGTERM', 15_000)));
    },
  };
}

/**
 * BENCH_CPU_PROF=<dir>: Node flags that write a CPU profile of the process there, named after `what` (open it in
 * Chrome DevTools), in a folder of its own (`<what>-<n>`, one file per thread); none otherwise.
 */
let profiled = 0;
function cpuProfile(what: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}/${what}-${++profiled}`] : [];
}

/**
 * Runs a bare baseline server of infra/bench (it prints `listening <port>`); resolves once it listens, with its base
 * URL and pid. It is stopped with the rest of the run's processes, or earlier with `stop`.
 */
export async function startBareServer(
  ctx: BenchContext,
  file: string,
  args: string[] = [],
): Promise<{ url: string; pid: number | undefined; stop: () => void }> {
  const child = ctx.spawnScript(file, args);
  const port = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('exit', () => reject(new Error(`the bare server ${file} ${args.join(' ')} exited`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

/** Resolves when `child` has exited (at once if it has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Resolves with the first IPC message of `type` from `child`; rejects on an `error` message or exit. */
export function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string; message?: string }) => {
      if (message.type === type) {
        done();
        resolve(message as T);
      } else if (message.type === 'error') {
        done();
        reject(new Error(message.message));
      }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`load generator exited (${code}) before "${type}"`));
    };
    const done = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export async function http<T = unknown>(
  url: string,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<T> {
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
  const res = await fetch(url, {
    method,
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      // Sign-ins without a body say JSON too: the edge refuses them otherwise.
      ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** A Prometheus gauge's value from an edge's /metrics. */
export async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  if (!match) throw new Error(`no ${name} in ${url}/metrics`);
  return Number(match[1]);
}

/** The drop the shoppers of the bare servers name: any well-formed id does, since those store nothing. */
export const BARE_DROP_ID = '00000000-0000-4000-8000-000000000000';

/** `value` rounded to hundredths, as every ratio and per-shopper figure is reported. */
export const hundredths = (value: number) => Math.round(value * 100) / 100;

/** What POST /api/drops takes beyond its opening time (`admissionPerMinute`, `maxActive`, …). */
export type DropFields = { title: string; sku: string; priceCents: number; stock: number } & Record<
  string,
  unknown
>;

/**
 * Creates a drop scheduled an hour ahead and opens it at once; resolves with its id. `pauseAdmission` pauses the
 * waiting room before it opens, so that every shopper who joins waits until the scenario resumes it.
 */
export async function openDrop(
  dropline: DroplineSession,
  fields: DropFields,
  { pauseAdmission = false } = {},
): Promise<string> {
  const { url, brandToken } = dropline;
  const drop = await http<{ id: string }>(`${url}/api/drops`, {
    token: brandToken,
    body: { ...fields, opensAt: new Date(Date.now() + 3600_000).toISOString() },
  });
  if (pauseAdmission) await setAdmission(dropline, drop.id, { paused: true });
  await http(`${url}/api/drops/${drop.id}/open`, { method: 'POST', token: brandToken });
  return drop.id;
}

/** The operator sets a drop's admission (`{paused}`, `{perMinute}`). */
export async function setAdmission(
  dropline: DroplineSession,
  dropId: string,
  body: { paused: boolean; perMinute?: number },
): Promise<void> {
  await http(`${dropline.url}/api/admin/drops/${dropId}/admission`, {
    method: 'PUT',
    token: dropline.operatorToken,
    body,
  });
}

/** How many guests sign in at once: the set-up does not open thousands of connections together. */
const GUEST_BATCH = 250;

/** Session tokens of `count` new guests, signed in before a scenario starts (their sign-in is not measured). */
export async function guestTokens(url: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i += GUEST_BATCH) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(GUEST_BATCH, count - i) }, () =>
        http<{ token: string }>(`${url}/api/auth/guest`, { method: 'POST' }),
      ),
    );
    tokens.push(...batch.map((g) => g.token));
  }
  return tokens;
}

/**
 * Writes session tokens to a file in a fresh temporary folder, for a load generator to read at its start (thousands
 * of tokens: a file rather than one large IPC message). Returns the file's path.
 */
export function writeTokensFile(tokens: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dropline-bench-')), 'tokens.json');
  writeFileSync(file, JSON.stringify(tokens));
  return file;
}
