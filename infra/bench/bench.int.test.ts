/**
 * `npm run bench` itself: bad flags stop it with one line and exit 2 before anything starts, and an interrupted run
 * stops every process it started.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test, vi } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BENCH = ['--import', 'tsx', 'infra/bench/index.ts'];

/** Every live process under `root` (children, grandchildren, …), with its command line. */
function descendants(root: number): Map<number, string> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found = new Map<number, string>();
  let frontier = [root];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [pid, parent] of parents)
      if (frontier.includes(parent) && !found.has(pid)) {
        let cmd: string;
        try {
          cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        } catch {
          continue;
        }
        found.set(pid, cmd);
        next.push(pid);
      }
    frontier = next;
  }
  return found;
}

const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat[stat.lastIndexOf(')') + 2];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
};

describe('npm run bench', () => {
  test.each([
    [['--seconds', '0'], /--seconds takes a whole number/],
    [['--shoppers', 'many'], /--shoppers takes a whole number/],
    [['--admission', '0'], /--admission takes a whole number/],
    [['--edges', '9'], /--edges takes a whole number from 1 to 8/],
    [['--only', 'stock,nope'], /unknown scenario nope/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('%j: one line on stderr, exit 2, nothing started', (args, message) => {
    const r = spawnSync(process.execPath, [...BENCH, ...args], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^bench: /);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).toContain('usage: npm run bench');
  });

  test('interrupted in the middle of a scenario, it stops every process it started', async () => {
    const bench = spawn(process.execPath, [...BENCH, '--quick', '--only', 'rush'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => bench.once('exit', (code) => resolve(code)));
    try {
      // Mid-run: Dropline's processes are up and the rush's load generator is running.
      const seen = new Map<number, string>();
      await vi.waitFor(
        () => {
          for (const [pid, cmd] of descendants(bench.pid!)) seen.set(pid, cmd);
          const cmds = [...seen.values()];
          expect(cmds.some((c) => c.includes('infra/start.ts edge'))).toBe(true);
          expect(cmds.some((c) => c.includes('infra/start.ts workers'))).toBe(true);
          expect(cmds.some((c) => c.includes('rush-client.ts'))).toBe(true);
        },
        { timeout: 90_000, interval: 100 },
      );
      bench.kill('SIGINT');
      expect(await exited).toBe(130);
      await vi.waitFor(() => expect([...seen.keys()].filter(alive)).toEqual([]), {
        timeout: 20_000,
        interval: 100,
      });
    } finally {
      if (bench.exitCode === null) bench.kill('SIGKILL');
    }
  }, 120_000);
});
