/**
 * Join storm: N Socket.IO clients from another process connect, join a drop and watch it, against a bare Socket.IO
 * server (connect and acknowledge a `join`) and against one Dropline edge, in the same run. The two alternate for
 * a few rounds and the medians are compared, which keeps a noisy neighbour from deciding the ratio. Then the drop
 * admits shoppers and the generator measures how fresh each `queue` push is when it arrives. Also: the edge's
 * memory per connection, from its resident memory before and after the first round's clients are in (the caller
 * gives a fresh edge process, so earlier scenarios' heap does not blur it).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, gauge, http, nextMessage, startBareServer, type BenchContext } from './context.js';

export interface JoinStormResult {
  clients: number;
  rounds: number;
  /** Median time until every client had its place. */
  bareMs: number;
  droplineMs: number;
  /** droplineMs / bareMs: the target is at most 1.3. */
  ratio: number;
  allRounds: { bareMs: number[]; droplineMs: number[] };
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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function generator(ctx: BenchContext, job: Record<string, unknown>) {
  const child = ctx.forkScript('./socket-clients.ts');
  child.send({ concurrency: CONCURRENCY, ...job });
  return child;
}

export async function joinStorm(
  ctx: BenchContext,
  dropline: { url: string; operatorToken: string; brandToken: string },
  clients: number,
): Promise<JoinStormResult> {
  const rounds = ctx.quick ? 1 : 3;
  const bareUrl = (await startBareServer(ctx, './bare-socket-server.ts')).url;

  // Each round gets a drop of its own, open with admission paused.
  const { url } = dropline;
  const operator = { token: dropline.operatorToken };
  const brand = { token: dropline.brandToken };
  const openDrop = async () => {
    const drop = await http<{ id: string }>(`${url}/api/drops`, {
      token: brand.token,
      body: {
        title: 'Join storm',
        sku: 'JS-1',
        priceCents: 100,
        stock: clients,
        opensAt: new Date(Date.now() + 3600_000).toISOString(),
        maxActive: clients,
      },
    });
    await http(`${url}/api/admin/drops/${drop.id}/admission`, {
      method: 'PUT',
      token: operator.token,
      body: { paused: true },
    });
    await http(`${url}/api/drops/${drop.id}/open`, { method: 'POST', token: brand.token });
    return drop.id;
  };

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

  const bareMs: number[] = [];
  const droplineMs: number[] = [];
  let memoryPerConnectionKiB = 0;
  let delivery: JoinStormResult['delivery'] | undefined;
  for (let round = 1; round <= rounds; round++) {
    const bare = generator(ctx, { mode: 'bare', url: bareUrl, clients });
    bareMs.push((await nextMessage<{ ms: number }>(bare, 'joined')).ms);
    await exited(bare);

    const dropId = await openDrop();
    const rssBefore = await gauge(url, 'process_resident_memory_bytes');
    const run = generator(ctx, { mode: 'dropline', url, clients, dropId, tokensFile });
    droplineMs.push((await nextMessage<{ ms: number }>(run, 'joined')).ms);
    if (round === 1)
      memoryPerConnectionKiB =
        ((await gauge(url, 'process_resident_memory_bytes')) - rssBefore) / clients / 1024;

    if (round === rounds) {
      // Admission resumes, a tenth of the line a second: every waiting shopper's place moves each second.
      await http(`${url}/api/admin/drops/${dropId}/admission`, {
        method: 'PUT',
        token: operator.token,
        body: { paused: false, perMinute: Math.max(60, clients * 6) },
      });
      run.send({ type: 'measure', seconds: ctx.quick ? 3 : 5 });
      delivery = await nextMessage<JoinStormResult['delivery']>(run, 'delivery');
    } else {
      run.send({ type: 'measure', seconds: 0 });
    }
    await exited(run);
  }

  const bareMedian = median(bareMs);
  const droplineMedian = median(droplineMs);
  return {
    clients,
    rounds,
    bareMs: Math.round(bareMedian),
    droplineMs: Math.round(droplineMedian),
    ratio: Math.round((droplineMedian / bareMedian) * 100) / 100,
    allRounds: { bareMs: bareMs.map(Math.round), droplineMs: droplineMs.map(Math.round) },
    memoryPerConnectionKiB: Math.round(memoryPerConnectionKiB),
    delivery: delivery!,
  };
}
