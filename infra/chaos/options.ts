/**
 * The command line of `npm run chaos`. Parsing is pure (`parseChaosArgs` throws a UsageError); `chaosOptions` turns
 * a bad flag into one line on stderr and exit 2, before anything has started.
 */
import { parseArgs } from 'node:util';

/** Every fault, in the order a full run injects them. */
export const FAULTS = [
  'workers-kill',
  'edge-kill',
  'nats-5s',
  'nats-35s',
  'redis-empty',
  'redis-aof',
  'redis-snapshot',
  'postgres-restart',
] as const;
export type FaultName = (typeof FAULTS)[number];

/** What `--quick` runs: one process crash, one short outage, one total loss of Redis. */
export const QUICK_FAULTS: readonly FaultName[] = ['workers-kill', 'nats-5s', 'redis-empty'];

export const USAGE = `usage: npm run chaos [-- --quick] [--only ${FAULTS.join(',')}] [--shoppers N] [--units N] [--rate N] [--hold-seconds N] [--settle-seconds N]`;

export interface ChaosOptions {
  quick: boolean;
  faults: FaultName[];
  /** Guest shoppers per fault. */
  shoppers: number;
  /** Units of each fault's drop: fewer than shoppers, so that the drop sells out during the fault. */
  units: number;
  /** Shoppers arriving per second. */
  rate: number;
  /** A hold's life: short, so that some shoppers pay at the deadline and holds expire during the run. */
  holdSeconds: number;
  /** How long the system may take to settle after a fault before its row is read as it is. */
  settleSeconds: number;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

function wholeNumber(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`--${name} takes a whole number from 1 to ${max}`);
  return n;
}

/** Faults named by `--only` (comma-separated, in the order of FAULTS whatever the order given). */
export function parseFaults(only: string): FaultName[] {
  const names = only
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = names.filter((s) => !(FAULTS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`unknown fault ${unknown.join(', ')}`);
  if (names.length === 0) throw new UsageError('--only names no fault');
  return FAULTS.filter((f) => names.includes(f));
}

/** The options of `argv` (without node and the script); `null` for `--help`. */
export function parseChaosArgs(argv: string[]): ChaosOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        shoppers: { type: 'string' },
        units: { type: 'string' },
        rate: { type: 'string' },
        'hold-seconds': { type: 'string' },
        'settle-seconds': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error));
  }
  if (values.help) return null;
  const quick = values.quick;
  const shoppers = wholeNumber('shoppers', values.shoppers, quick ? 160 : 400, 5000);
  const units = wholeNumber('units', values.units, Math.round(shoppers * 0.6), 5000);
  if (units >= shoppers)
    throw new UsageError('--units must be fewer than --shoppers (the drop must sell out)');
  return {
    quick,
    faults: values.only === undefined ? [...(quick ? QUICK_FAULTS : FAULTS)] : parseFaults(values.only),
    shoppers,
    units,
    rate: wholeNumber('rate', values.rate, quick ? 40 : 80, 1000),
    holdSeconds: wholeNumber('hold-seconds', values['hold-seconds'], 4, 600),
    settleSeconds: wholeNumber('settle-seconds', values['settle-seconds'], quick ? 30 : 60, 600),
  };
}

/** The options of this process's command line; a bad flag ends it with one line and exit 2. */
export function chaosOptions(): ChaosOptions {
  try {
    const options = parseChaosArgs(process.argv.slice(2));
    if (options) return options;
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`chaos: ${error.message} (${USAGE})\n`);
    process.exit(2);
  }
}
