/**
 * The faults, each injected in the middle of a rush's payments. `prepare` runs a few seconds before `inject` (the
 * snapshot fault takes its RDB copy then, so that Redis comes back that much older); `inject` resolves at the
 * service's return: the moment a restarted process is up again, or a restarted server accepts connections.
 * A crashed process is restarted at once, as a supervisor would.
 */
import type { FaultName } from './options.js';
import { sleep } from './ports.js';
import type { Stack } from './stack.js';

export interface Fault {
  name: FaultName;
  /** What it does, for the report. */
  what: string;
  /** Before the rush starts. */
  before?(stack: Stack): Promise<void>;
  prepare?(stack: Stack): Promise<void>;
  /** Injects the fault; resolves with the time (ms since the epoch) the service returned. */
  inject(stack: Stack): Promise<number>;
}

/** How long before the fault `prepare` runs: how much older the snapshot Redis comes back from is. */
export const PREPARE_LEAD_MS = 2500;

const crash =
  (role: 'edge' | 'workers'): Fault['inject'] =>
  async (stack) => {
    await stack.kill(role);
    await stack.start(role);
    return Date.now();
  };

const natsDown =
  (seconds: number): Fault['inject'] =>
  async (stack) => {
    await stack.nats.kill();
    await sleep(seconds * 1000);
    await stack.nats.start();
    return Date.now();
  };

export function faultsNamed(names: readonly FaultName[]): Fault[] {
  let snapshot: string | undefined;
  const all: Fault[] = [
    { name: 'workers-kill', what: 'kill -9 the workers, restart them', inject: crash('workers') },
    { name: 'edge-kill', what: 'kill -9 the edge mid-payment, restart it', inject: crash('edge') },
    { name: 'nats-5s', what: 'NATS killed, back after 5 s', inject: natsDown(5) },
    { name: 'nats-35s', what: 'NATS killed, back after 35 s', inject: natsDown(35) },
    {
      name: 'redis-empty',
      what: 'Redis killed, restarted empty',
      async inject(stack) {
        await stack.redis.kill();
        await stack.redis.start('empty');
        return Date.now();
      },
    },
    {
      name: 'redis-aof',
      what: 'Redis (appendonly yes, everysec) killed, restarted from its AOF',
      before: (stack) => stack.redis.enableAof(),
      async inject(stack) {
        await stack.redis.kill();
        await stack.redis.start('aof');
        return Date.now();
      },
    },
    {
      name: 'redis-snapshot',
      what: `Redis killed, restarted from an RDB taken ${PREPARE_LEAD_MS / 1000} s earlier`,
      async prepare(stack) {
        snapshot = await stack.redis.snapshot();
      },
      async inject(stack) {
        if (!snapshot) throw new Error('no snapshot was taken before the fault');
        await stack.redis.kill();
        await stack.redis.start({ snapshot });
        return Date.now();
      },
    },
    {
      name: 'postgres-restart',
      what: 'PostgreSQL stopped as by a crash (immediate), started 2 s later',
      async inject(stack) {
        await stack.postgres.stop('immediate');
        await sleep(2000);
        await stack.postgres.start();
        return Date.now();
      },
    },
  ];
  return all.filter((f) => names.includes(f.name));
}
