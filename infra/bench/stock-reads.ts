/**
 * Stock reads: autocannon, from its own process, against a bare Node `http` server, a bare Hono server (both
 * answering the same body) and Dropline's GET /api/drops/:id/stock, one after the other in the same run. The ratio
 * to the bare Node server is the figure.
 */
import {
  exited,
  http,
  hundredths,
  nextMessage,
  openDrop,
  startBareServer,
  type BenchContext,
  type DroplineSession,
} from './context.js';

export interface LoadFigures {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
}

export interface StockReadsResult {
  seconds: number;
  connections: number;
  /** Each target ran this many alternating rounds (of seconds / rounds each); the figures are their medians. */
  rounds: number;
  bareNode: LoadFigures;
  bareHono: LoadFigures;
  dropline: LoadFigures;
  /** Dropline's requests/s over the bare Node server's: the target is at least 0.7. */
  ratio: number;
  /** Requests/s of every round, in order. */
  allRounds: Record<'bareNode' | 'bareHono' | 'dropline', number[]>;
}

/** The median run by requests per second (its latencies come with it), errors summed over all runs. */
function median(runs: LoadFigures[]): LoadFigures {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  const mid = sorted[Math.floor(sorted.length / 2)]!;
  return {
    ...mid,
    errors: runs.reduce((n, r) => n + r.errors, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
  };
}

async function load(
  ctx: BenchContext,
  url: string,
  seconds: number,
  connections: number,
): Promise<LoadFigures> {
  const child = ctx.forkScript('./http-load.ts');
  child.send({ url, seconds, connections });
  const result = await nextMessage<LoadFigures>(child, 'result');
  await exited(child);
  return result;
}

export async function stockReads(
  ctx: BenchContext,
  dropline: DroplineSession,
  seconds: number,
): Promise<StockReadsResult> {
  const connections = 100;
  const dropId = await openDrop(dropline, { title: 'Stock reads', sku: 'SR-1', priceCents: 100, stock: 100 });
  const stockUrl = `${dropline.url}/api/drops/${dropId}/stock`;
  const body = JSON.stringify(await http(stockUrl));

  // The three alternate in rounds of about five seconds, so that a noisy neighbour's load, which comes and goes on
  // these shared machines, falls on all three alike; medians are reported.
  const rounds = Math.max(1, Math.round(seconds / 5));
  const each = Math.max(1, Math.round(seconds / rounds));
  const node = await startBareServer(ctx, './bare-http.ts', ['node', body]);
  const hono = await startBareServer(ctx, './bare-http.ts', ['hono', body]);
  const runs: Record<'bareNode' | 'bareHono' | 'dropline', LoadFigures[]> = {
    bareNode: [],
    bareHono: [],
    dropline: [],
  };
  for (let round = 0; round < rounds; round++) {
    runs.bareNode.push(await load(ctx, `${node.url}/`, each, connections));
    runs.bareHono.push(await load(ctx, `${hono.url}/`, each, connections));
    runs.dropline.push(await load(ctx, stockUrl, each, connections));
  }
  node.stop();
  hono.stop();
  const bareNode = median(runs.bareNode);
  const bareHono = median(runs.bareHono);
  const droplineFigures = median(runs.dropline);
  return {
    seconds,
    connections,
    rounds,
    bareNode,
    bareHono,
    dropline: droplineFigures,
    ratio: hundredths(droplineFigures.rps / bareNode.rps),
    allRounds: {
      bareNode: runs.bareNode.map((r) => r.rps),
      bareHono: runs.bareHono.map((r) => r.rps),
      dropline: runs.dropline.map((r) => r.rps),
    },
  };
}
