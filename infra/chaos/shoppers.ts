/**
 * The chaos rush's guest shoppers, in this process: each joins the drop's waiting room over HTTP, waits to be
 * admitted, reserves one unit and then does what its kind says — pays with or without an Idempotency-Key, releases,
 * pays at the hold's deadline, or pays, loses the answer and pays again. A shopper retries what answered 5xx or
 * nothing, with backoff, as a page would, until its patience ends. What it records is what the checks need: which
 * reservations were answered 200 to pay, and every answer's status.
 */
import { randomUUID } from 'node:crypto';
import { payBody } from '../testing/checkout.js';
import { request, sendAndDrop, type Answer, type Tally } from './client.js';
import { sleep } from './ports.js';

export const KINDS = ['key', 'no-key', 'release', 'deadline', 'lost-key', 'lost-no-key'] as const;
export type ShopperKind = (typeof KINDS)[number];

/** Shopper i's kind: a fixed mix, 30% paying with a key and 30% without, 10% of each other kind. */
export function kindOf(i: number): ShopperKind {
  const mix: ShopperKind[] = ['key', 'no-key', 'key', 'no-key', 'release', 'deadline', 'key', 'no-key'];
  const rest: ShopperKind[] = ['lost-key', 'lost-no-key'];
  return i % 10 < 8 ? mix[i % 10]! : rest[i % 2]!;
}

export type Outcome = 'paid' | 'sold-out' | 'released' | 'expired' | 'gave-up' | 'refused';

export interface RushRecord {
  tally: Tally;
  /** Reservations whose pay was answered 200. */
  paid200: Set<string>;
  outcomes: Record<Outcome, number>;
  /** Pay attempts started (the fault is injected once enough have). */
  payAttempts: number;
  /** A few refusals, for the report. */
  samples: string[];
}

interface Shopper {
  url: string;
  dropId: string;
  token: string;
  kind: ShopperKind;
  /** When the shopper stops retrying (ms since the epoch). */
  patience: number;
  record: RushRecord;
}

const CARD = payBody();
const transient = (a: Answer) => a.status === 0 || a.status >= 500;
const backoff = (attempt: number) => Math.min(2000, 250 * 2 ** attempt);

/** Repeats `send` while it answers 5xx or nothing, until the shopper's patience ends. */
async function retrying(s: Shopper, send: () => Promise<Answer>): Promise<Answer> {
  for (let attempt = 0; ; attempt++) {
    const answer = await send();
    if (!transient(answer) || Date.now() + backoff(attempt) > s.patience) return answer;
    await sleep(backoff(attempt));
  }
}

function refuse(s: Shopper, step: string, a: Answer): Outcome {
  if (s.record.samples.length < 8)
    s.record.samples.push(`${step} ${a.status} ${JSON.stringify(a.body).slice(0, 160)}`);
  return transient(a) ? 'gave-up' : 'refused';
}

/** Joins and waits for admission; the admission token, or how the shopper's turn ended. */
async function admission(s: Shopper): Promise<{ token: string } | { outcome: Outcome }> {
  const queue = `${s.url}/api/drops/${s.dropId}/queue`;
  const join = () =>
    retrying(s, () => request(s.record.tally, 'join', queue, { method: 'POST', token: s.token }));
  let answer = await join();
  for (;;) {
    const status = answer.body.status;
    const granted = answer.body.admission as { token?: unknown } | undefined;
    if (status === 'admitted' && typeof granted?.token === 'string') return { token: granted.token };
    if (status === 'sold_out' || status === 'all_sold') return { outcome: 'sold-out' };
    // A drop sold out for good refuses joins: its line is closed.
    if (answer.status === 409 && answer.body.code === 'sold_out') return { outcome: 'sold-out' };
    if (
      answer.status >= 400 ||
      answer.status === 0 ||
      !['waiting', 'prequeue', 'none'].includes(String(status))
    )
      return { outcome: refuse(s, 'join', answer) };
    if (Date.now() > s.patience) return { outcome: 'gave-up' };
    await sleep(250);
    // A place Redis lost ('none') is taken again, as the shopper's page does.
    answer =
      status === 'none'
        ? await join()
        : await retrying(s, () => request(s.record.tally, 'place', `${queue}/me`, { token: s.token }));
  }
}

/** Pays the hold `id`; `lose` first sends a pay whose answer is lost. */
async function pay(s: Shopper, id: string, key: string | undefined, lose: boolean): Promise<Outcome> {
  const url = `${s.url}/api/reservations/${id}/pay`;
  const headers: Record<string, string> = key ? { 'idempotency-key': key } : {};
  s.record.payAttempts++;
  if (lose) {
    await sendAndDrop(url, { token: s.token, headers, body: CARD });
    await sleep(300);
  }
  const answer = await retrying(s, () =>
    request(s.record.tally, 'pay', url, { token: s.token, headers, body: CARD }),
  );
  if (answer.status === 200) {
    s.record.paid200.add(id);
    return 'paid';
  }
  if (answer.status === 410 || answer.body.code === 'hold_expired') return 'expired';
  return refuse(s, 'pay', answer);
}

/** What the shopper does with its hold. */
async function act(s: Shopper, hold: { id: string; expiresAt: number }): Promise<Outcome> {
  switch (s.kind) {
    case 'key':
      return pay(s, hold.id, randomUUID(), false);
    case 'no-key':
      return pay(s, hold.id, undefined, false);
    case 'lost-key':
      return pay(s, hold.id, randomUUID(), true);
    case 'lost-no-key':
      return pay(s, hold.id, undefined, true);
    case 'deadline':
      // Within 150 ms either side of the deadline: pay and expiry race, exactly one may win.
      await sleep(Math.max(0, hold.expiresAt - Date.now() + (Math.random() - 0.5) * 300));
      return pay(s, hold.id, randomUUID(), false);
    case 'release': {
      const url = `${s.url}/api/reservations/${hold.id}`;
      const a = await retrying(s, () =>
        request(s.record.tally, 'release', url, { method: 'DELETE', token: s.token }),
      );
      return a.status === 200 ? 'released' : refuse(s, 'release', a);
    }
  }
}

async function shop(s: Shopper): Promise<Outcome> {
  const turn = await admission(s);
  if ('outcome' in turn) return turn.outcome;
  const reserve = `${s.url}/api/drops/${s.dropId}/reservations`;
  const headers = { 'x-admission-token': turn.token };
  const a = await retrying(s, () =>
    request(s.record.tally, 'reserve', reserve, { token: s.token, headers, body: {} }),
  );
  if (a.status === 409 && a.body.code === 'sold_out') return 'sold-out';
  const id = a.body.id;
  const expiresAt = Date.parse(String(a.body.expiresAt));
  if (a.status !== 201 || typeof id !== 'string' || !Number.isFinite(expiresAt))
    return refuse(s, 'reserve', a);
  return act(s, { id, expiresAt });
}

export const newRushRecord = (tally: Tally): RushRecord => ({
  tally,
  paid200: new Set(),
  outcomes: { paid: 0, 'sold-out': 0, released: 0, expired: 0, 'gave-up': 0, refused: 0 },
  payAttempts: 0,
  samples: [],
});

/**
 * Runs `tokens.length` shoppers against `url`, shopper i starting at i / `rate` seconds; each gives up retrying
 * `patienceMs` after its start. Resolves when every shopper is done.
 */
export async function rush(
  job: { url: string; dropId: string; tokens: string[]; rate: number; patienceMs: number },
  record: RushRecord,
): Promise<void> {
  const started = Date.now();
  await Promise.all(
    job.tokens.map(async (token, i) => {
      await sleep(Math.max(0, started + (i * 1000) / job.rate - Date.now()));
      const s: Shopper = { ...job, token, kind: kindOf(i), patience: Date.now() + job.patienceMs, record };
      const outcome = await shop(s).catch((error: unknown) => {
        if (record.samples.length < 8) record.samples.push(String(error));
        return 'refused' as const;
      });
      record.outcomes[outcome]++;
    }),
  );
}
