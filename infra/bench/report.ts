/**
 * The run's report: each scenario's figures as rows of the printed table (what, the figures, the baseline or
 * target they compare with), and all of them as JSON in bench-results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { hundredths } from './context.js';
import type { EventsResult } from './events.js';
import type { JoinStormResult } from './join-storm.js';
import type { BareRushResult, RushResult } from './order-rush.js';
import type { StockReadsResult } from './stock-reads.js';

export type Row = [string, string, string];

export interface Machine {
  cores: number;
  cpu: string;
  node: string;
}

export function stockRows(r: StockReadsResult): Row[] {
  const line = (f: StockReadsResult['dropline']) =>
    `${f.rps} req/s, p50 ${f.p50} ms, p99 ${f.p99} ms, max ${f.max} ms, ${f.errors + f.non2xx} errors`;
  return [
    [
      'stock reads',
      `${r.seconds} s each, ${r.connections} connections`,
      `median of ${r.rounds} alternating rounds`,
    ],
    ['  bare Node http', line(r.bareNode), 'baseline'],
    ['  bare Hono', line(r.bareHono), `${hundredths(r.bareHono.rps / r.bareNode.rps)}× bare Node`],
    ['  Dropline GET …/stock', line(r.dropline), `${r.ratio}× bare Node (target ≥ 0.7, p99 < 50 ms)`],
  ];
}

const steps = (s: BareRushResult['steps']) =>
  (['join', 'reserve', 'pay'] as const)
    .map((name) => `${name} p50 ${s[name].p50 ?? '—'} / p99 ${s[name].p99 ?? '—'} ms`)
    .join('; ');

const cpuLine = (cpu: BareRushResult['cpu']) =>
  Object.entries(cpu.perShopper)
    .filter(([, ms]) => ms > 0)
    .map(([name, ms]) => `${name} ${ms} ms`)
    .join(', ');

/** Who the steps after the opening wave are: the first 2,000 shoppers start at once, the others as shoppers finish. */
const wave = (shoppers: number) => `shoppers ${(Math.min(shoppers, 2000) + 1).toLocaleString('en')} on`;

export function floorRows(floor: BareRushResult, machine: Machine): Row[] {
  return [
    [
      `order rush floor: ${floor.shoppers} shoppers, bare Socket.IO + Hono`,
      `${floor.servedPerSecond} shoppers served/s (${Math.round(floor.ms)} ms); ${floor.paid} paid, ${floor.failed} failed`,
      'same generator; every step answered at once, nothing stored',
    ],
    ['  steps', steps(floor.steps), ''],
    ['  steps after the opening wave', steps(floor.stepsAfterOpening), wave(floor.shoppers)],
    ['  CPU per shopper served', cpuLine(floor.cpu), `${floor.cpu.coresBusy} of ${machine.cores} cores busy`],
  ];
}

export function rushRows(r: RushResult, floor: BareRushResult, machine: Machine): Row[] {
  const ofFloor = hundredths(r.servedPerSecond / floor.servedPerSecond);
  const { check } = r;
  return [
    [
      `order rush: ${r.shoppers} shoppers, ${r.units} units`,
      `${r.servedPerSecond} shoppers served/s (${Math.round(r.ms)} ms)`,
      r.units === r.shoppers
        ? `${ofFloor}× the floor; target ≥ 1000/s; the original: 81.3/s`
        : `${ofFloor}× the floor`,
    ],
    [
      '  outcome',
      `${r.paid} paid, ${r.soldOut} sold out, ${r.failed} failed, ${r.status5xx} 5xx`,
      `Redis sold ${check.redisSold}, PostgreSQL paid ${check.postgresPaid}${check.oversold ? ', OVERSOLD' : ''}${check.consistent ? ', consistent' : ', INCONSISTENT'}`,
    ],
    ['  steps', steps(r.steps), 'target p99 < 200 ms'],
    ['  steps after the opening wave', steps(r.stepsAfterOpening), wave(r.shoppers)],
    ['  CPU per shopper served', cpuLine(r.cpu), `${r.cpu.coresBusy} of ${machine.cores} cores busy`],
    [
      '  payment → order paid in PostgreSQL',
      `p50 ${r.paymentLag.p50} ms, p99 ${r.paymentLag.p99} ms, max ${r.paymentLag.max} ms`,
      'target p99 < 1000 ms',
    ],
  ];
}

export function stormRows(storm: JoinStormResult): Row[] {
  return [
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
  ];
}

export function eventRows(pipeline: EventsResult): Row[] {
  return [
    ['event pipeline', `${pipeline.events} events applied to PostgreSQL by one workers process`, ''],
    ['  throughput', `${pipeline.eventsPerSecond} events/s (${pipeline.applyMs} ms)`, 'target ≥ 2000/s'],
  ];
}

/** The rows as a table, each column as wide as its widest cell. */
export function printTable(rows: Row[]): void {
  const width = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows) process.stdout.write(`${r.map((cell, c) => cell.padEnd(width[c]!)).join('  ')}\n`);
}

/** Writes the figures to `<root>bench-results/<time>.json`; returns the file's path. */
export function writeFigures(root: string, figures: Record<string, unknown>): string {
  mkdirSync(`${root}bench-results`, { recursive: true });
  const file = `${root}bench-results/${new Date().toISOString().replaceAll(':', '-')}.json`;
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2)}\n`);
  return file;
}
