/**
 * Servers of a test's own, for outages: a nats-server with JetStream or a redis-server on a spare port, which the
 * test may kill (SIGKILL, as a crash) and start again on the same port and data directory. The shared services
 * (4222, 6379) are never touched: other test files run against them at the same time.
 * `privateService` is the generic part; another server (PostgreSQL, say) needs only its command and a probe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateService {
  /** What a client connects to, e.g. `nats://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** The data directory, kept across restarts and removed by `close`. */
  dir: string;
  /** Whether the server process is running. */
  running(): boolean;
  /** Kills the server (SIGKILL) and waits until it has exited. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data directory; resolves once it answers. */
  start(): Promise<void>;
  /** Kills the server and removes its data directory. */
  close(): Promise<void>;
}

export interface PrivateServiceSpec {
  name: string;
  /** The command line for a port and a data directory: the binary, then its arguments. */
  command: (port: number, dir: string) => [string, ...string[]];
  url: (port: number) => string;
  /** Resolves once the server answers on `port`; rejects (or resolves false) while it does not yet. */
  probe: (port: number) => Promise<boolean>;
  /** How long start-up may take; 10 s unless told. */
  startTimeoutMs?: number;
}

/** A TCP port nobody listens on right now (the OS picks it, then it is released for the server). */
export async function sparePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}

/**
 * Connects to `port`, writes `send` (if any), and resolves true once what the server wrote matches `expect`;
 * false when the connection is refused, closed or silent for a second.
 */
export function tcpProbe(port: number, send: string | undefined, expect: RegExp): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let received = '';
    const finish = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(expect.test(received)));
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (expect.test(received)) finish(true);
    });
    socket.connect(port, '127.0.0.1', () => {
      if (send !== undefined) socket.write(send);
    });
  });
}

/** Starts `spec`'s server on a spare port with a fresh data directory; resolves once it answers. */
export async function privateService(spec: PrivateServiceSpec): Promise<PrivateService> {
  const port = await sparePort();
  const dir = await mkdtemp(join(tmpdir(), `dropline-${spec.name}-`));
  let child: ChildProcess | undefined;
  let output = '';

  const kill = async () => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGKILL');
    await exited;
  };

  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    const [binary, ...args] = spec.command(port, dir);
    output = '';
    const current = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = current;
    current.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    current.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + (spec.startTimeoutMs ?? 10_000);
    while (!(await spec.probe(port).catch(() => false))) {
      if (current.exitCode !== null || Date.now() > deadline) {
        await kill();
        throw new Error(`${spec.name} on port ${port} did not start; output:\n${output}`);
      }
      // A short pause between probes, not a wait for the condition: the loop ends on the probe or the deadline.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  await start();
  return {
    url: spec.url(port),
    port,
    dir,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    kill,
    start,
    async close() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The nats-server binary: NATS_SERVER_BIN, else Debian's path. */
const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
/** The redis-server binary: REDIS_SERVER_BIN, else the one on the PATH. */
const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/** A nats-server with JetStream (file store in its data directory, so streams survive a restart). */
export function privateNats(): Promise<PrivateService> {
  return privateService({
    name: 'nats',
    command: (port, dir) => [NATS_SERVER, '-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir],
    url: (port) => `nats://127.0.0.1:${port}`,
    // A NATS server greets every client with INFO; JetStream has recovered its streams by then.
    probe: (port) => tcpProbe(port, undefined, /^INFO /),
  });
}

/** A redis-server without persistence: it comes back empty after a kill. */
export function privateRedis(): Promise<PrivateService> {
  return privateService({
    name: 'redis',
    command: (port, dir) => [
      REDIS_SERVER,
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    url: (port) => `redis://127.0.0.1:${port}`,
    probe: (port) => tcpProbe(port, 'PING\r\n', /\+PONG\r\n/),
  });
}
