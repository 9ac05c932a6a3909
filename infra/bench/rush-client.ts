/**
 * The order rush's load generator, in its own process (forked, IPC). Each shopper (a guest token) does what the
 * shopper's page does: connects to the Socket.IO gateway and joins the drop's queue there (`join`: one message),
 * waits for its `admitted` event (or to be told the drop is sold out), reserves one unit over HTTP with its
 * admission token, and pays with a test card. At most `concurrency` shoppers are in flight. Reports every step's
 * latencies and how each shopper ended: paid, sold out, or failed.
 */
import { readFileSync } from 'node:fs';
import { io } from 'socket.io-client';

interface Job {
  url: string;
  dropId: string;
  tokensFile: string;
  concurrency: number;
}

type Step = 'join' | 'reserve' | 'pay';
type Turn = { admitted: true; token: string } | { admitted: false; status: string };

const job = await new Promise<Job>((resolve) => process.once('message', (m: Job) => resolve(m)));
const tokens = JSON.parse(readFileSync(job.tokensFile, 'utf8')) as string[];
const latencies: Record<Step, number[]> = { join: [], reserve: [], pay: [] };
const outcomes = { paid: 0, soldOut: 0, failed: 0, status5xx: 0 };
const failures: string[] = [];

async function call(
  step: 'reserve' | 'pay',
  path: string,
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const started = performance.now();
  const res = await fetch(`${job.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  latencies[step].push(performance.now() - started);
  if (res.status >= 500) outcomes.status5xx++;
  return { status: res.status, body: json };
}

const over = (status: string) =>
  status === 'sold_out' || status === 'closed' || status === 'expired' || status === 'left';

/** Joins over the socket; resolves when admitted, or when the drop is sold out or over for this shopper. */
function waitForTurn(token: string): Promise<Turn> {
  return new Promise((resolve, reject) => {
    const socket = io(`${job.url}/drops`, {
      transports: ['websocket'],
      auth: { token },
      reconnection: false,
      timeout: 60_000,
    });
    const done = (turn: Turn) => {
      socket.disconnect();
      resolve(turn);
    };
    socket.on('admitted', (e: { dropId: string; token: string }) => {
      if (e.dropId === job.dropId) done({ admitted: true, token: e.token });
    });
    socket.on('queue', (e: { dropId: string; status: string }) => {
      if (e.dropId === job.dropId && over(e.status)) done({ admitted: false, status: e.status });
    });
    socket.on('connect_error', (error) => reject(error));
    socket.once('connect', () => {
      const started = performance.now();
      socket.emit(
        'join',
        { dropId: job.dropId },
        (state: { status?: string; admission?: { token: string }; error?: unknown }) => {
          latencies.join.push(performance.now() - started);
          if (state.error || !state.status) {
            socket.disconnect();
            reject(new Error(`join: ${JSON.stringify(state)}`));
          } else if (state.status === 'admitted' && state.admission)
            done({ admitted: true, token: state.admission.token });
          else if (over(state.status)) done({ admitted: false, status: state.status });
        },
      );
    });
  });
}

async function shopper(token: string): Promise<void> {
  const turn = await waitForTurn(token);
  if (!turn.admitted) {
    if (turn.status === 'sold_out') return void outcomes.soldOut++;
    outcomes.failed++;
    failures.push(`queue: ${turn.status}`);
    return;
  }
  const reserved = await call(
    'reserve',
    `/api/drops/${job.dropId}/reservations`,
    token,
    {},
    { 'x-admission-token': turn.token },
  );
  if (reserved.status === 409 && reserved.body.code === 'sold_out') return void outcomes.soldOut++;
  if (reserved.status !== 201) {
    outcomes.failed++;
    failures.push(`reserve ${reserved.status}: ${JSON.stringify(reserved.body)}`);
    return;
  }
  const paid = await call('pay', `/api/reservations/${String(reserved.body.id)}/pay`, token, {
    card: '4242424242424242',
  });
  if (paid.status === 200) outcomes.paid++;
  else {
    outcomes.failed++;
    failures.push(`pay ${paid.status}: ${JSON.stringify(paid.body)}`);
  }
}

const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(job.concurrency, tokens.length) }, async () => {
    while (next < tokens.length) {
      const token = tokens[next++]!;
      await shopper(token).catch((error: unknown) => {
        outcomes.failed++;
        failures.push(String(error));
      });
    }
  }),
);
const ms = performance.now() - started;
const pct = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0
    ? null
    : Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
};
const steps = Object.fromEntries(
  (Object.keys(latencies) as Step[]).map((s) => [
    s,
    {
      count: latencies[s].length,
      p50: pct(latencies[s], 0.5),
      p99: pct(latencies[s], 0.99),
      max: pct(latencies[s], 1),
    },
  ]),
);
process.send?.({
  type: 'result',
  shoppers: tokens.length,
  ms,
  ...outcomes,
  steps,
  failures: failures.slice(0, 5),
});
process.exit(0);
