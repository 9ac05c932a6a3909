/**
 * The drop service: creating, changing and moving drops through their statuses, with the rules of the contract —
 * what actors do (actor-changes.ts) and what the schedule, the inventory and recovery do (system-changes.ts), both
 * ending in one `changed()` (drop-sync.ts) that mirrors, schedules and publishes.
 */
import { actorChanges } from './actor-changes.js';
import type { Drop } from './drop.js';
import { createDropSync, type DropScheduling, type DropStatusEvent } from './drop-sync.js';
import type { DropsStore, ListPage } from './drops-store.js';
import { systemChanges } from './system-changes.js';

export interface DropsServiceDeps {
  store: DropsStore;
  /** Publishes a status change durably; published again after a restart (resumeAll), deduplicated by its id. */
  publishStatus?: (event: DropStatusEvent) => Promise<void>;
  brandExists: (id: string) => Promise<boolean>;
  /** Writes the drop's current state to Redis. */
  mirror: (drop: Drop) => Promise<void>;
  scheduling: DropScheduling;
  clock: Pick<DateConstructor, 'now'>;
}

export type DropsService = ReturnType<typeof createDropsService>;

export function createDropsService(deps: DropsServiceDeps) {
  const { store } = deps;
  const sync = createDropSync(deps);
  return {
    get: sync.load,
    list: (page: ListPage) => store.list(page),
    /** Drops that are scheduled, open or sold out. */
    listLive: () => store.listLive(),
    /** What an operator watches: drops open now, and drops opening within `withinMs` of now; at most `limit`. */
    listWatched: (withinMs: number, limit: number) =>
      store.listWatched(new Date(deps.clock.now() + withinMs), limit),
    audit: (dropId: string, limit: number, beforeId?: number) => store.audit(dropId, limit, beforeId),
    ...actorChanges({ ...deps, sync }),
    ...systemChanges({ ...deps, sync }),
  };
}
