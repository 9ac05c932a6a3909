/** A drop's units as Redis holds them: `available + held + sold == total` at every moment. */
import type { Redis } from 'ioredis';
import type { InventoryKeys } from './keys.js';

export interface StockFigures {
  total: number;
  available: number;
  held: number;
  sold: number;
}

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
    /** The units and the drop's status as Redis holds them, in one round trip; null when Redis holds none. */
    async snapshot(dropId: string): Promise<(StockFigures & { status: string }) | null> {
      const results = await redis
        .multi()
        .hmget(keys.stock(dropId), 'total', 'available', 'held', 'sold')
        .hget(keys.dropMeta(dropId), 'status')
        .exec();
      const figures = parse(dropId, (results?.[0]?.[1] as (string | null)[] | undefined) ?? [null]);
      const status = results?.[1]?.[1];
      return figures && typeof status === 'string' ? { ...figures, status } : null;
    },
    /** The drop's units, or null when Redis holds none for it. */
    async read(dropId: string): Promise<StockFigures | null> {
      return parse(dropId, await redis.hmget(keys.stock(dropId), 'total', 'available', 'held', 'sold'));
    },
  };
}

export type StockReader = ReturnType<typeof createStockReader>;
