/**
 * `--only pow`: what the proof-of-work challenge costs. A shopper's browser (pow-browser.ts): the time to solve at
 * each difficulty. A bot farm: CPU-seconds per place, from Node's native SHA-256 on one core (OpenSSL; a farm with
 * GPUs pays less, so this is what a CPU farm pays). The server: issuing a challenge, the SHA-256 check in Node and
 * the join script that checks and consumes it, against the same join at difficulty 0.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { solveChallenge, solvedBits } from '../../edge/index.js';
import { createQueueKeys, createWaitingRoom } from '../../queue/index.js';
import { loadScripts } from '../redis.js';
import { browserCost, type BrowserCost } from './pow-browser.js';

export const POW_BITS = [0, 12, 16, 20];

export interface PowCostResult {
  browser: BrowserCost;
  /** SHA-256 hashes per CPU-second on one core, in Node; CPU-seconds a place costs at each difficulty. */
  bot: { hashesPerCpuSecond: number; cpuSecondsPerPlace: Record<number, number> };
  /** Per challenge, µs (means of sequential calls): issuing it, checking the hash, joining with and without. */
  server: {
    issueUs: number;
    hashCheckUs: number;
    joinWithProofUs: number;
    joinAtZeroUs: number;
    calls: number;
  };
}

function botRate(): number {
  const before = process.cpuUsage();
  let n = 0;
  for (; n < 300_000; n += 1) createHash('sha256').update(`bench-challenge:${n}`).digest();
  const used = process.cpuUsage(before);
  return n / ((used.user + used.system) / 1e6);
}

const meanUs = (total: number, n: number) => Math.round((total / n) * 1000 * 10) / 10;

async function serverCost(redisUrl: string, prefix: string, calls: number): Promise<PowCostResult['server']> {
  const redis = loadScripts(new Redis(redisUrl));
  try {
    const keys = createQueueKeys(prefix);
    const stockKey = (id: string) => `${prefix}{drop:${id}}:pow-bench-stock`;
    const room = createWaitingRoom({ redis, keys, stockKey, clock: Date });
    const drop = async (challengeBits: number) => {
      const id = randomUUID();
      await redis.hset(stockKey(id), 'available', 1_000_000);
      const settings = { admissionPerMinute: 60, maxActive: 10, admissionPaused: false };
      await room.configure({ id, version: 1, status: 'open', ...settings, challengeBits });
      return id;
    };
    const [hard, free] = [await drop(8), await drop(0)];
    let [issue, check, join, joinFree] = [0, 0, 0, 0];
    for (let i = 0; i < calls; i += 1) {
      const shopper = randomUUID();
      let t = performance.now();
      const { challenge } = await room.challenge(hard, shopper);
      issue += performance.now() - t;
      const nonce = solveChallenge(challenge, 8); // the shopper's work: not timed
      t = performance.now();
      const bits = solvedBits(challenge, nonce);
      check += performance.now() - t;
      t = performance.now();
      await room.join(hard, shopper, { challenge, bits });
      join += performance.now() - t;
      t = performance.now();
      await room.join(free, shopper);
      joinFree += performance.now() - t;
    }
    return {
      issueUs: meanUs(issue, calls),
      hashCheckUs: meanUs(check, calls),
      joinWithProofUs: meanUs(join, calls),
      joinAtZeroUs: meanUs(joinFree, calls),
      calls,
    };
  } finally {
    redis.disconnect();
  }
}

export async function powCost(redisUrl: string, prefix: string, quick: boolean): Promise<PowCostResult> {
  // Quick: one 20-bit solve, whose time is a matter of luck (a mean of about 10 s here, sometimes 40).
  const solves = (bits: number) => (quick ? { 12: 8, 16: 4, 20: 1 } : { 12: 40, 16: 16, 20: 6 })[bits] ?? 1;
  const browser = await browserCost(POW_BITS, solves);
  const rate = botRate();
  const cpuSecondsPerPlace = Object.fromEntries(POW_BITS.map((b) => [b, 2 ** b / rate]));
  const server = await serverCost(redisUrl, prefix, quick ? 300 : 3000);
  return { browser, bot: { hashesPerCpuSecond: Math.round(rate), cpuSecondsPerPlace }, server };
}

type Row = [string, string, string];

const seconds = (s: number) =>
  s < 0.001 ? `${(s * 1e6).toFixed(1)} µs` : s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`;

export function powRows(r: PowCostResult): Row[] {
  const engine = r.browser.engine === 'chromium' ? 'Chromium (headless)' : 'Node WebCrypto (stand-in)';
  const rows: Row[] = [
    [
      'proof of work, per place',
      `shopper's browser: ${engine}, WebCrypto SHA-256`,
      `bot: Node SHA-256, ${r.bot.hashesPerCpuSecond.toLocaleString('en')} hashes per CPU-s`,
    ],
  ];
  for (const b of r.browser.rows) {
    const cpu = r.bot.cpuSecondsPerPlace[b.bits] ?? 0;
    rows.push([
      `  ${b.bits} bits`,
      b.bits === 0
        ? 'no challenge: the join as before'
        : `median ${b.medianMs} ms, max ${b.maxMs} ms of ${b.solves}; mean ${b.expectedMs} ms at ${b.hashesPerSecond.toLocaleString('en')} hashes/s`,
      b.bits === 0
        ? '0'
        : `${seconds(cpu)} CPU per place, ${Math.round(3600 / cpu).toLocaleString('en')} places per core-hour`,
    ]);
  }
  const s = r.server;
  rows.push([
    '  server, per challenge',
    `issue ${s.issueUs} µs, SHA-256 check ${s.hashCheckUs} µs, join with proof ${s.joinWithProofUs} µs`,
    `join at 0 bits ${s.joinAtZeroUs} µs (means of ${s.calls}, one Redis call each)`,
  ]);
  return rows;
}
