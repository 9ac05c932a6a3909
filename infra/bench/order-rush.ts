/**
 * Order rush: S guest shoppers (up to 2,000 at once) join a drop of N units, are admitted, reserve and pay; shoppers
 * served per second
 * (each ends paid or told sold out), latency per step, and the checks that matter: paid orders in PostgreSQL equal
 * units sold in Redis, nothing oversold, no 5xx. Run with the per-address rate limits off (every shopper comes from
 * one address here). Its floor, measured the same way in the same run: the same generator against a bare Socket.IO
 * and Hono server that answers each step at once (`bare-socket-server.ts rush`).
 */
import { connectPostgres, type Sql } from '../db.js';
import { cpuSpent, readCpu } from './cpu.js';
import {
  BARE_DROP_ID,
  exited,
  guestTokens,
  http,
  hundredths,
  nextMessage,
  openDrop,
  startBareServer,
  writeTokensFile,
  type BenchContext,
  type DroplineSession,
} from './context.js';

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
  const tokensFile = writeTokensFile(job.tokens);
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
  const perShopper = (spent: number) => hundredths(spent / Math.max(1, served));
  const cpu = {
    ms,
    perShopper: Object.fromEntries(Object.entries(ms).map(([name, spent]) => [name, perShopper(spent)])),
    coresBusy: hundredths(Object.values(ms).reduce((a, b) => a + b, 0) / result.ms),
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
    const pids = { server: bare.pid };
    await drive(ctx, { urls: [bare.url], dropId: BARE_DROP_ID, tokens: tokens.slice(0, 2000) }, pids);
    const { result, cpu, served } = await drive(
      ctx,
      { urls: [bare.url], dropId: BARE_DROP_ID, tokens },
      pids,
    );
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

/** The Dropline a rush runs against. */
export interface RushTarget extends DroplineSession {
  /** Every edge the shoppers are spread over (`url` among them). */
  edgeUrls: string[];
  /** The processes whose CPU is read: Dropline's by role (`edge`, `workers`, `edge 2`, …). */
  pids: Record<string, number | undefined>;
}

export async function orderRush(
  ctx: BenchContext,
  dropline: RushTarget,
  shoppers: number,
  units: number,
  admissionPerMinute: number,
): Promise<RushResult> {
  const dropId = await openDrop(dropline, {
    title: `Rush of ${shoppers} for ${units}`,
    sku: 'RUSH-1',
    priceCents: 2500,
    stock: units,
    admissionPerMinute,
    maxActive: 1_000_000,
    holdSeconds: 600,
  });
  const tokens = await guestTokens(dropline.url, shoppers);
  const { result, cpu, served } = await drive(
    ctx,
    { urls: dropline.edgeUrls, dropId, tokens },
    dropline.pids,
  );
  const { check, paymentLag } = await checkRush(ctx, dropline.url, dropId, units, result.paid);
  return {
    ...result,
    units,
    servedPerSecond: Math.round(served / (result.ms / 1000)),
    check,
    paymentLag,
    cpu,
  };
}

/**
 * After a rush: Redis's sold units against PostgreSQL's paid orders and the shoppers' payments, and the lag from
 * payment to order. PostgreSQL trails Redis by the event pipeline: the check waits for them to agree (or gives up
 * after 30 s, and reports what it saw).
 */
async function checkRush(
  ctx: BenchContext,
  url: string,
  dropId: string,
  units: number,
  paid: number,
): Promise<Pick<RushResult, 'check' | 'paymentLag'>> {
  const sql = connectPostgres(ctx.databaseUrl, { max: 1 });
  try {
    const deadline = Date.now() + 30_000;
    let check: RushResult['check'];
    for (;;) {
      check = await readCheck(sql, url, dropId, units, paid);
      if (check.consistent || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return { check, paymentLag: await readPaymentLag(sql, dropId) };
  } finally {
    await sql.end();
  }
}

async function readCheck(
  sql: Sql,
  url: string,
  dropId: string,
  units: number,
  paid: number,
): Promise<RushResult['check']> {
  const stock = await http<{ sold: number; held: number; available: number; total: number }>(
    `${url}/api/drops/${dropId}/stock`,
  );
  const [row] = await sql<
    { paid: number }[]
  >`SELECT coalesce(sum(quantity), 0)::int AS paid FROM orders WHERE drop_id = ${dropId} AND status = 'paid'`;
  return {
    redisSold: stock.sold,
    postgresPaid: row?.paid ?? 0,
    oversold: stock.sold + stock.held > units || stock.available < 0,
    consistent: stock.sold === (row?.paid ?? 0) && stock.sold === paid,
  };
}

/** From each payment (its hold marked paid in Redis) to its order paid in PostgreSQL, in ms. */
async function readPaymentLag(sql: Sql, dropId: string): Promise<RushResult['paymentLag']> {
  const [lag] = await sql<{ p50: number | null; p99: number | null; max: number | null }[]>`
    SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms))::int AS p50,
           round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms))::int AS p99, round(max(ms))::int AS max
    FROM (SELECT extract(epoch FROM (e.applied_at - o.paid_at)) * 1000 AS ms
          FROM orders o JOIN processed_events e ON e.event_id = o.id || ':payment.completed'
          WHERE o.drop_id = ${dropId} AND o.status = 'paid') lags`;
  return lag ?? { p50: null, p99: null, max: null };
}
