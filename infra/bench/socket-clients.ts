/**
 * The join storm's load generator, run in its own process (forked, with IPC) so it does not share an event loop
 * with the server it measures. It connects `clients` Socket.IO clients, `concurrency` at a time:
 * - `bare`: connect, emit `join` and wait for the ack;
 * - `dropline`: connect (with a guest token), emit `join` (join and watch in one) and wait for the ack (the exact
 *   place, read from Redis).
 * It reports the time until every client has its place, then (dropline) measures how fresh the `queue` pushes are.
 */
import { readFileSync } from 'node:fs';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, JoinAck, ServerToClientEvents } from '../../edge/index.js';

type DropsSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Job {
  mode: 'bare' | 'dropline';
  url: string;
  clients: number;
  concurrency: number;
  /** Any well-formed id for the bare server, which stores nothing. */
  dropId: string;
  tokensFile?: string;
}

const send = (message: object) => process.send?.(message);

function connect(url: string, token?: string): Promise<DropsSocket> {
  return new Promise((resolve, reject) => {
    const socket: DropsSocket = io(`${url}/drops`, {
      transports: ['websocket'],
      reconnection: false,
      timeout: 60_000,
      ...(token ? { auth: { token } } : {}),
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

async function pool<T>(count: number, concurrency: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await work(i);
      }
    }),
  );
  return results;
}

async function run(job: Job) {
  const tokens = job.tokensFile ? (JSON.parse(readFileSync(job.tokensFile, 'utf8')) as string[]) : [];
  const started = performance.now();
  const sockets = await pool(job.clients, job.concurrency, async (i) => {
    const socket = await connect(job.url, tokens[i]);
    // socket.io-client infers no answer for an ack the contract makes optional: the contract names it here.
    const ack = (await socket.timeout(60_000).emitWithAck('join', { dropId: job.dropId })) as JoinAck;
    // Only Dropline's places are checked: the bare server's ack is there to cost what an ack costs.
    if (job.mode === 'dropline' && ('error' in ack || typeof ack.position !== 'number'))
      throw new Error(`join ack without a place: ${JSON.stringify(ack)}`);
    return socket;
  });
  send({ type: 'joined', ms: performance.now() - started });

  if (job.mode === 'dropline') {
    // Freshness of the `queue` pushes: receipt time minus the leader's `at`, over the next few seconds.
    const lags: number[] = [];
    const updated = new Set<number>();
    let measuring = false;
    sockets.forEach((socket, i) =>
      socket.on('queue', (push) => {
        if (!measuring || typeof push.at !== 'number') return;
        lags.push(Date.now() - push.at);
        updated.add(i);
      }),
    );
    await new Promise<void>((resolve) =>
      process.on('message', (message: { type?: string; seconds?: number }) => {
        if (message.type !== 'measure') return;
        measuring = true;
        setTimeout(
          () => {
            measuring = false;
            resolve();
          },
          (message.seconds ?? 5) * 1000,
        );
      }),
    );
    lags.sort((a, b) => a - b);
    const at = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? null;
    send({
      type: 'delivery',
      pushes: lags.length,
      socketsUpdated: updated.size,
      p50: at(0.5),
      p99: at(0.99),
      max: lags.at(-1) ?? null,
    });
  }
  for (const socket of sockets) socket.disconnect();
}

process.once('message', (job: Job) => {
  run(job).then(
    () => process.exit(0),
    (error: unknown) => {
      send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    },
  );
});
