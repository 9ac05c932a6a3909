/**
 * Join storm: N Socket.IO clients from another process connect, join a drop and watch it, against a bare Socket.IO
 * server (connect and acknowledge a `join`) and against one Dropline edge, in the same run. The two alternate for
 * a few rounds and the medians are compared, which keeps a noisy neighbour from deciding the ratio. Then the drop
 * admits shoppers and the generator measures how fresh each `queue` push is when it arrives. Also: the edge's
 * memory per connection, from its resident memory before and after the first round's clients are in (the caller
 * gives a fresh edge process, so earlier scenarios' heap does not blur it).
 */
import type { ChildProcess } from 'node:child_process';
import {
  BARE_DROP_ID,
  exited,
  gauge,
  guestTokens,
  hundredths,
  nextMessage,
  openDrop,
  setAdmission,
  startBareServer,
  writeTokensFile,
  type BenchContext,
  type DroplineSession,
} from './context.js';

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

/** What every round of one storm shares. */
interface Storm {
  ctx: BenchContext;
  dropline: DroplineSession;
  clients: number;
  bareUrl: string;
  tokensFile: string;
}

/** The bare server's round: ms until every client has its place. */
async function bareRound({ ctx, bareUrl, clients }: Storm): Promise<number> {
  const bare = generator(ctx, { mode: 'bare', url: bareUrl, clients, dropId: BARE_DROP_ID });
  const { ms } = await nextMessage<{ ms: number }>(bare, 'joined');
  await exited(bare);
  return ms;
}

/**
 * Dropline's round, on a drop of its own, open with admission paused: ms until every client has its place. The
 * `first` round also gives the edge's resident memory per connection (the edge process is fresh then); in the
 * `last`, admission resumes and the pushes' freshness is measured.
 */
async function droplineRound(
  { ctx, dropline, clients, tokensFile }: Storm,
  { first, last }: { first: boolean; last: boolean },
): Promise<{ ms: number; memoryPerConnectionKiB?: number; delivery?: JoinStormResult['delivery'] }> {
  const { url } = dropline;
  const dropId = await openDrop(
    dropline,
    { title: 'Join storm', sku: 'JS-1', priceCents: 100, stock: clients, maxActive: clients },
    { pauseAdmission: true },
  );
  const rssBefore = await gauge(url, 'process_resident_memory_bytes');
  const run = generator(ctx, { mode: 'dropline', url, clients, dropId, tokensFile });
  const { ms } = await nextMessage<{ ms: number }>(run, 'joined');
  const memoryPerConnectionKiB = first
    ? ((await gauge(url, 'process_resident_memory_bytes')) - rssBefore) / clients / 1024
    : undefined;
  let delivery: JoinStormResult['delivery'] | undefined;
  if (last) delivery = await measureDelivery(ctx, dropline, dropId, run, clients);
  else run.send({ type: 'measure', seconds: 0 });
  await exited(run);
  return { ms, memoryPerConnectionKiB, delivery };
}

/** Admission resumes, a tenth of the line a second: every waiting shopper's place moves each second. */
async function measureDelivery(
  ctx: BenchContext,
  dropline: DroplineSession,
  dropId: string,
  run: ChildProcess,
  clients: number,
): Promise<JoinStormResult['delivery']> {
  await setAdmission(dropline, dropId, { paused: false, perMinute: Math.max(60, clients * 6) });
  run.send({ type: 'measure', seconds: ctx.quick ? 3 : 5 });
  return nextMessage<JoinStormResult['delivery']>(run, 'delivery');
}

export async function joinStorm(
  ctx: BenchContext,
  dropline: DroplineSession,
  clients: number,
): Promise<JoinStormResult> {
  const rounds = ctx.quick ? 1 : 3;
  const bareUrl = (await startBareServer(ctx, './bare-socket-server.ts')).url;
  const tokensFile = writeTokensFile(await guestTokens(dropline.url, clients));
  const storm: Storm = { ctx, dropline, clients, bareUrl, tokensFile };

  const bareMs: number[] = [];
  const droplineMs: number[] = [];
  let memoryPerConnectionKiB = 0;
  let delivery: JoinStormResult['delivery'] | undefined;
  for (let round = 1; round <= rounds; round++) {
    bareMs.push(await bareRound(storm));
    const measured = await droplineRound(storm, { first: round === 1, last: round === rounds });
    droplineMs.push(measured.ms);
    memoryPerConnectionKiB = measured.memoryPerConnectionKiB ?? memoryPerConnectionKiB;
    delivery = measured.delivery ?? delivery;
  }

  const bareMedian = median(bareMs);
  const droplineMedian = median(droplineMs);
  return {
    clients,
    rounds,
    bareMs: Math.round(bareMedian),
    droplineMs: Math.round(droplineMedian),
    ratio: hundredths(droplineMedian / bareMedian),
    allRounds: { bareMs: bareMs.map(Math.round), droplineMs: droplineMs.map(Math.round) },
    memoryPerConnectionKiB: Math.round(memoryPerConnectionKiB),
    delivery: delivery!,
  };
}
