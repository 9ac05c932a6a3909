/**
 * `npm run chaos [-- --quick] [--only a,b]`: starts its own PostgreSQL, Redis and NATS (JetStream) on spare ports
 * and Dropline against them (an edge and a workers process, rate limits off, short holds), then for each fault in
 * turn runs a rush of guest shoppers, injects the fault in the middle of their payments, waits for the system to
 * settle and checks it: one row per fault. Writes the figures to chaos-results/ and exits 1 when a check failed.
 * Every process it started is stopped and every data folder removed, also on failure or Ctrl-C.
 */
import { fileURLToPath } from 'node:url';
import { guestTokens, http, openDrop, type DroplineSession } from '../bench/context.js';
import { faultsNamed, type Fault } from './faults.js';
import { createObserver, type Observer } from './observe.js';
import { chaosOptions, type ChaosOptions } from './options.js';
import { recovery } from './probe.js';
import { formatTable, writeResults } from './report.js';
import { runFault, type FaultResult } from './run-fault.js';
import { Cleanup, startStack, type Stack } from './stack.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const out = (line: string) => process.stdout.write(`${line}\n`);

/** The operator signs in and creates the brand whose drops the faults sell. */
async function sessions(url: string): Promise<DroplineSession> {
  const operator = await http<{ token: string }>(`${url}/api/auth/login`, {
    body: { email: 'operator@dropline.local', password: 'dropline-operator' },
  });
  const brand = { email: 'chaos@example.com', password: 'chaos password' };
  await http(`${url}/api/admin/users`, {
    token: operator.token,
    body: { ...brand, role: 'brand', brandName: 'Chaos' },
  });
  const { token } = await http<{ token: string }>(`${url}/api/auth/login`, { body: brand });
  return { url, operatorToken: operator.token, brandToken: token };
}

interface Gate {
  dropId: string;
  tokens: string[];
}

/** Whether Dropline is ready and selling within 20 s; if not, its processes are restarted (true) and checked again. */
async function healthy(stack: Stack, gate: Gate): Promise<boolean> {
  const check = async () => {
    const r = await recovery(stack.url, gate, Date.now(), 20_000);
    return r.readySeconds !== null && r.salesSeconds !== null;
  };
  if (await check()) return false;
  out('  Dropline is not ready and selling: restarting the edge and the workers');
  for (const role of ['workers', 'edge'] as const) {
    await stack.kill(role);
    await stack.start(role);
  }
  if (!(await check())) throw new Error('Dropline is not ready and selling even after a restart');
  return true;
}

function errorRow(fault: Fault, error: unknown, restartedBefore: boolean): FaultResult {
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  return {
    fault: fault.name,
    what: fault.what,
    dropId: '',
    units: 0,
    pays200: 0,
    confirmedLost: 0,
    postgresPaid: 0,
    redisSold: null,
    oversold: 0,
    ledger: null,
    stuckHeld: 0,
    fiveXx: 0,
    readySeconds: null,
    salesSeconds: null,
    failed: [`the round failed: ${message}`],
    outcomes: { paid: 0, 'sold-out': 0, released: 0, expired: 0, 'gave-up': 0, refused: 0 },
    statuses: {},
    samples: [],
    settleSeconds: 0,
    restartedBefore,
  };
}

async function runAll(stack: Stack, observer: Observer, opts: ChaosOptions): Promise<FaultResult[]> {
  const session = await sessions(stack.url);
  const gate = {
    dropId: await openDrop(session, {
      title: 'Chaos gate',
      sku: 'CHAOS-GATE',
      priceCents: 100,
      stock: 100_000,
      admissionPerMinute: 60_000,
      maxActive: 1_000_000,
    }),
    tokens: await guestTokens(stack.url, 40),
  };
  const results: FaultResult[] = [];
  for (const fault of faultsNamed(opts.faults)) {
    const restartedBefore = await healthy(stack, gate);
    const started = Date.now();
    out(`- ${fault.name}: ${fault.what}`);
    const result = await runFault({ stack, session, observer, opts, restartedBefore }, fault).catch(
      (error: unknown) => errorRow(fault, error, restartedBefore),
    );
    results.push(result);
    out(
      `  ${Math.round((Date.now() - started) / 1000)} s; ${result.failed.length === 0 ? 'ok' : result.failed.join('; ')}`,
    );
  }
  return results;
}

async function main(): Promise<number> {
  const opts = chaosOptions();
  const started = Date.now();
  const stamp = new Date().toISOString().replaceAll(':', '-');
  out(`Dropline chaos (${opts.quick ? 'quick' : 'full'}): ${opts.faults.join(', ')}`);
  out(
    `${opts.shoppers} guests a fault at ${opts.rate}/s for ${opts.units} units, holds of ${opts.holdSeconds} s`,
  );
  const cleanup = new Cleanup();
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      // Whatever the round in flight does now, this path ends the run, once everything started is stopped.
      stopping = true;
      out(`\n${signal}: stopping what the run started`);
      void cleanup.run().then(() => process.exit(130));
    });
  const stack = await startStack(`${ROOT}chaos-results/logs-${stamp}`, cleanup);
  const observer = createObserver({
    databaseUrl: stack.postgres.url,
    redisUrl: stack.redis.url,
    redisPrefix: stack.redisPrefix,
  });
  try {
    const results = await runAll(stack, observer, opts);
    out('');
    out(formatTable(results));
    const seconds = Math.round((Date.now() - started) / 1000);
    const file = writeResults(ROOT, { quick: opts.quick, options: { ...opts }, seconds, results });
    out(`\n${seconds} s; figures written to ${file.replace(ROOT, '')}`);
    return results.every((r) => r.failed.length === 0) ? 0 : 1;
  } finally {
    await observer.close().catch(() => undefined);
    if (!stopping) await stack.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
