/**
 * Stock reads served from memory: each drop's figures are read from Redis at most once per `ttlMs` per process,
 * concurrent misses share one read, and the JSON answer is serialized once per read, not once per request. So a
 * stock page polled by a crowd costs Redis one read a second per edge.
 */
export interface StockSnapshot {
  dropId: string;
  total: number;
  available: number;
  held: number;
  sold: number;
  status: string;
  /**
   * While units are held: the earliest deadline of a live hold (a held unit may come back then, or sooner when
   * released); null when none is held.
   */
  nextReturnAt: string | null;
  /** While units are held: the latest deadline of a live hold (every unit held now is back or sold by then). */
  heldUntil: string | null;
  /** When the figures were read from Redis. */
  asOf: string;
}

export interface CachedStock {
  snapshot: StockSnapshot;
  /** The snapshot as JSON, ready to send. */
  json: string;
}

export function createStockCache({
  read,
  clock = Date,
  ttlMs = 1000,
}: {
  read: (dropId: string) => Promise<StockSnapshot | null>;
  clock?: Pick<DateConstructor, 'now'>;
  ttlMs?: number;
}) {
  const fresh = new Map<string, { value: CachedStock | null; until: number }>();
  const pending = new Map<string, Promise<CachedStock | null>>();

  function load(dropId: string): Promise<CachedStock | null> {
    let p = pending.get(dropId);
    if (!p) {
      const until = clock.now() + ttlMs;
      p = read(dropId).then((snapshot) => {
        const value = snapshot && { snapshot, json: JSON.stringify(snapshot) };
        fresh.set(dropId, { value, until });
        if (fresh.size > 10_000) for (const [key, e] of fresh) if (e.until <= clock.now()) fresh.delete(key);
        return value;
      });
      pending.set(dropId, p);
      // A failed read is not cached: the next request tries again.
      void p.finally(() => pending.delete(dropId)).catch(() => {});
    }
    return p;
  }

  return {
    /** The cached answer when it is fresh (no await needed on the hot path), else undefined. */
    peek(dropId: string): CachedStock | null | undefined {
      const hit = fresh.get(dropId);
      return hit && hit.until > clock.now() ? hit.value : undefined;
    },
    get(dropId: string): Promise<CachedStock | null> {
      const hit = fresh.get(dropId);
      return hit && hit.until > clock.now() ? Promise.resolve(hit.value) : load(dropId);
    },
  };
}

export type StockCache = ReturnType<typeof createStockCache>;
