/**
 * Rebuilding a drop in Redis from the record of truth, and what tells that it is needed: the drop's change counter
 * (`seq`, which every event carries as `dropSeq`), its fence, its units and its outbox, read in one round trip.
 * A Redis whose `seq` is behind the highest one PostgreSQL applied came back older (a restart from an older RDB or
 * AOF, a promoted lagging replica): it is fenced — reserve, pay, release and expiry refuse to touch the drop — then
 * cleared and restored from PostgreSQL, the same path as a drop whose units Redis lost, and the fence is lifted.
 */
import type { Redis } from 'ioredis';
import { InventoryCode, settle } from './codes.js';
import { toRecord, type Hold } from './hold-record.js';
import { holdScriptKeys, type InventoryKeys } from './keys.js';
import { assertInventoryScripts } from './scripts.js';
import type { StockFigures } from './stock.js';

/** A drop as Redis holds it, for comparing with the record of truth. */
export interface InventoryPosition {
  /** The drop's units, or null when Redis holds none (it lost its data). */
  stock: StockFigures | null;
  /** The drop's change counter (0 when Redis never counted or lost it). */
  seq: number;
  availabilitySeq: number;
  fenced: boolean;
  /** Events still in the drop's outbox (not yet relayed to JetStream). */
  pending: number;
  /**
   * Verified on this Redis server: compared with the record of truth since it started, or new to it. An unverified
   * drop (Redis restarted, from a snapshot, an append-only file or as a promoted replica) sells nothing until
   * `verify` or a rebuild.
   */
  verified: boolean;
}

export interface RestoreRequest {
  total: number;
  /** The holds the record of truth knows; only held and paid ones are restored. */
  known: Hold[];
  /** 'missing': Redis lost the drop's units; 'replace': a fenced drop is cleared and rebuilt. */
  mode: 'missing' | 'replace';
  /** The highest drop sequence and the availability sequence PostgreSQL applied: the counters continue from them. */
  seq: number;
  availabilitySeq: number;
}

export interface RebuildDeps {
  redis: Redis;
  keys: InventoryKeys;
  activeKey: (dropId: string) => string;
  clock: Pick<DateConstructor, 'now'>;
}

const int = (value: unknown): number => {
  const n = Number(value ?? 0);
  if (!Number.isSafeInteger(n)) throw new Error(`inventory: ${String(value)} is not an integer`);
  return n;
};

export function createRebuild({ redis, keys, activeKey, clock }: RebuildDeps) {
  assertInventoryScripts(redis);
  return {
    async position(dropId: string): Promise<InventoryPosition> {
      const results = await redis
        .multi()
        .hmget(keys.stock(dropId), 'total', 'available', 'held', 'sold')
        .hmget(keys.dropMeta(dropId), 'seq', 'availabilitySeq', 'fenced', 'run', 'version')
        .xlen(keys.outbox(dropId))
        .info('server')
        .exec();
      if (!results || results.some(([error]) => error))
        throw new Error(`inventory: reading drop ${dropId} failed`);
      const [total, available, held, sold] = results[0]![1] as (string | null)[];
      const [seq, availabilitySeq, fenced, run, version] = results[1]![1] as (string | null)[];
      const serverRun = /^run_id:(\w+)/m.exec(String(results[3]![1]))?.[1];
      return {
        stock:
          total === null || total === undefined
            ? null
            : { total: int(total), available: int(available), held: int(held), sold: int(sold) },
        seq: int(seq),
        availabilitySeq: int(availabilitySeq),
        fenced: fenced !== null && fenced !== undefined,
        pending: int(results[2]![1]),
        verified: version === null || version === undefined || run === serverRun,
      };
    },

    /**
     * Marks the drop verified on this Redis server unless its change counter is behind `postgresSeq` (the highest
     * PostgreSQL applied, read after the event stream drained); false when it is behind (see verify-1.lua).
     */
    async verify(dropId: string, postgresSeq: number): Promise<boolean> {
      const reply = await redis.inventoryVerify(keys.dropMeta(dropId), postgresSeq);
      return settle('verify', reply, [InventoryCode.OK, InventoryCode.UNCHANGED]).code === InventoryCode.OK;
    },

    /** Fences the drop: from now until a rebuild lifts it, reserve and pay answer `unavailable` and nothing changes. */
    async fence(dropId: string, reason: string): Promise<void> {
      await redis.hset(keys.dropMeta(dropId), 'fenced', `${clock.now()} ${reason}`);
    },

    /** Rebuilds the drop (see restore-8.lua); null when nothing was written (not lost, or not fenced). */
    async restore(dropId: string, req: RestoreRequest): Promise<{ held: number; sold: number } | null> {
      const records = req.known.filter((h) => h.status === 'held' || h.status === 'paid').map(toRecord);
      const reply = await redis.inventoryRestore(
        ...holdScriptKeys(keys, activeKey, dropId),
        req.total,
        JSON.stringify(records),
        req.mode,
        req.seq,
        req.availabilitySeq,
        dropId,
        clock.now(),
      );
      const { code, details } = settle('restore', reply, [InventoryCode.OK, InventoryCode.UNCHANGED]);
      return code === InventoryCode.OK ? { held: Number(details[0]), sold: Number(details[1]) } : null;
    },
  };
}

export type Rebuild = ReturnType<typeof createRebuild>;
