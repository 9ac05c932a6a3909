/**
 * Recovery after a fault, timed from the service's return: until the edge's /readyz answers 200, and until a new
 * shopper can reserve (join a probe drop of its own, be admitted, reserve: 201).
 */
import { newTally, request, type Tally } from './client.js';
import { sleep } from './ports.js';

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

async function untilReady(url: string, since: number, deadline: number): Promise<number | null> {
  const tally = newTally();
  while (Date.now() < deadline) {
    if ((await request(tally, 'readyz', `${url}/readyz`, { timeoutMs: 3000 })).status === 200)
      return seconds(since);
    await sleep(100);
  }
  return null;
}

/** One attempt at a sale: join, wait to be admitted (briefly), reserve; true on 201. */
async function trySale(tally: Tally, url: string, dropId: string, token: string): Promise<boolean> {
  const queue = `${url}/api/drops/${dropId}/queue`;
  let answer = await request(tally, 'join', queue, { method: 'POST', token, timeoutMs: 3000 });
  for (let i = 0; i < 10 && answer.body.status === 'waiting'; i++) {
    await sleep(100);
    answer = await request(tally, 'place', `${queue}/me`, { token, timeoutMs: 3000 });
  }
  const granted = answer.body.admission as { token?: unknown } | undefined;
  if (answer.body.status !== 'admitted' || typeof granted?.token !== 'string') return false;
  const reserved = await request(tally, 'reserve', `${url}/api/drops/${dropId}/reservations`, {
    token,
    headers: { 'x-admission-token': granted.token },
    body: {},
    timeoutMs: 3000,
  });
  return reserved.status === 201;
}

async function untilSale(
  url: string,
  probe: { dropId: string; tokens: string[] },
  since: number,
  deadline: number,
): Promise<number | null> {
  const tally = newTally();
  // Another guest for each attempt: an earlier attempt's hold (its answer lost) would hit the per-shopper limit.
  for (let i = 0; Date.now() < deadline; i++) {
    if (await trySale(tally, url, probe.dropId, probe.tokens[i % probe.tokens.length]!))
      return seconds(since);
    await sleep(200);
  }
  return null;
}

/** Seconds from `since` (the service's return) until ready and until a sale; null when not within `timeoutMs`. */
export async function recovery(
  url: string,
  probe: { dropId: string; tokens: string[] },
  since: number,
  timeoutMs: number,
): Promise<{ readySeconds: number | null; salesSeconds: number | null }> {
  const deadline = since + timeoutMs;
  const [readySeconds, salesSeconds] = await Promise.all([
    untilReady(url, since, deadline),
    untilSale(url, probe, since, deadline),
  ]);
  return { readySeconds, salesSeconds };
}
