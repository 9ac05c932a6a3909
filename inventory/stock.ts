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
  return {
    /** The drop's units, or null when Redis holds none for it. */
    async read(dropId: string): Promise<StockFigures | null> {
      const [total, available, held, sold] = await redis.hmget(
        keys.stock(dropId),
        'total',
        'available',
        'held',
        'sold',
      );
      if (total === null) return null;
      const figures = {
        total: Number(total),
        available: Number(available),
        held: Number(held),
        sold: Number(sold),
      };
      if (!Object.values(figures).every(Number.isSafeInteger))
        throw new Error(`stock of drop ${dropId} is corrupt`);
      return figures;
    },
  };
}

export type StockReader = ReturnType<typeof createStockReader>;
