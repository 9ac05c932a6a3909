/** A drop's units as Redis holds them: `available + held + sold == total` at every moment. */
import type { Redis } from 'ioredis';
import type { InventoryKeys } from './keys.js';

export interface StockFigures {
  total: number;
  available: number;
  held: number;
  sold: number;
}

/** When held units come back at the latest: the earliest and the latest deadline of the holds still held. */
export interface HeldReturns {
  /** The earliest deadline of a live hold (a unit may return then, or sooner if released); null when none. */
  nextReturnAt: Date | null;
  /** The latest deadline of a live hold: by then every unit held now is sold or back; null when none. */
  heldUntil: Date | null;
}

/** A deadline out of a `ZRANGE … WITHSCORES` reply of one member: [member, score], or [] when the set is empty. */
const deadlineOf = (reply: unknown): Date | null => {
  if (!Array.isArray(reply) || reply.length < 2) return null;
  const ms = Number(reply[1]);
  if (!Number.isSafeInteger(ms)) throw new Error(`a hold deadline is corrupt: ${String(reply[1])}`);
  return new Date(ms);
};

export function createStockReader({ redis, keys }: { redis: Redis; keys: InventoryKeys }) {
  const parse = (dropId: string, [total, available, held, sold]: (string | null)[]): StockFigures | null => {
    if (total === null || total === undefined) return null;
    const figures = {
      total: Number(total),
      available: Number(available),
      held: Number(held),
      sold: Number(sold),
    };
    if (!Object.values(figures).every(Number.isSafeInteger))
      throw new Error(`stock of drop ${dropId} is corrupt`);
    return figures;
  };
  return {
    /**
     * The units, the drop's status and when held units return, as Redis holds them, in one round trip (the
     * deadlines are the two ends of the holds' deadline index: O(log n)); null when Redis holds none.
     */
    async snapshot(dropId: string): Promise<(StockFigures & HeldReturns & { status: string }) | null> {
      const results = await redis
        .multi()
        .hmget(keys.stock(dropId), 'total', 'available', 'held', 'sold')
        .hget(keys.dropMeta(dropId), 'status')
        .zrange(keys.deadlines(dropId), '0', '0', 'WITHSCORES')
        .zrange(keys.deadlines(dropId), '-1', '-1', 'WITHSCORES')
        .exec();
      const figures = parse(dropId, (results?.[0]?.[1] as (string | null)[] | undefined) ?? [null]);
      const status = results?.[1]?.[1];
      if (!figures || typeof status !== 'string') return null;
      return {
        ...figures,
        status,
        nextReturnAt: deadlineOf(results?.[2]?.[1]),
        heldUntil: deadlineOf(results?.[3]?.[1]),
      };
    },
    /** When the drop's held units return at the latest (the two ends of its holds' deadline index, O(log n)). */
    async returns(dropId: string): Promise<HeldReturns> {
      const results = await redis
        .multi()
        .zrange(keys.deadlines(dropId), '0', '0', 'WITHSCORES')
        .zrange(keys.deadlines(dropId), '-1', '-1', 'WITHSCORES')
        .exec();
      return { nextReturnAt: deadlineOf(results?.[0]?.[1]), heldUntil: deadlineOf(results?.[1]?.[1]) };
    },
    /** The drop's units, or null when Redis holds none for it. */
    async read(dropId: string): Promise<StockFigures | null> {
      return parse(dropId, await redis.hmget(keys.stock(dropId), 'total', 'available', 'held', 'sold'));
    },
  };
}

export type StockReader = ReturnType<typeof createStockReader>;
