/** The chaos table (one row per fault) and the figures as JSON in chaos-results/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultResult } from './run-fault.js';

const COLUMNS: [string, (r: FaultResult) => string][] = [
  ['fault', (r) => r.fault],
  ['pays 200', (r) => String(r.pays200)],
  ['200 not paid in PG', (r) => String(r.confirmedLost)],
  ['PG paid', (r) => String(r.postgresPaid)],
  ['Redis sold', (r) => (r.redisSold === null ? 'none' : String(r.redisSold))],
  ['units', (r) => String(r.units)],
  ['oversold', (r) => String(r.oversold)],
  [
    'auth capt/void/open',
    (r) => (r.ledger ? `${r.ledger.captured}/${r.ledger.voided}/${r.ledger.open}` : 'n/a'),
  ],
  [
    'capture ≠ paid',
    (r) =>
      r.ledger ? String(r.ledger.paidNotCapturedOnce + r.ledger.capturedNotPaid + r.ledger.both) : 'n/a',
  ],
  ['stuck held', (r) => String(r.stuckHeld)],
  ['5xx', (r) => String(r.fiveXx)],
  // Shoppers who ended refused (a 4xx that is not sold out or expired) or gave up retrying: not a check, a symptom.
  ['unserved', (r) => String(r.outcomes.refused + r.outcomes['gave-up'])],
  ['ready s', (r) => (r.readySeconds === null ? 'never' : String(r.readySeconds))],
  ['sales s', (r) => (r.salesSeconds === null ? 'never' : String(r.salesSeconds))],
  ['result', (r) => (r.failed.length === 0 ? 'ok' : `FAIL: ${r.failed.join('; ')}`)],
];

export function formatTable(results: readonly FaultResult[]): string {
  const cells = [COLUMNS.map(([title]) => title), ...results.map((r) => COLUMNS.map(([, cell]) => cell(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`;
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join('\n');
}

/** Writes the run's figures to chaos-results/<time>.json under `root`; returns the file's path. */
export function writeResults(root: string, figures: Record<string, unknown>): string {
  const dir = join(root, 'chaos-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  return file;
}
