/**
 * Join storm: N Socket.IO clients from another process connect, join a drop and watch it, against a bare Socket.IO
 * server (connect and acknowledge a `join`) and against one Dropline edge, in the same run. Then the drop admits
 * shoppers and the generator measures how fresh each `queue` push is when it arrives. Also: the edge's memory per
 * connection.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gauge, http, nextMessage, type BenchContext } from './context.js';

export interface JoinStormResult {
  clients: number;
  bareMs: number;
  droplineMs: number;
  /** droplineMs / bareMs: the target is at most 1.3. */
  ratio: number;
  memoryPerConnectionKiB: number;
  delivery: {
    pushes: number;
    socketsUpdated: number;
    p50: number | null;
    p99: number | null;
    max: number | null;
  };
}

const CONCURRENCY = 500;

async function generator(ctx: BenchContext, job: Record<string, unknown>) {
  const child = ctx.forkScript('./socket-clients.ts');
  child.send(job);
  return child;
}

export async function joinStorm(ctx: BenchContext, clients: number): Promise<JoinStormResult> {
  // 1. The baseline.
  const bare = ctx.spawnScript('./bare-socket-server.ts');
  const port = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: bare.stdout! });
    lines.on('line', (line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match) resolve(match[1]!);
    });
    bare.once('exit', () => reject(new Error('the bare Socket.IO server exited')));
  });
  const bareRun = await generator(ctx, {
    mode: 'bare',
    url: `http://127.0.0.1:${port}`,
    clients,
    concurrency: CONCURRENCY,
  });
  const bareJoined = await nextMessage<{ ms: number }>(bareRun, 'joined');
  bare.kill('SIGTERM');

  // 2. Dropline: one process (edge and workers), a drop that is open with admission paused.
  const { url } = await ctx.startDropline('all');
  const login = await http<{ token: string }>(`${url}/api/auth/login`, {
    body: { email: 'operator@dropline.local', password: 'dropline-operator' },
  });
  const brandEmail = `bench-${Date.now()}@example.com`;
  await http(`${url}/api/admin/users`, {
    token: login.token,
    body: { email: brandEmail, password: 'bench password', role: 'brand', brandName: 'Bench' },
  });
  const brand = await http<{ token: string }>(`${url}/api/auth/login`, {
    body: { email: brandEmail, password: 'bench password' },
  });
  const drop = await http<{ id: string }>(`${url}/api/drops`, {
    token: brand.token,
    body: {
      title: 'Join storm',
      sku: 'JS-1',
      priceCents: 100,
      stock: Math.max(1, clients),
      opensAt: new Date(Date.now() + 3600_000).toISOString(),
      maxActive: Math.max(1, clients),
    },
  });
  await http(`${url}/api/admin/drops/${drop.id}/admission`, {
    method: 'PUT',
    token: login.token,
    body: { paused: true },
  });
  await http(`${url}/api/drops/${drop.id}/open`, { method: 'POST', token: brand.token });

  const tokens: string[] = [];
  for (let i = 0; i < clients; i += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, clients - i) }, () =>
        http<{ token: string }>(`${url}/api/auth/guest`, { method: 'POST' }),
      ),
    );
    tokens.push(...batch.map((g) => g.token));
  }
  const tokensFile = join(mkdtempSync(join(tmpdir(), 'dropline-bench-')), 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify(tokens));

  const rssBefore = await gauge(url, 'process_resident_memory_bytes');
  const run = await generator(ctx, {
    mode: 'dropline',
    url,
    clients,
    concurrency: CONCURRENCY,
    dropId: drop.id,
    tokensFile,
  });
  const joined = await nextMessage<{ ms: number }>(run, 'joined');
  const rssAfter = await gauge(url, 'process_resident_memory_bytes');

  // 3. Admission resumes, a tenth of the line a second; every waiting shopper's place moves each second.
  await http(`${url}/api/admin/drops/${drop.id}/admission`, {
    method: 'PUT',
    token: login.token,
    body: { paused: false, perMinute: Math.max(60, clients * 6) },
  });
  run.send({ type: 'measure', seconds: ctx.quick ? 3 : 5 });
  const delivery = await nextMessage<JoinStormResult['delivery']>(run, 'delivery');

  return {
    clients,
    bareMs: Math.round(bareJoined.ms),
    droplineMs: Math.round(joined.ms),
    ratio: Math.round((joined.ms / bareJoined.ms) * 100) / 100,
    memoryPerConnectionKiB: Math.round((rssAfter - rssBefore) / clients / 1024),
    delivery: {
      pushes: delivery.pushes,
      socketsUpdated: delivery.socketsUpdated,
      p50: delivery.p50,
      p99: delivery.p99,
      max: delivery.max,
    },
  };
}
