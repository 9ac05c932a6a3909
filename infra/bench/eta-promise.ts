/**
 * Promised waits: does `etaSeconds` keep its promise? Shoppers arrive faster than the line is served, each records
 * the etaSeconds its join promised and when it was really admitted, and finishes (holds a unit, then gives it back)
 * a few seconds after admission. Twice: once with the rate binding (a generous maxActive), once with maxActive
 * binding (a generous rate, 20 slots, so shoppers go in only as others finish). Reported per case: the share of
 * shoppers whose real wait is within 20% of the promise (or within a second: etaSeconds is rounded up to whole
 * seconds and admissions come in quarter-second ticks), beside the goal (at least 90%). Shoppers who joined before
 * the first 20 admissions had ended are reported apart, as the cold start: until then the line's pace is not seen.
 */
import { exited, guestTokens, hundredths, nextMessage, openDrop, writeTokensFile } from './context.js';
import type { BenchContext, DroplineSession } from './context.js';
import type { EtaClientResult, EtaJob, EtaSample } from './eta-client.js';
import type { Row } from './report.js';

/** The goal: at least this share of shoppers admitted within TOLERANCE of their promise. */
export const ETA_GOAL = 0.9;
const TOLERANCE = 0.2;
const SLACK_SECONDS = 1;
/** Admissions that must have ended before the line's pace counts as seen. */
const WARM_ENDED = 20;

interface Case {
  name: string;
  perMinute: number;
  maxActive: number;
  arrivalsPerSecond: number;
  /** How fast the line should move, by construction: the rate, or maxActive over the mean time in the shop. */
  expectedPacePerMinute: number;
}

const SHOP_MS: [number, number] = [2000, 6000];

const CASES: Case[] = [
  {
    name: 'rate binds',
    perMinute: 600,
    maxActive: 10_000,
    arrivalsPerSecond: 15,
    expectedPacePerMinute: 600,
  },
  {
    name: 'maxActive binds',
    perMinute: 3000,
    maxActive: WARM_ENDED,
    arrivalsPerSecond: 8,
    // 20 slots, each kept for the 4 s shopping on average (plus a hold and its release): about 300 a minute.
    expectedPacePerMinute: (WARM_ENDED * 60_000) / ((SHOP_MS[0] + SHOP_MS[1]) / 2),
  },
];

export interface EtaShare {
  shoppers: number;
  within: number;
  share: number;
  /** Real wait over promise, for shoppers promised at least 5 s. */
  ratioP10: number | null;
  ratioP50: number | null;
  ratioP90: number | null;
}

export interface EtaCaseResult {
  name: string;
  perMinute: number;
  maxActive: number;
  arrivalsPerSecond: number;
  seconds: number;
  expectedPacePerMinute: number;
  steady: EtaShare;
  /** The same steady shoppers, had they been promised the configured-rate estimate. */
  steadyByRate: EtaShare;
  cold: EtaShare;
  failed: number;
  failures: string[];
  goal: number;
  holds: boolean;
  /** Every shopper's figures, for a closer look at the JSON. */
  samples: EtaSample[];
}

const isWithin = (s: EtaSample) =>
  Math.abs(s.waitedSeconds - s.promisedSeconds) <= Math.max(TOLERANCE * s.promisedSeconds, SLACK_SECONDS);

/** The samples as the configured rate alone would have promised them (ceil(ahead / perMinute × 60)). */
const byRate = (samples: EtaSample[], perMinute: number) =>
  samples.map((s) => ({ ...s, promisedSeconds: Math.ceil((s.ahead / perMinute) * 60) }));

function share(samples: EtaSample[]): EtaShare {
  const within = samples.filter(isWithin).length;
  const ratios = samples
    .filter((s) => s.promisedSeconds >= 5)
    .map((s) => s.waitedSeconds / s.promisedSeconds)
    .sort((a, b) => a - b);
  const at = (q: number) =>
    ratios.length ? hundredths(ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))]!) : null;
  return {
    shoppers: samples.length,
    within,
    share: samples.length ? hundredths(within / samples.length) : 0,
    ratioP10: at(0.1),
    ratioP50: at(0.5),
    ratioP90: at(0.9),
  };
}

async function runCase(
  ctx: BenchContext,
  dropline: DroplineSession,
  c: Case,
  seconds: number,
): Promise<EtaCaseResult> {
  const count = Math.ceil(c.arrivalsPerSecond * seconds * 1.5) + 10;
  const tokens = await guestTokens(dropline.url, count);
  const dropId = await openDrop(dropline, {
    title: `Promised waits: ${c.name}`,
    sku: 'ETA-1',
    priceCents: 100,
    stock: 1_000_000,
    perUserLimit: 1,
    admissionPerMinute: c.perMinute,
    maxActive: c.maxActive,
  });
  const child = ctx.forkScript('./eta-client.ts');
  const result = nextMessage<EtaClientResult>(child, 'result');
  child.send({
    url: dropline.url,
    dropId,
    tokensFile: writeTokensFile(tokens),
    arrivalsPerSecond: c.arrivalsPerSecond,
    seconds,
    shopMs: SHOP_MS,
    warmEnded: WARM_ENDED,
  } satisfies EtaJob);
  const r = await result;
  await exited(child);
  const warm = r.samples.filter((s) => !s.cold);
  const steady = share(warm);
  return {
    name: c.name,
    perMinute: c.perMinute,
    maxActive: c.maxActive,
    arrivalsPerSecond: c.arrivalsPerSecond,
    seconds,
    expectedPacePerMinute: Math.round(c.expectedPacePerMinute),
    steady,
    steadyByRate: share(byRate(warm, c.perMinute)),
    cold: share(r.samples.filter((s) => s.cold)),
    failed: r.failed,
    failures: r.failures,
    goal: ETA_GOAL,
    holds: steady.shoppers > 0 && steady.share >= ETA_GOAL && r.failed === 0,
    samples: r.samples,
  };
}

export async function etaPromise(
  ctx: BenchContext,
  dropline: DroplineSession,
  seconds: number,
): Promise<EtaCaseResult[]> {
  const results: EtaCaseResult[] = [];
  for (const c of CASES) results.push(await runCase(ctx, dropline, c, seconds));
  return results;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

export function etaRows(results: EtaCaseResult[]): Row[] {
  const rows: Row[] = [
    [
      'promised waits',
      `shoppers join for ${results[0]?.seconds ?? 0} s, shop 2–6 s once admitted, then hold a unit and give it back`,
      `share admitted within 20% (or 1 s) of etaSeconds`,
    ],
  ];
  for (const r of results) {
    const s = r.steady;
    const ratios =
      s.ratioP50 === null ? '' : `; real/promised p10 ${s.ratioP10}, p50 ${s.ratioP50}, p90 ${s.ratioP90}`;
    const failed = r.failed > 0 ? `; ${r.failed} failed (${r.failures[0] ?? ''})` : '';
    const byRateShare = `the rate alone would have kept ${pct(r.steadyByRate.share)}`;
    rows.push([
      `  ${r.name} (${r.perMinute}/min, maxActive ${r.maxActive}, ${r.arrivalsPerSecond} joins/s)`,
      `${s.within} of ${s.shoppers} shoppers${ratios}; ${byRateShare}; cold start ${r.cold.within} of ${r.cold.shoppers}${failed}`,
      `${pct(s.share)} (goal ≥ ${pct(r.goal)}) ${r.holds ? 'holds' : 'MISSED'}`,
    ]);
  }
  return rows;
}
