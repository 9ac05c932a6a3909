/**
 * Login flood: 32 connections (autocannon, in a process of its own) post sign-ins with wrong passwords, each for an
 * email never used before, so that every one costs a password hash and no per-account backoff helps (rate limits are
 * off in the bench: one address). Meanwhile probes measure the p99 of joining a drop's queue (with a session token
 * the edge has never seen, so its signature is checked), of `GET …/queue/me` (which signs an admission token once
 * admitted) and of a static asset (a file read). Each p99 is reported as a ratio to the same probes' p99 without
 * the flood, beside the goal: at most 2×.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTokenService } from '../../edge/index.js';
import { DEVELOPMENT_JWT_SECRET } from '../config.js';
import {
  exited,
  hundredths,
  nextMessage,
  openDrop,
  type BenchContext,
  type DroplineSession,
} from './context.js';
import type { Row } from './report.js';
import type { LoadFigures } from './stock-reads.js';

const FLOOD_CONNECTIONS = 32;
/** Probes running at once, each a join, a read of the place and an asset in turn. */
const PROBES = 4;
/** The goal: no probed p99 more than this many times its value without the flood. */
export const LOGIN_FLOOD_GOAL = 2;

type Probe = 'join' | 'queueMe' | 'asset';
const PROBE_NAMES: Record<Probe, string> = {
  join: 'POST …/queue (join, new token)',
  queueMe: 'GET …/queue/me',
  asset: 'a static asset',
};

export interface ProbeFigures {
  samples: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface LoginFloodResult {
  seconds: number;
  connections: number;
  quiet: Record<Probe, ProbeFigures>;
  flooded: Record<Probe, ProbeFigures>;
  /** Flooded p99 over quiet p99, per probe. */
  ratios: Record<Probe, number>;
  goal: number;
  holds: boolean;
  /** The flood's answers: sign-ins answered per second, and how many of each status. */
  flood: { rps: number; statuses: Record<string, number> };
}

function figures(latencies: number[], errors: number): ProbeFigures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) =>
    hundredths(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { samples: sorted.length, p50: at(0.5), p99: at(0.99), errors };
}

/** The first built asset, or the shopper's page when the pages are not built. */
function assetPath(): string {
  try {
    const dir = fileURLToPath(new URL('../../web/dist/assets/', import.meta.url));
    const file = readdirSync(dir).find((f) => f.endsWith('.js'));
    return file ? `/assets/${file}` : '/';
  } catch {
    return '/';
  }
}

/** Runs the probes for `seconds`; every join uses a session token signed here, new to the edge. */
async function probe(url: string, dropId: string, seconds: number): Promise<Record<Probe, ProbeFigures>> {
  const tokens = createTokenService({ secret: DEVELOPMENT_JWT_SECRET, ttlSeconds: 3600 });
  const asset = assetPath();
  const latencies: Record<Probe, number[]> = { join: [], queueMe: [], asset: [] };
  const errors: Record<Probe, number> = { join: 0, queueMe: 0, asset: 0 };
  const timed = async (name: Probe, path: string, init: RequestInit) => {
    const started = performance.now();
    const res = await fetch(`${url}${path}`, init).catch(() => null);
    if (res) await res.arrayBuffer();
    latencies[name].push(performance.now() - started);
    if (!res?.ok) errors[name]++;
  };
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: PROBES }, async () => {
      while (performance.now() < deadline) {
        const { token } = await tokens.sign({
          userId: randomUUID(),
          role: 'shopper',
          email: null,
          brandId: null,
          guest: true,
        });
        const headers = { authorization: `Bearer ${token}` };
        await timed('join', `/api/drops/${dropId}/queue`, { method: 'POST', headers });
        await timed('queueMe', `/api/drops/${dropId}/queue/me`, { headers });
        await timed('asset', asset, {});
      }
    }),
  );
  return {
    join: figures(latencies.join, errors.join),
    queueMe: figures(latencies.queueMe, errors.queueMe),
    asset: figures(latencies.asset, errors.asset),
  };
}

export async function loginFlood(
  ctx: BenchContext,
  dropline: DroplineSession,
  seconds: number,
): Promise<LoginFloodResult> {
  const dropId = await openDrop(dropline, {
    title: 'Login flood',
    sku: 'LF-1',
    priceCents: 100,
    stock: 1_000_000,
    admissionPerMinute: 1_000_000,
    maxActive: 1_000_000,
  });
  await probe(dropline.url, dropId, 1); // warm-up: connections, caches, the JIT
  const quiet = await probe(dropline.url, dropId, seconds);

  const child = ctx.forkScript('./http-load.ts');
  const result = nextMessage<LoadFigures & { statuses: Record<string, number> }>(child, 'result');
  child.send({
    url: `${dropline.url}/api/auth/login`,
    seconds: seconds + 2,
    connections: FLOOD_CONNECTIONS,
    loginFlood: true,
  });
  await nextMessage(child, 'started');
  const flooded = await probe(dropline.url, dropId, seconds);
  const load = await result;
  await exited(child);

  const ratio = (p: Probe) => hundredths(flooded[p].p99 / Math.max(quiet[p].p99, 0.01));
  const ratios = { join: ratio('join'), queueMe: ratio('queueMe'), asset: ratio('asset') };
  return {
    seconds,
    connections: FLOOD_CONNECTIONS,
    quiet,
    flooded,
    ratios,
    goal: LOGIN_FLOOD_GOAL,
    holds: Object.values(ratios).every((r) => r <= LOGIN_FLOOD_GOAL),
    flood: { rps: load.rps, statuses: load.statuses },
  };
}

export function loginFloodRows(r: LoginFloodResult): Row[] {
  const statuses = Object.entries(r.flood.statuses)
    .map(([status, n]) => `${n} × ${status}`)
    .join(', ');
  return [
    [
      'login flood',
      `${r.connections} connections post wrong passwords (new emails), ${r.seconds} s`,
      `${r.flood.rps} sign-ins answered/s: ${statuses || 'none'}`,
    ],
    ...(Object.keys(PROBE_NAMES) as Probe[]).map((p): Row => {
      const [q, f] = [r.quiet[p], r.flooded[p]];
      const errors = q.errors + f.errors > 0 ? `, ${q.errors + f.errors} errors` : '';
      return [
        `  p99 ${PROBE_NAMES[p]}`,
        `${q.p99} ms → ${f.p99} ms flooded (p50 ${q.p50} → ${f.p50} ms, ${f.samples} samples${errors})`,
        `${r.ratios[p]}× (goal ≤ ${r.goal}×) ${r.ratios[p] <= r.goal ? 'holds' : 'MISSED'}`,
      ];
    }),
  ];
}
