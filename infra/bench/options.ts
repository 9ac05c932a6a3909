/**
 * The command line of `npm run bench`. A bad flag stops the run with one line on stderr and exit 2, before anything
 * has started.
 */
import { parseArgs } from 'node:util';

export const SCENARIOS = ['stock', 'rush', 'storm', 'events', 'pow', 'eta', 'login'] as const;
export type Scenario = (typeof SCENARIOS)[number];
const USAGE = `usage: npm run bench [-- --quick] [--only ${SCENARIOS.join(',')}] [--seconds N] [--shoppers N] [--admission N] [--clients N] [--edges N]`;

export interface BenchOptions {
  quick: boolean;
  only: Set<Scenario>;
  /** The stock reads' length, per target. */
  seconds: number;
  shoppers: number;
  /** The rush's admission rate, per minute. */
  admission: number;
  /** The join storm's clients. */
  clients: number;
  /** Edge processes the rush's shoppers are spread over (the other scenarios use one). */
  edges: number;
}

/** Ends the run with one line on stderr. */
export function fail(message: string, code = 2): never {
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

/** The flags as given; `--help` prints the usage and exits 0. */
function flags() {
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
  return values;
}

export function benchOptions(): BenchOptions {
  const values = flags();
  const only = values.only === undefined ? [...SCENARIOS] : values.only.split(',').map((s) => s.trim());
  const unknown = only.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0 || only.length === 0) fail(`unknown scenario ${unknown.join(', ')} (${USAGE})`);
  const quick = values.quick;
  return {
    quick,
    only: new Set(only as Scenario[]),
    seconds: wholeNumber('seconds', values.seconds, quick ? 3 : 60, 3600),
    shoppers: wholeNumber('shoppers', values.shoppers, quick ? 300 : 8500, 20_000),
    // 1,000 shoppers a second by default, what an operator would set for a rush.
    admission: wholeNumber('admission', values.admission, 60_000, 1_000_000),
    clients: wholeNumber('clients', values.clients, quick ? 500 : 10_000, 15_000),
    edges: wholeNumber('edges', values.edges, 1, 8),
  };
}
