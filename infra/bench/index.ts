/**
 * `npm run bench [-- --quick] [--clients N]`: starts Dropline against the real services, runs the scenarios with
 * their load generators in processes of their own, prints a table and writes the figures as JSON to bench-results/.
 * Every process it started is stopped at the end, and the run's database and Redis keys are removed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dropDatabase } from '../db.js';
import { clearPrefix } from '../redis.js';
import { createBenchContext } from './context.js';
import { eventPipeline } from './events.js';
import { joinStorm } from './join-storm.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const USAGE = 'usage: npm run bench [-- --quick] [--clients N]';

function fail(message: string, code = 2): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(code);
}

function options() {
  try {
    const { values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        clients: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const clients = values.clients === undefined ? (values.quick ? 500 : 10_000) : Number(values.clients);
    if (!Number.isInteger(clients) || clients < 1 || clients > 15_000)
      fail(`--clients takes a whole number from 1 to 15000 (${USAGE})`);
    return { quick: values.quick, clients };
  } catch (error) {
    return fail(`${error instanceof Error ? error.message.split('\n')[0] : String(error)} (${USAGE})`);
  }
}

async function main() {
  const { quick, clients } = options();
  const services = spawnSync('bash', ['infra/services.sh'], { cwd: ROOT, encoding: 'utf8' });
  if (services.status !== 0)
    fail(`the services are not reachable: ${services.stderr.trim().split('\n').at(-1) ?? ''}`, 1);

  const stamp = Date.now().toString(36);
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dropline');
  url.pathname = `/dropline_bench_${stamp}`;
  const ctx = createBenchContext({ databaseUrl: url.toString(), redisPrefix: `bench_${stamp}:`, quick });
  const stop = async () => {
    await ctx.stopAll();
    await dropDatabase(ctx.databaseUrl).catch(() => {});
    await clearPrefix(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', ctx.redisPrefix).catch(() => {});
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));

  const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version };
  process.stdout.write(
    `Dropline benchmarks (${quick ? 'quick' : 'full'}) on ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}\n`,
  );
  try {
    const pipeline = await eventPipeline(
      ctx,
      quick ? 1000 : 10_000,
      process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    );
    const storm = await joinStorm(ctx, clients);
    const rows = [
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
      ['event pipeline', `${pipeline.events} events applied to PostgreSQL by one workers process`, ''],
      ['  throughput', `${pipeline.eventsPerSecond} events/s (${pipeline.applyMs} ms)`, 'target ≥ 2000/s'],
    ];
    const width = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) process.stdout.write(`${r.map((cell, c) => cell.padEnd(width[c]!)).join('  ')}\n`);
    mkdirSync(`${ROOT}bench-results`, { recursive: true });
    const file = `${ROOT}bench-results/${new Date().toISOString().replaceAll(':', '-')}.json`;
    writeFileSync(
      file,
      `${JSON.stringify({ at: new Date().toISOString(), quick, machine, joinStorm: storm, eventPipeline: pipeline }, null, 2)}\n`,
    );
    process.stdout.write(`figures written to ${file.replace(ROOT, '')}\n`);
  } finally {
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => fail(error instanceof Error ? error.message : String(error), 1),
);
