/**
 * The promised-wait scenario's load generator, in its own process (forked, IPC). Shoppers (guest tokens) arrive at
 * random (exponential gaps, `arrivalsPerSecond` on average) for `seconds`; each connects a socket, joins with the
 * socket `join` (its ack carries the promised `etaSeconds`) and waits for its `admitted` push. Once admitted it
 * shops for a while (uniform between `shopMs[0]` and `shopMs[1]`), then reserves one unit and gives it back, which
 * ends its admission and frees its slot (what paying does too). It reports, per shopper, the promise, the wait it
 * really had, and whether it joined before `warmEnded` admissions had ended (the cold start, before the line's pace
 * could be seen).
 */
import { readFileSync } from 'node:fs';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, JoinAck, ServerToClientEvents } from '../../edge/index.js';

type DropsSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface EtaJob {
  url: string;
  dropId: string;
  tokensFile: string;
  arrivalsPerSecond: number;
  seconds: number;
  shopMs: [number, number];
  warmEnded: number;
}

export interface EtaSample {
  ahead: number;
  promisedSeconds: number;
  waitedSeconds: number;
  /** Joined before `warmEnded` admissions had ended. */
  cold: boolean;
}

export interface EtaClientResult {
  type: 'result';
  samples: EtaSample[];
  /** Shoppers whose join, admission or hand-back failed (with the first reasons). */
  failed: number;
  failures: string[];
}

const send = (message: object) => process.send?.(message);
/** A shopper not admitted within this long is counted as failed. */
const ADMISSION_TIMEOUT_MS = 300_000;

function connect(url: string, token: string): Promise<DropsSocket> {
  return new Promise((resolve, reject) => {
    const socket: DropsSocket = io(`${url}/drops`, {
      transports: ['websocket'],
      reconnection: false,
      timeout: 60_000,
      auth: { token },
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

async function call(url: string, method: string, path: string, token: string, headers = {}) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    ...(method === 'POST' ? { body: '{}' } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

async function run(job: EtaJob): Promise<void> {
  const tokens = JSON.parse(readFileSync(job.tokensFile, 'utf8')) as string[];
  const samples: EtaSample[] = [];
  const failures: string[] = [];
  let failed = 0;
  let ended = 0;
  const fail = (reason: unknown) => {
    failed++;
    if (failures.length < 5) failures.push(reason instanceof Error ? reason.message : String(reason));
  };

  /** Holds a unit after shopping for a while, and gives it back: the admission ends. */
  const finish = async (token: string, admission: string) => {
    const [lo, hi] = job.shopMs;
    await new Promise((resolve) => setTimeout(resolve, lo + Math.random() * (hi - lo)));
    const hold = await call(job.url, 'POST', `/api/drops/${job.dropId}/reservations`, token, {
      'x-admission-token': admission,
    });
    await call(job.url, 'DELETE', `/api/reservations/${String(hold.id)}`, token);
    ended++;
  };

  const shopper = async (token: string): Promise<void> => {
    const cold = ended < job.warmEnded;
    const socket = await connect(job.url, token);
    try {
      let resolveAdmitted: (p: { at: number; token: string }) => void = () => {};
      const admitted = new Promise<{ at: number; token: string }>((resolve) => (resolveAdmitted = resolve));
      socket.on('admitted', (p) => {
        if (p.dropId === job.dropId) resolveAdmitted({ at: performance.now(), token: p.token });
      });
      const joinedAt = performance.now();
      const ack = (await socket.timeout(60_000).emitWithAck('join', { dropId: job.dropId })) as JoinAck;
      if ('error' in ack) throw new Error(`join: ${ack.error.code}`);
      const turn =
        ack.status === 'admitted' && ack.admission
          ? { at: performance.now(), token: ack.admission.token }
          : await Promise.race([
              admitted,
              new Promise<never>((_, reject) =>
                setTimeout(() => reject(new Error('not admitted in time')), ADMISSION_TIMEOUT_MS),
              ),
            ]);
      if (ack.etaSeconds !== null && ack.ahead !== null)
        samples.push({
          ahead: ack.ahead,
          promisedSeconds: ack.etaSeconds,
          waitedSeconds: (turn.at - joinedAt) / 1000,
          cold,
        });
      socket.disconnect();
      await finish(token, turn.token);
    } finally {
      socket.disconnect();
    }
  };

  const shoppers: Promise<void>[] = [];
  const deadline = performance.now() + job.seconds * 1000;
  let next = 0;
  while (performance.now() < deadline && next < tokens.length) {
    shoppers.push(shopper(tokens[next++]!).catch(fail));
    const gap = (-Math.log(1 - Math.random()) / job.arrivalsPerSecond) * 1000;
    await new Promise((resolve) => setTimeout(resolve, gap));
  }
  await Promise.all(shoppers);
  send({ type: 'result', samples, failed, failures } satisfies EtaClientResult);
}

process.once('message', (job: EtaJob) => {
  run(job).then(
    () => process.exit(0),
    (error: unknown) => {
      send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    },
  );
});
