import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { NODE_FLAGS } from './process.js';

describe('the Node flags of Dropline processes', () => {
  test('npm start, edge and workers run with the same flags as the processes tests and benchmarks start', () => {
    const { scripts } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const [script, role] of [
      ['start', 'all'],
      ['edge', 'edge'],
      ['workers', 'workers'],
    ] as const)
      expect(scripts[script]).toBe(`node ${NODE_FLAGS.join(' ')} --import tsx infra/start.ts ${role}`);
  });

  test('this Node accepts them', () => {
    const r = spawnSync(process.execPath, [...NODE_FLAGS, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
