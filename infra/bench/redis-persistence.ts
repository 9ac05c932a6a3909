/**
 * What Redis's persistence settings cost the pay script: `tsx infra/bench/redis-persistence.ts <port>` against a
 * Redis of its own (start one per setting, e.g. `redis-server --port 6391 --dir "$(mktemp -d)" --save ''
 * --appendonly yes --appendfsync always`), reserves `--pays` (10,000) holds of one drop, then pays them
 * `--concurrency` (16) at a time through inventory/'s pay script and prints pays/s, p50 and p99 as one JSON line.
 * `--wait-replica <ms>` follows each pay with `WAIT 1 <ms>` (start a replica with `redis-server --port 6392
 * --replicaof 127.0.0.1 6391`), which is what waiting for a replica before answering pay would cost.
 * Its keys go under `bench-persistence:` and are removed after.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createDropMirror, createHolds, createInventoryKeys, type Hold } from '../../inventory/index.js';
import { clearPrefix, loadScripts } from '../redis.js';

const PREFIX = 'bench-persistence:';

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      pays: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '16' },
      'wait-replica': { type: 'string' },
    },
  });
  const port = Number(positionals[0]);
  const [pays, concurrency] = [Number(values.pays), Number(values.concurrency)];
  const waitMs = values['wait-replica'] === undefined ? undefined : Number(values['wait-replica']);
  if (
    !Number.isInteger(port) ||
    !(pays > 0) ||
    !(concurrency > 0) ||
    (waitMs !== undefined && !(waitMs > 0))
  ) {
    process.stderr.write(
      'usage: redis-persistence.ts <port> [--pays N] [--concurrency C] [--wait-replica MS]\n',
    );
    process.exit(2);
  }
  const redis = loadScripts(new Redis({ port, host: '127.0.0.1' }));
  const keys = createInventoryKeys(PREFIX);
  const clock = Date;
  const holds = createHolds({ redis, keys, activeKey: (id) => `${PREFIX}{drop:${id}}:q:active`, clock });
  try {
    const held = await reserveAll(redis, holds, keys, pays, concurrency);
    const latencies: number[] = [];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let h = held[next++]; h; h = held[next++]) {
          const at = performance.now();
          await holds.pay(h.id, h.shopperId, undefined, {});
          if (waitMs !== undefined && (await redis.wait(1, waitMs)) < 1)
            throw new Error('no replica acknowledged');
          latencies.push(performance.now() - at);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (p: number) => Number(latencies[Math.floor(p * (latencies.length - 1))]!.toFixed(2));
    const perSecond = Math.round(pays / seconds);
    process.stdout.write(
      `${JSON.stringify({ port, pays, concurrency, waitMs, perSecond, p50ms: at(0.5), p99ms: at(0.99) })}\n`,
    );
  } finally {
    await redis.quit();
    await clearPrefix(`redis://127.0.0.1:${port}`, PREFIX);
  }
}

async function reserveAll(
  redis: Redis,
  holds: ReturnType<typeof createHolds>,
  keys: ReturnType<typeof createInventoryKeys>,
  pays: number,
  concurrency: number,
): Promise<Hold[]> {
  const id = randomUUID();
  const drop = {
    id,
    stock: pays,
    priceCents: 1,
    currency: 'EUR',
    perUserLimit: 1,
    holdSeconds: 600,
    admissionPerMinute: 1,
    maxActive: 1,
    opensAt: new Date(),
    closesAt: null,
  };
  const mirror = createDropMirror({ redis, keys });
  await mirror.write({ ...drop, version: 1, status: 'scheduled' });
  await mirror.write({ ...drop, version: 2, status: 'open' });
  const admissionEndsAt = new Date(Date.now() + 600_000);
  const held: Hold[] = [];
  for (let i = 0; i < pays; i += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, pays - i) }, () =>
      holds.reserve({ dropId: id, shopperId: randomUUID(), guest: true, quantity: 1, admissionEndsAt }),
    );
    held.push(...(await Promise.all(batch)).map((r) => r.hold));
  }
  return held;
}

await main();
