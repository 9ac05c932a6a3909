/**
 * Order rush: S guest shoppers (up to 2,000 at once) join a drop of N units, are admitted, reserve and pay; shoppers
 * served per second
 * (each ends paid or told sold out), latency per step, and the checks that matter: paid orders in PostgreSQL equal
 * units sold in Redis, nothing oversold, no 5xx. Run with the per-address rate limits off (every shopper comes from
 * one address here). Its floor, measured the same way in the same run: the same generator against a bare Socket.IO
 * and Hono server that answers each step at once (`bare-socket-server.ts rush`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectPostgres } from '../db.js';
import { cpuSpent, readCpu } from './cpu.js';
import { exited, http, nextMessage, startBareServer, type BenchContext } from './context.js';

type Steps = Record<
  'join' | 'poll' | 'reserve' | 'pay',
  { count: number; p50: number | null; p99: number | null; max: number | null }
>;

/** What the rush generator reports. */
interface GeneratorResult {
  shoppers: number;
  ms: number;
  paid: number;
  soldOut: number;
  failed: number;
  status5xx: number;
  steps: Steps;
  /** The steps of the shoppers after the opening wave (the first 2,000 start at once). */
  stepsAfterOpening: Steps;
  failures: string[];
  /** Socket messages the shoppers received, by kind (`event queue`, `packet 40`, …), over the whole rush. */
  received: Record<string, number>;
}

/** CPU ms per process over a run, per shopper served, and how many of the machine's cores were busy on average. */
export interface CpuFigures {
  ms: Record<string, number>;
  perShopper: Record<string, number>;
  coresBusy: number;
}

/**
 * Runs the rush generator (a process of its own, at most 2,000 shoppers in flight) with `tokens` against `url`,
 * reading the CPU of `pids`, the generator's and the services' from /proc before and after it.
 */
async function drive(
  ctx: BenchContext,
  job: { urls: string[]; dropId: string; tokens: string[] },
  pids: Record<string, number | undefined>,
): Promise<{ result: GeneratorResult; cpu: CpuFigures; served: number }> {
  const tokensFile = join(mkdtempSync(join(tmpdir(), 'dropline-rush-')), 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify(job.tokens));
  const child = ctx.forkScript('./rush-client.ts');
  const all = { ...pids, generator: child.pid };
  await nextMessage(child, 'ready');
  const before = readCpu(all);
  const concurrency = Math.min(job.tokens.length, 2000);
  child.send({ urls: job.urls, dropId: job.dropId, tokensFile, concurrency });
  const result = await nextMessage<GeneratorResult>(child, 'result');
  const ms = cpuSpent(before, readCpu(all));
  await exited(child);
  const served = result.paid + result.soldOut;
  const perShopper = (spent: number) => Math.round((spent / Math.max(1, served)) * 100) / 100;
  const cpu = {
    ms,
    perShopper: Object.fromEntries(Object.entries(ms).map(([name, spent]) => [name, perShopper(spent)])),
    coresBusy: Math.round((Object.values(ms).reduce((a, b) => a + b, 0) / result.ms) * 100) / 100,
  };
  return { result, cpu, served };
}

export interface BareRushResult {
  shoppers: number;
  ms: number;
  servedPerSecond: number;
  paid: number;
  failed: number;
  steps: Steps;
  stepsAfterOpening: Steps;
  failures: string[];
  /** The bare server's (`server`), the generator's and the services' (idle here) CPU. */
  cpu: CpuFigures;
}

/**
 * The rush's floor: `shoppers` against the bare server, every step answered at once, nothing stored. A first round
 * of at most 2,000 shoppers warms the server up (Dropline's edge is warm by then too), the second is measured.
 */
export async function bareRush(ctx: BenchContext, shoppers: number): Promise<BareRushResult> {
  const bare = await startBareServer(ctx, './bare-socket-server.ts', ['rush']);
  try {
    const tokens = Array.from({ length: shoppers }, (_, i) => `shopper-${i}`);
    const dropId = '00000000-0000-4000-8000-000000000000';
    const pids = { server: bare.pid };
    await drive(ctx, { urls: [bare.url], dropId, tokens: tokens.slice(0, 2000) }, pids);
    const { result, cpu, served } = await drive(ctx, { urls: [bare.url], dropId, tokens }, pids);
    return {
      shoppers,
      ms: result.ms,
      servedPerSecond: Math.round(served / (result.ms / 1000)),
      paid: result.paid,
      failed: result.failed,
      steps: result.steps,
      stepsAfterOpening: result.stepsAfterOpening,
      failures: result.failures,
      cpu,
    };
  } finally {
    bare.stop();
  }
}

export interface RushResult extends GeneratorResult {
  units: number;
  /** Shoppers served (paid or told sold out) per second. */
  servedPerSecond: number;
  check: { redisSold: number; postgresPaid: number; oversold: boolean; consistent: boolean };
  /** From a payment (its hold marked paid in Redis) to its order paid in PostgreSQL, in ms. */
  paymentLag: { p50: number | null; p99: number | null; max: number | null };
  /**
   * CPU ms each process spent during the rush (edge, workers, generator, redis, postgres, nats), and per shopper
   * served: where the machine's cores went.
   */
  cpu: CpuFigures;
}

export async function orderRush(
  ctx: BenchContext,
  dropline: {
    url: string;
    /** Every edge the shoppers are spread over (`url` among them). */
    edgeUrls: string[];
    brandToken: string;
    operatorToken: string;
    pids: Record<string, number | undefined>;
  },
  shoppers: number,
  units: number,
  admissionPerMinute: number,
): Promise<RushResult> {
  const drop = await http<{ id: string }>(`${dropline.url}/api/drops`, {
    token: dropline.brandToken,
    body: {
      title: `Rush of ${shoppers} for ${units}`,
      sku: 'RUSH-1',
      priceCents: 2500,
      stock: units,
      admissionPerMinute,
      maxActive: 1_000_000,
      holdSeconds: 600,
      opensAt: new Date(Date.now() + 3600_000).toISOString(),
    },
  });
  await http(`${dropline.url}/api/drops/${drop.id}/open`, { method: 'POST', token: dropline.brandToken });
  const tokens: string[] = [];
  for (let i = 0; i < shoppers; i += 250) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(250, shoppers - i) }, () =>
        http<{ token: string }>(`${dropline.url}/api/auth/guest`, { method: 'POST' }),
      ),
    );
    tokens.push(...batch.map((g) => g.token));
  }
  const { result, cpu, served } = await drive(
    ctx,
    { urls: dropline.edgeUrls, dropId: drop.id, tokens },
    dropline.pids,
  );

  // PostgreSQL trails Redis by the event pipeline: wait for it to agree (or give up after 30 s).
  const sql = connectPostgres(ctx.databaseUrl, { max: 1 });
  let check: RushResult['check'];
  let paymentLag: RushResult['paymentLag'];
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const stock = await http<{ sold: number; held: number; available: number; total: number }>(
        `${dropline.url}/api/drops/${drop.id}/stock`,
      );
      const [row] = await sql<
        { paid: number }[]
      >`SELECT coalesce(sum(quantity), 0)::int AS paid FROM orders WHERE drop_id = ${drop.id} AND status = 'paid'`;
      check = {
        redisSold: stock.sold,
        postgresPaid: row?.paid ?? 0,
        oversold: stock.sold + stock.held > units || stock.available < 0,
        consistent: stock.sold === (row?.paid ?? 0) && stock.sold === result.paid,
      };
      if (check.consistent || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const [lag] = await sql<{ p50: number | null; p99: number | null; max: number | null }[]>`
      SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms))::int AS p50,
             round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms))::int AS p99, round(max(ms))::int AS max
      FROM (SELECT extract(epoch FROM (e.applied_at - o.paid_at)) * 1000 AS ms
            FROM orders o JOIN processed_events e ON e.event_id = o.id || ':payment.completed'
            WHERE o.drop_id = ${drop.id} AND o.status = 'paid') lags`;
    paymentLag = lag ?? { p50: null, p99: null, max: null };
  } finally {
    await sql.end();
  }
  return {
    ...result,
    units,
    servedPerSecond: Math.round(served / (result.ms / 1000)),
    check,
    paymentLag,
    cpu,
  };
}
