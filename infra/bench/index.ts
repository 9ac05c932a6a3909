/**
 * `npm run bench [-- --quick] [--only a,b] [--seconds N] [--shoppers N] [--admission N] [--clients N]`: starts
 * Dropline (an edge process and a workers process, rate limits off) against the real services, runs the scenarios
 * with their load generators in processes of their own, prints a table and writes the figures as JSON to
 * bench-results/. Every process it started is stopped at
 * the end, and the run's database, Redis keys and JetStream stream are removed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { dropDatabase } from '../db.js';
import { clearPrefix } from '../redis.js';
import { createBenchContext, http } from './context.js';
import { eventPipeline } from './events.js';
import { joinStorm } from './join-storm.js';
import { bareRush, orderRush, type BareRushResult } from './order-rush.js';
import { stockReads } from './stock-reads.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCENARIOS = ['stock', 'rush', 'storm', 'events'] as const;
type Scenario = (typeof SCENARIOS)[number];
const USAGE = `usage: npm run bench [-- --quick] [--only ${SCENARIOS.join(',')}] [--seconds N] [--shoppers N] [--admission N] [--clients N] [--edges N]`;
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Set on SIGINT: the run then ends with 130 once everything it started has stopped. */
let interrupted = false;

function fail(message: string, code = 2): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(code);
}

function wholeNumber(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    fail(`--${name} takes a whole number from 1 to ${max} (${USAGE})`);
  return n;
}

function options() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        seconds: { type: 'string' },
        shoppers: { type: 'string' },
        admission: { type: 'string' },
        clients: { type: 'string' },
        edges: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return fail(`${error instanceof Error ? error.message.split('\n')[0] : String(error)} (${USAGE})`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const only = values.only === undefined ? [...SCENARIOS] : values.only.split(',').map((s) => s.trim());
  const unknown = only.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0 || only.length === 0) fail(`unknown scenario ${unknown.join(', ')} (${USAGE})`);
  const quick = values.quick;
  return {
    quick,
    only: new Set(only as Scenario[]),
    seconds: wholeNumber('seconds', values.seconds, quick ? 3 : 60, 3600),
    shoppers: wholeNumber('shoppers', values.shoppers, quick ? 300 : 8500, 20_000),
    // The rush's admission rate, per minute: 1,000 a second by default, what an operator would set for it.
    admission: wholeNumber('admission', values.admission, 60_000, 1_000_000),
    clients: wholeNumber('clients', values.clients, quick ? 500 : 10_000, 15_000),
    // Edge processes the rush's shoppers are spread over (the other scenarios use one).
    edges: wholeNumber('edges', values.edges, 1, 8),
  };
}

type Row = [string, string, string];

async function main() {
  const opts = options();
  const services = spawnSync('bash', ['infra/services.sh'], { cwd: ROOT, encoding: 'utf8' });
  if (services.status !== 0)
    fail(`the services are not reachable: ${services.stderr.trim().split('\n').at(-1) ?? ''}`, 1);

  const stamp = Date.now().toString(36);
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
  const figures: Record<string, unknown> = {};
  const rows: Row[] = [];
  try {
    const eventsEnv = { EVENTS_STREAM: stream, EVENTS_SUBJECT_PREFIX: stream.toLowerCase() };
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
    const dropline = {
      url: base,
      operatorToken: operator.token,
      brandToken: brand.token,
      pids: { edge: edge.process.child.pid, workers: workers.process.child.pid },
    };

    if (opts.only.has('stock')) {
      const r = await stockReads(ctx, dropline, opts.seconds);
      figures.stockReads = r;
      const line = (f: typeof r.dropline) =>
        `${f.rps} req/s, p50 ${f.p50} ms, p99 ${f.p99} ms, max ${f.max} ms, ${f.errors + f.non2xx} errors`;
      rows.push(
        [
          'stock reads',
          `${r.seconds} s each, ${r.connections} connections`,
          `median of ${r.rounds} alternating rounds`,
        ],
        ['  bare Node http', line(r.bareNode), 'baseline'],
        [
          '  bare Hono',
          line(r.bareHono),
          `${Math.round((r.bareHono.rps / r.bareNode.rps) * 100) / 100}× bare Node`,
        ],
        ['  Dropline GET …/stock', line(r.dropline), `${r.ratio}× bare Node (target ≥ 0.7, p99 < 50 ms)`],
      );
    }
    if (opts.only.has('rush')) {
      const floor = await bareRush(ctx, opts.shoppers);
      // The first 2,000 shoppers start at once; the others as shoppers finish.
      const wave = `shoppers ${(Math.min(opts.shoppers, 2000) + 1).toLocaleString('en')} on`;
      figures.orderRushFloor = floor;
      const steps = (s: BareRushResult['steps']) =>
        (['join', 'reserve', 'pay'] as const)
          .map((name) => `${name} p50 ${s[name].p50 ?? '—'} / p99 ${s[name].p99 ?? '—'} ms`)
          .join('; ');
      const cpuLine = (cpu: BareRushResult['cpu']) =>
        Object.entries(cpu.perShopper)
          .filter(([, ms]) => ms > 0)
          .map(([name, ms]) => `${name} ${ms} ms`)
          .join(', ');
      rows.push(
        [
          `order rush floor: ${floor.shoppers} shoppers, bare Socket.IO + Hono`,
          `${floor.servedPerSecond} shoppers served/s (${Math.round(floor.ms)} ms); ${floor.paid} paid, ${floor.failed} failed`,
          'same generator; every step answered at once, nothing stored',
        ],
        ['  steps', steps(floor.steps), ''],
        ['  steps after the opening wave', steps(floor.stepsAfterOpening), wave],
        [
          '  CPU per shopper served',
          cpuLine(floor.cpu),
          `${floor.cpu.coresBusy} of ${machine.cores} cores busy`,
        ],
      );
      const more = await Promise.all(
        Array.from({ length: opts.edges - 1 }, () => ctx.startDropline('edge', eventsEnv)),
      );
      const rushDropline = {
        ...dropline,
        edgeUrls: [base, ...more.map((e) => e.url)],
        pids: {
          ...dropline.pids,
          ...Object.fromEntries(more.map((e, i) => [`edge ${i + 2}`, e.process.child.pid])),
        },
      };
      if (opts.edges > 1)
        process.stdout.write(`The rush's shoppers are spread over ${opts.edges} edge processes.\n`);
      for (const units of [100, opts.shoppers]) {
        const r = await orderRush(ctx, rushDropline, opts.shoppers, units, opts.admission);
        figures[`orderRush${units}`] = r;
        const ofFloor = Math.round((r.servedPerSecond / floor.servedPerSecond) * 100) / 100;
        rows.push(
          [
            `order rush: ${r.shoppers} shoppers, ${units} units`,
            `${r.servedPerSecond} shoppers served/s (${Math.round(r.ms)} ms)`,
            units === opts.shoppers
              ? `${ofFloor}× the floor; target ≥ 1000/s; the original: 81.3/s`
              : `${ofFloor}× the floor`,
          ],
          [
            '  outcome',
            `${r.paid} paid, ${r.soldOut} sold out, ${r.failed} failed, ${r.status5xx} 5xx`,
            `Redis sold ${r.check.redisSold}, PostgreSQL paid ${r.check.postgresPaid}${r.check.oversold ? ', OVERSOLD' : ''}${r.check.consistent ? ', consistent' : ', INCONSISTENT'}`,
          ],
          ['  steps', steps(r.steps), 'target p99 < 200 ms'],
          ['  steps after the opening wave', steps(r.stepsAfterOpening), wave],
          ['  CPU per shopper served', cpuLine(r.cpu), `${r.cpu.coresBusy} of ${machine.cores} cores busy`],
          [
            '  payment → order paid in PostgreSQL',
            `p50 ${r.paymentLag.p50} ms, p99 ${r.paymentLag.p99} ms, max ${r.paymentLag.max} ms`,
            'target p99 < 1000 ms',
          ],
        );
      }
      // The later scenarios run on one edge: the others' background loops would only take CPU from them.
      await Promise.all(more.map((e) => e.process.stop('SIGTERM', 15_000)));
    }
    if (opts.only.has('storm')) {
      // An edge process of its own: its memory per connection is not blurred by the other scenarios' heap.
      const stormEdge = await ctx.startDropline('edge', eventsEnv);
      const storm = await joinStorm(ctx, { ...dropline, url: stormEdge.url }, opts.clients);
      figures.joinStorm = storm;
      rows.push(
        [
          'join storm',
          `${storm.clients} clients connect, join and watch`,
          `median of ${storm.rounds} alternating rounds`,
        ],
        ['  bare Socket.IO server', `${storm.bareMs} ms`, 'baseline'],
        ['  Dropline edge', `${storm.droplineMs} ms`, `${storm.ratio}× the baseline (target ≤ 1.3×)`],
        [
          '  queue push freshness',
          `p50 ${storm.delivery.p50} ms, p99 ${storm.delivery.p99} ms, max ${storm.delivery.max} ms`,
          `${storm.delivery.socketsUpdated} sockets updated (target ≤ 2000 ms)`,
        ],
        ['  edge memory', `${storm.memoryPerConnectionKiB} KiB per connection`, ''],
      );
    }
    if (opts.only.has('events')) {
      const pipeline = await eventPipeline(ctx, opts.quick ? 1000 : 10_000, NATS_URL);
      figures.eventPipeline = pipeline;
      rows.push(
        ['event pipeline', `${pipeline.events} events applied to PostgreSQL by one workers process`, ''],
        ['  throughput', `${pipeline.eventsPerSecond} events/s (${pipeline.applyMs} ms)`, 'target ≥ 2000/s'],
      );
    }
    const width = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
    for (const r of rows) process.stdout.write(`${r.map((cell, c) => cell.padEnd(width[c]!)).join('  ')}\n`);
    mkdirSync(`${ROOT}bench-results`, { recursive: true });
    const file = `${ROOT}bench-results/${new Date().toISOString().replaceAll(':', '-')}.json`;
    writeFileSync(
      file,
      `${JSON.stringify({ at: new Date().toISOString(), quick: opts.quick, machine, ...figures }, null, 2)}\n`,
    );
    process.stdout.write(`figures written to ${file.replace(ROOT, '')}\n`);
  } finally {
    await stop();
  }
}

main().then(
  () => interrupted || process.exit(0),
  (error: unknown) => interrupted || fail(error instanceof Error ? error.message : String(error), 1),
);
