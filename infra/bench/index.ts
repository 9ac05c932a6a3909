/**
 * `npm run bench [-- --quick] [--only a,b] [--seconds N] [--shoppers N] [--admission N] [--clients N]`: starts
 * Dropline (an edge process and a workers process, rate limits off) against the real services, runs the scenarios
 * with their load generators in processes of their own, prints a table and writes the figures as JSON to
 * bench-results/. Every process it started is stopped at
 * the end, and the run's database, Redis keys and JetStream stream are removed.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { dropDatabase } from '../db.js';
import { clearPrefix } from '../redis.js';
import { createBenchContext, http, type BenchContext, type DroplineSession } from './context.js';
import { etaPromise, etaRows } from './eta-promise.js';
import { eventPipeline } from './events.js';
import { joinStorm } from './join-storm.js';
import { benchOptions, fail, type BenchOptions } from './options.js';
import { bareRush, orderRush, type RushTarget } from './order-rush.js';
import {
  eventRows,
  floorRows,
  printTable,
  rushRows,
  stockRows,
  stormRows,
  writeFigures,
  type Machine,
  type Row,
} from './report.js';
import { powCost, powRows } from './pow-cost.js';
import { loginFlood, loginFloodRows } from './login-flood.js';
import { stockReads } from './stock-reads.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Set on SIGINT: the run then ends with 130 once everything it started has stopped. */
let interrupted = false;

/** One run: its own database, Redis prefix and JetStream stream, all removed by `stop` with its processes. */
interface Run {
  ctx: BenchContext;
  stamp: string;
  opts: BenchOptions;
  machine: Machine;
  /** The environment of every Dropline process of the run: its own stream and subjects. */
  eventsEnv: Record<string, string>;
  /** Dropline's first edge and workers process, and the sessions the scenarios use there. */
  dropline: DroplineSession & { pids: Record<string, number | undefined> };
}

/** What a scenario adds to the report: its figures (by key in the JSON) and its rows of the table. */
interface Outcome {
  figures: Record<string, unknown>;
  rows: Row[];
}

function checkServices() {
  const services = spawnSync('bash', ['infra/services.sh'], { cwd: ROOT, encoding: 'utf8' });
  if (services.status !== 0)
    fail(`the services are not reachable: ${services.stderr.trim().split('\n').at(-1) ?? ''}`, 1);
}

/** The run's context, on a database, prefix and stream named after `stamp`, and how to remove them all. */
function prepare(opts: BenchOptions, stamp: string) {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dropline');
  url.pathname = `/dropline_bench_${stamp}`;
  const stream = `BENCH_${stamp}`;
  const ctx = createBenchContext({
    databaseUrl: url.toString(),
    redisPrefix: `bench_${stamp}:`,
    quick: opts.quick,
  });
  const stop = async () => {
    await ctx.stopAll();
    await dropDatabase(ctx.databaseUrl).catch(() => {});
    await clearPrefix(REDIS_URL, ctx.redisPrefix).catch(() => {});
    const nc = await connect({ servers: NATS_URL }).catch(() => null);
    if (nc) {
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
      await nc.close();
    }
  };
  const eventsEnv = { EVENTS_STREAM: stream, EVENTS_SUBJECT_PREFIX: stream.toLowerCase() };
  return { ctx, stop, eventsEnv };
}

/** Starts Dropline (an edge and a workers process); the operator signs in and creates the brand the drops are of. */
async function startDropline(ctx: BenchContext, stamp: string, eventsEnv: Record<string, string>) {
  const edge = await ctx.startDropline('edge', eventsEnv);
  const workers = await ctx.startDropline('workers', eventsEnv);
  const base = edge.url;
  const operator = await http<{ token: string }>(`${base}/api/auth/login`, {
    body: { email: 'operator@dropline.local', password: 'dropline-operator' },
  });
  const brandEmail = `bench-${stamp}@example.com`;
  await http(`${base}/api/admin/users`, {
    token: operator.token,
    body: { email: brandEmail, password: 'bench password', role: 'brand', brandName: 'Bench' },
  });
  const brand = await http<{ token: string }>(`${base}/api/auth/login`, {
    body: { email: brandEmail, password: 'bench password' },
  });
  return {
    url: base,
    operatorToken: operator.token,
    brandToken: brand.token,
    pids: { edge: edge.process.child.pid, workers: workers.process.child.pid },
  };
}

async function stockScenario({ ctx, dropline, opts }: Run): Promise<Outcome> {
  const r = await stockReads(ctx, dropline, opts.seconds);
  return { figures: { stockReads: r }, rows: stockRows(r) };
}

/** The rush's floor, then a rush for 100 units and one for every shopper, over `--edges` edge processes. */
async function rushScenario({ ctx, dropline, opts, machine, eventsEnv }: Run): Promise<Outcome> {
  const floor = await bareRush(ctx, opts.shoppers);
  const figures: Record<string, unknown> = { orderRushFloor: floor };
  const rows = floorRows(floor, machine);
  const more = await Promise.all(
    Array.from({ length: opts.edges - 1 }, () => ctx.startDropline('edge', eventsEnv)),
  );
  const target: RushTarget = {
    ...dropline,
    edgeUrls: [dropline.url, ...more.map((e) => e.url)],
    pids: {
      ...dropline.pids,
      ...Object.fromEntries(more.map((e, i) => [`edge ${i + 2}`, e.process.child.pid])),
    },
  };
  if (opts.edges > 1)
    process.stdout.write(`The rush's shoppers are spread over ${opts.edges} edge processes.\n`);
  for (const units of [100, opts.shoppers]) {
    const r = await orderRush(ctx, target, opts.shoppers, units, opts.admission);
    figures[`orderRush${units}`] = r;
    rows.push(...rushRows(r, floor, machine));
  }
  // The later scenarios run on one edge: the others' background loops would only take CPU from them.
  await Promise.all(more.map((e) => e.process.stop('SIGTERM', 15_000)));
  return { figures, rows };
}

async function stormScenario({ ctx, dropline, opts, eventsEnv }: Run): Promise<Outcome> {
  // An edge process of its own: its memory per connection is not blurred by the other scenarios' heap.
  const stormEdge = await ctx.startDropline('edge', eventsEnv);
  const storm = await joinStorm(ctx, { ...dropline, url: stormEdge.url }, opts.clients);
  return { figures: { joinStorm: storm }, rows: stormRows(storm) };
}

async function eventsScenario({ ctx, opts }: Run): Promise<Outcome> {
  const pipeline = await eventPipeline(ctx, opts.quick ? 1000 : 10_000, NATS_URL);
  return { figures: { eventPipeline: pipeline }, rows: eventRows(pipeline) };
}

/** What the proof-of-work challenge costs a shopper's browser, a bot farm and the server (needs no Dropline). */
async function powScenario({ ctx, opts }: Run): Promise<Outcome> {
  const r = await powCost(REDIS_URL, ctx.redisPrefix, opts.quick);
  return { figures: { proofOfWork: r }, rows: powRows(r) };
}

/** Whether the promised waits (etaSeconds) hold, with the rate binding and with maxActive binding. */
async function etaScenario({ ctx, dropline, opts }: Run): Promise<Outcome> {
  const r = await etaPromise(ctx, dropline, opts.quick ? 15 : 60);
  return { figures: { promisedWaits: r }, rows: etaRows(r) };
}

/** Last: the hashes a flood leaves queued would otherwise run into the next scenario. */
async function loginScenario({ ctx, dropline, opts }: Run): Promise<Outcome> {
  const r = await loginFlood(ctx, dropline, opts.quick ? 3 : 20);
  return { figures: { loginFlood: r }, rows: loginFloodRows(r) };
}

/** In the order of the table. */
const SCENARIO_RUNS = [
  ['stock', stockScenario],
  ['rush', rushScenario],
  ['storm', stormScenario],
  ['events', eventsScenario],
  ['pow', powScenario],
  ['eta', etaScenario],
  ['login', loginScenario],
] as const;

async function main() {
  const opts = benchOptions();
  checkServices();
  const stamp = Date.now().toString(36);
  const { ctx, stop, eventsEnv } = prepare(opts, stamp);
  process.once('SIGINT', () => {
    // Whatever the scenario in flight does now (its generator stopped under it), this path ends the run.
    interrupted = true;
    void stop().then(() => process.exit(130));
  });

  const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version };
  process.stdout.write(
    `Dropline benchmarks (${opts.quick ? 'quick' : 'full'}) on ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}\n`,
  );
  process.stdout.write('Rate limits are off: every simulated shopper comes from this one address.\n');
  try {
    const dropline = await startDropline(ctx, stamp, eventsEnv);
    const run: Run = { ctx, stamp, opts, machine, eventsEnv, dropline };
    const figures: Record<string, unknown> = {};
    const rows: Row[] = [];
    for (const [scenario, runScenario] of SCENARIO_RUNS) {
      if (!opts.only.has(scenario)) continue;
      const outcome = await runScenario(run);
      Object.assign(figures, outcome.figures);
      rows.push(...outcome.rows);
    }
    printTable(rows);
    const file = writeFigures(ROOT, { quick: opts.quick, machine, ...figures });
    process.stdout.write(`figures written to ${file.replace(ROOT, '')}\n`);
  } finally {
    await stop();
  }
}

main().then(
  () => interrupted || process.exit(0),
  (error: unknown) => interrupted || fail(error instanceof Error ? error.message : String(error), 1),
);
