/**
 * What happens to drops without an actor asking: the schedule opening and closing them, the inventory's sold-out
 * events (sold out for good: every unit sold, none held; the reopened events of drops marked sold out under the
 * former rule), and a restart or a Redis that lost its data (mirror and schedule everything again).
 */
import type { Drop } from './drop.js';
import type { DropScheduling, DropSync } from './drop-sync.js';
import type { DropsStore } from './drops-store.js';

const SCHEDULE_ACTOR = 'system:schedule';
const INVENTORY_ACTOR = 'system:inventory';

export interface SystemChangesDeps {
  store: DropsStore;
  sync: DropSync;
  mirror: (drop: Drop) => Promise<void>;
  scheduling: DropScheduling;
}

export function systemChanges({ store, sync, mirror, scheduling }: SystemChangesDeps) {
  const { load, changed } = sync;
  return {
    /**
     * Runs a scheduled transition. It applies only if the drop still wants it at that time: a job left behind by a
     * patched `opensAt` finds another time in the drop and does nothing. Returns 'retry' when the drop cannot close
     * yet because its opening has not run.
     */
    async runScheduled(
      kind: 'open' | 'close',
      id: string,
      at: Date,
    ): Promise<'applied' | 'skipped' | 'retry'> {
      const drop = await store.get(id);
      if (!drop) return 'skipped';
      const due = kind === 'open' ? drop.opensAt : drop.closesAt;
      if (!due || due.getTime() !== at.getTime()) return 'skipped';
      if (kind === 'close' && drop.status === 'scheduled') return 'retry';
      const moved =
        kind === 'open'
          ? await store.transition(id, ['scheduled'], 'open', SCHEDULE_ACTOR)
          : await store.transition(id, ['open', 'sold_out'], 'closed', SCHEDULE_ACTOR);
      // Mirror even when another process moved it first: a crash after its commit must not leave Redis behind.
      if (moved) await changed(moved, true);
      else await mirror(await load(id));
      return moved ? 'applied' : 'skipped';
    },

    /** At worker start: mirror and schedule every drop that is not over, in case a process died mid-change. */
    async resumeAll(): Promise<number> {
      const live = await store.listLive();
      for (const drop of live) await changed(drop, drop.status !== 'scheduled');
      return live.length;
    },

    /** Writes the drop's current state to Redis again (after Redis lost its data). */
    async remirror(id: string): Promise<Drop> {
      const drop = await load(id);
      await mirror(drop);
      await scheduling.schedule(drop);
      return drop;
    },

    /** The highest sold-out / reopened sequence applied: a rebuilt Redis continues from it. */
    availabilitySeq: (dropId: string) => store.availabilitySeq(dropId),

    /** Applies the inventory's numbered sold-out / reopened events to the drop's status. */
    async applyAvailability(dropId: string, soldOut: boolean, seq: number): Promise<void> {
      const moved = await store.setAvailability(dropId, soldOut, seq, INVENTORY_ACTOR);
      if (moved) await changed(moved, true);
    },
  };
}
