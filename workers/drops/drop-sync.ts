/**
 * Every path that changes a drop ends in `changed()`, so none forgets a place that reads the drop: PostgreSQL is
 * written first (the record of truth), then the drop is mirrored into Redis, its opening and closing are
 * (re)scheduled, and a status change is published.
 */
import type { Drop, DropStatus } from './drop.js';
import type { DropsStore } from './drops-store.js';
import { NotFoundError } from './errors.js';

/** A drop's status change, as published to JetStream (message id `<dropId>:status:<version>`). */
export interface DropStatusEvent {
  v: 1;
  id: string;
  type: 'drop.opened' | 'drop.sold_out' | 'drop.reopened' | 'drop.closed' | 'drop.cancelled';
  at: number;
  dropId: string;
  status: DropStatus;
  version: number;
}

const STATUS_EVENT: Record<DropStatus, DropStatusEvent['type'] | null> = {
  scheduled: null,
  open: 'drop.opened',
  sold_out: 'drop.sold_out',
  closed: 'drop.closed',
  cancelled: 'drop.cancelled',
};

export interface DropScheduling {
  /** Makes sure the drop's due transitions (open at opensAt, close at closesAt) will run; idempotent. */
  schedule(drop: Drop): Promise<void>;
}

export interface DropSyncDeps {
  store: DropsStore;
  /** Writes the drop's current state to Redis. */
  mirror: (drop: Drop) => Promise<void>;
  scheduling: DropScheduling;
  /** Publishes a status change durably; published again after a restart (resumeAll), deduplicated by its id. */
  publishStatus?: (event: DropStatusEvent) => Promise<void>;
  clock: Pick<DateConstructor, 'now'>;
}

export interface DropSync {
  /** The drop, or NotFoundError. */
  load: (id: string) => Promise<Drop>;
  /** Mirrors and schedules the drop as PostgreSQL now has it; with `statusChanged`, publishes its new status. */
  changed: (drop: Drop, statusChanged?: boolean) => Promise<Drop>;
}

export function createDropSync({ store, mirror, scheduling, publishStatus, clock }: DropSyncDeps): DropSync {
  return {
    async load(id) {
      const drop = await store.get(id);
      if (!drop) throw new NotFoundError('drop');
      return drop;
    },
    async changed(drop, statusChanged = false) {
      await mirror(drop);
      await scheduling.schedule(drop);
      const type = STATUS_EVENT[drop.status];
      if (statusChanged && type && publishStatus) {
        await publishStatus({
          v: 1,
          id: `${drop.id}:status:${drop.version}`,
          type,
          at: clock.now(),
          dropId: drop.id,
          status: drop.status,
          version: drop.version,
        });
      }
      return drop;
    },
  };
}
