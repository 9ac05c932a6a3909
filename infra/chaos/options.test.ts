/** The chaos command line: defaults, --quick's subset, --only's faults, and refusals. */
import { describe, expect, test } from 'vitest';
import { FAULTS, parseChaosArgs, parseFaults, QUICK_FAULTS, UsageError } from './options.js';

describe('parseChaosArgs', () => {
  test('a full run injects every fault, in order', () => {
    const opts = parseChaosArgs([]);
    expect(opts?.faults).toEqual([...FAULTS]);
    expect(opts?.quick).toBe(false);
    expect(opts!.units).toBeLessThan(opts!.shoppers);
  });

  test('--quick runs the small subset with a smaller rush', () => {
    const opts = parseChaosArgs(['--quick']);
    expect(opts?.faults).toEqual([...QUICK_FAULTS]);
    expect(opts!.shoppers).toBeLessThan(parseChaosArgs([])!.shoppers);
  });

  test('--only picks faults, in the order of a full run', () => {
    expect(parseChaosArgs(['--only', 'redis-empty, workers-kill'])?.faults).toEqual([
      'workers-kill',
      'redis-empty',
    ]);
    expect(parseChaosArgs(['--quick', '--only', 'nats-35s'])?.faults).toEqual(['nats-35s']);
  });

  test('--help asks for the usage', () => {
    expect(parseChaosArgs(['--help'])).toBeNull();
  });

  test.each([
    [['--only', 'redis-gone']],
    [['--only', ',']],
    [['--shoppers', '0']],
    [['--shoppers', '1.5']],
    [['--rate', 'fast']],
    [['--shoppers', '100', '--units', '100']],
    [['--bogus']],
    [['positional']],
  ])('refuses %j', (argv) => {
    expect(() => parseChaosArgs(argv)).toThrow(UsageError);
  });
});

test('parseFaults names the unknown fault', () => {
  expect(() => parseFaults('nats-5s,nats-6s')).toThrow(/unknown fault nats-6s/);
});
