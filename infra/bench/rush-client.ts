/**
 * The order rush's load generator, in its own process (forked, IPC). Each shopper (a guest token): joins the drop's
 * queue, polls its place until admitted (or told the drop is sold out), reserves one unit with its admission token,
 * and pays with a test card. At most `concurrency` shoppers are in flight. Reports every step's latencies and how
 * each shopper ended: paid, sold out, or failed.
 */
import { readFileSync } from 'node:fs';

interface Job {
  url: string;
  dropId: string;
  tokensFile: string;
  concurrency: number;
  pollMs: number;
}

type Step = 'join' | 'poll' | 'reserve' | 'pay';

const job = await new Promise<Job>((resolve) => process.once('message', (m: Job) => resolve(m)));
const tokens = JSON.parse(readFileSync(job.tokensFile, 'utf8')) as string[];
const latencies: Record<Step, number[]> = { join: [], poll: [], reserve: [], pay: [] };
const outcomes = { paid: 0, soldOut: 0, failed: 0, status5xx: 0 };
const failures: string[] = [];

async function call(
  step: Step,
  method: 'GET' | 'POST',
  path: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const started = performance.now();
  const res = await fetch(`${job.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  latencies[step].push(performance.now() - started);
  if (res.status >= 500) outcomes.status5xx++;
  return { status: res.status, body: json };
}

async function shopper(token: string): Promise<void> {
  const joined = await call('join', 'POST', `/api/drops/${job.dropId}/queue`, token);
  let state = joined.body as { status: string; admission?: { token: string } };
  while (state.status === 'waiting' || state.status === 'prequeue') {
    await new Promise((resolve) => setTimeout(resolve, job.pollMs));
    state = (await call('poll', 'GET', `/api/drops/${job.dropId}/queue/me`, token)).body as typeof state;
  }
  if (state.status === 'sold_out') return void outcomes.soldOut++;
  if (state.status !== 'admitted' || !state.admission) {
    outcomes.failed++;
    failures.push(`queue: ${JSON.stringify(state)}`);
    return;
  }
  const reserved = await call(
    'reserve',
    'POST',
    `/api/drops/${job.dropId}/reservations`,
    token,
    {},
    { 'x-admission-token': state.admission.token },
  );
  if (reserved.status === 409 && reserved.body.code === 'sold_out') return void outcomes.soldOut++;
  if (reserved.status !== 201) {
    outcomes.failed++;
    failures.push(`reserve ${reserved.status}: ${JSON.stringify(reserved.body)}`);
    return;
  }
  const paid = await call('pay', 'POST', `/api/reservations/${String(reserved.body.id)}/pay`, token, {
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
