/**
 * One socket's watch limit, held under concurrency: a `watch` or `join` claims its drop's slot before its first
 * await, so requests in flight count as much as drops watched. A claim that fails gives its slot back unless the
 * drop is watched (by an earlier request) or another request for it is still in flight.
 */
export interface WatchSlots {
  /** Claims a slot for `dropId`: false when the socket already watches, or is asking for, `max` other drops. */
  claim(dropId: string): boolean;
  /** Ends a claim: the slot stays taken if the drop is now watched. */
  release(dropId: string): void;
}

export function createWatchSlots(watching: ReadonlySet<string>, max: number): WatchSlots {
  /** dropId → requests in flight for it. */
  const inFlight = new Map<string, number>();
  const taken = () => {
    let n = watching.size;
    for (const dropId of inFlight.keys()) if (!watching.has(dropId)) n++;
    return n;
  };
  return {
    claim(dropId) {
      const known = watching.has(dropId) || inFlight.has(dropId);
      if (!known && taken() >= max) return false;
      inFlight.set(dropId, (inFlight.get(dropId) ?? 0) + 1);
      return true;
    },
    release(dropId) {
      const left = (inFlight.get(dropId) ?? 1) - 1;
      if (left > 0) inFlight.set(dropId, left);
      else inFlight.delete(dropId);
    },
  };
}
