/**
 * Stock reads served from memory: each drop's figures are read from Redis at most once per `ttlMs` per process,
 * and concurrent misses share one read. So a stock page polled by a crowd costs Redis one read a second per edge.
 */
export interface StockSnapshot {
  dropId: string;
  total: number;
  available: number;
  held: number;
  sold: number;
  status: string;
  /** When the figures were read from Redis. */
  asOf: string;
}

export function createStockCache({
  read,
  clock = Date,
  ttlMs = 1000,
}: {
  read: (dropId: string) => Promise<StockSnapshot | null>;
  clock?: { now(): number };
  ttlMs?: number;
}) {
  const entries = new Map<string, { value: Promise<StockSnapshot | null>; until: number }>();
  return {
    get(dropId: string): Promise<StockSnapshot | null> {
      const now = clock.now();
      const hit = entries.get(dropId);
      if (hit && hit.until > now) return hit.value;
      const value = read(dropId);
      entries.set(dropId, { value, until: now + ttlMs });
      // A failed read is not cached.
      value.catch(() => entries.delete(dropId));
      if (entries.size > 10_000) for (const [key, e] of entries) if (e.until <= now) entries.delete(key);
      return value;
    },
  };
}

export type StockCache = ReturnType<typeof createStockCache>;
