/**
 * The drop service: creating, changing and moving drops through their statuses, with the rules of the contract.
 * PostgreSQL is written first (the record of truth), then the drop is mirrored into Redis and its opening and
 * closing are (re)scheduled. Every path that changes a drop ends in `changed()`, so none forgets the mirror.
 */
import { randomUUID } from 'node:crypto';
import type { AdmissionSettings, Drop, DropFields, DropStatus, DropsStore, ListPage } from './drops-store.js';
import {
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  type FieldError,
} from './errors.js';
import type { Role } from './users-store.js';

export interface Actor {
  id: string;
  role: Role;
  brandId: string | null;
}

export interface Clock {
  now(): number;
}

export interface DropScheduling {
  /** Makes sure the drop's due transitions (open at opensAt, close at closesAt) will run; idempotent. */
  schedule(drop: Drop): Promise<void>;
}

export type NewDrop = Omit<
  DropFields,
  | 'description'
  | 'currency'
  | 'closesAt'
  | 'perUserLimit'
  | 'holdSeconds'
  | 'admissionPerMinute'
  | 'maxActive'
> &
  Partial<DropFields> & { brandId?: string };

export const DROP_DEFAULTS = {
  description: '',
  currency: 'USD',
  closesAt: null,
  perUserLimit: 1,
  holdSeconds: 1800,
  admissionPerMinute: 600,
  maxActive: 500,
} as const satisfies Partial<DropFields>;

/** Who is acting, as written in the audit log. */
export const actorName = (actor: Actor) => `${actor.role}:${actor.id}`;
const SCHEDULE_ACTOR = 'system:schedule';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

export interface DropsServiceDeps {
  store: DropsStore;
  /** Publishes a status change durably; published again after a restart (resumeAll), deduplicated by its id. */
  publishStatus?: (event: DropStatusEvent) => Promise<void>;
  brandExists: (id: string) => Promise<boolean>;
  /** Writes the drop's current state to Redis. */
  mirror: (drop: Drop) => Promise<void>;
  scheduling: DropScheduling;
  clock: Clock;
}

export type DropsService = ReturnType<typeof createDropsService>;

export function createDropsService({
  store,
  brandExists,
  mirror,
  scheduling,
  clock,
  publishStatus,
}: DropsServiceDeps) {
  async function changed(drop: Drop, statusChanged = false): Promise<Drop> {
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
  }

  async function load(id: string): Promise<Drop> {
    const drop = await store.get(id);
    if (!drop) throw new NotFoundError('drop');
    return drop;
  }

  async function loadManaged(actor: Actor, id: string): Promise<Drop> {
    const drop = await load(id);
    if (actor.role !== 'operator' && !(actor.role === 'brand' && actor.brandId === drop.brandId)) {
      throw new ForbiddenError('only the drop’s brand or an operator may change it');
    }
    return drop;
  }

  /** Rules across fields and against the clock; shape and ranges of each field are checked by the caller. */
  function checkTimes(fields: Pick<DropFields, 'opensAt' | 'closesAt'>, opensAtGiven: boolean): void {
    const errors: FieldError[] = [];
    if (opensAtGiven && fields.opensAt.getTime() <= clock.now()) {
      errors.push({ field: 'opensAt', message: 'must be in the future' });
    }
    if (fields.closesAt && fields.closesAt.getTime() <= fields.opensAt.getTime()) {
      errors.push({ field: 'closesAt', message: 'must be after opensAt' });
    }
    if (errors.length > 0) throw new InvalidInputError(errors);
  }

  async function transition(
    actor: Actor,
    id: string,
    from: readonly DropStatus[],
    to: DropStatus,
    verb: string,
  ) {
    const drop = await loadManaged(actor, id);
    const moved = await store.transition(drop.id, from, to, actorName(actor));
    if (!moved) {
      const now = await load(id);
      throw new ConflictError(`a ${now.status} drop cannot be ${verb}`);
    }
    return changed(moved, true);
  }

  return {
    get: load,

    list: (page: ListPage) => store.list(page),

    /** Drops that are scheduled, open or sold out. */
    listLive: () => store.listLive(),

    async create(actor: Actor, input: NewDrop): Promise<Drop> {
      let brandId: string;
      if (actor.role === 'brand' && actor.brandId) {
        brandId = actor.brandId;
      } else if (actor.role === 'operator') {
        if (!input.brandId)
          throw new InvalidInputError([
            { field: 'brandId', message: 'required when an operator creates a drop' },
          ]);
        if (!UUID.test(input.brandId) || !(await brandExists(input.brandId)))
          throw new InvalidInputError([{ field: 'brandId', message: 'no such brand' }]);
        brandId = input.brandId;
      } else {
        throw new ForbiddenError('only brands and operators create drops');
      }
      const { brandId: _ignored, ...fields } = input;
      const full: DropFields = { ...DROP_DEFAULTS, ...fields };
      checkTimes(full, true);
      return changed(await store.insert({ id: randomUUID(), brandId, ...full }));
    },

    async patch(actor: Actor, id: string, fields: Partial<DropFields>): Promise<Drop> {
      const drop = await loadManaged(actor, id);
      if (drop.status !== 'scheduled')
        throw new ConflictError(`a ${drop.status} drop can no longer be changed`);
      checkTimes(
        {
          opensAt: fields.opensAt ?? drop.opensAt,
          closesAt: fields.closesAt !== undefined ? fields.closesAt : drop.closesAt,
        },
        fields.opensAt !== undefined,
      );
      const updated = await store.updateScheduled(id, fields);
      if (!updated) throw new ConflictError('the drop opened while it was being changed');
      return changed(updated);
    },

    open: (actor: Actor, id: string) => transition(actor, id, ['scheduled'], 'open', 'opened'),
    close: (actor: Actor, id: string) => transition(actor, id, ['open', 'sold_out'], 'closed', 'closed'),
    cancel: (actor: Actor, id: string) => transition(actor, id, ['scheduled'], 'cancelled', 'cancelled'),

    /** Operators only: tunes admission while the drop is scheduled, open or sold out; every change is audited. */
    async setAdmission(actor: Actor, id: string, changes: Partial<AdmissionSettings>): Promise<Drop> {
      if (actor.role !== 'operator') throw new ForbiddenError('only operators tune admission');
      await load(id);
      const updated = await store.updateAdmission(
        id,
        changes,
        ['scheduled', 'open', 'sold_out'],
        actorName(actor),
      );
      if (!updated) throw new ConflictError(`a ${(await load(id)).status} drop admits nobody any more`);
      return changed(updated);
    },

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

    /** Applies the inventory's numbered sold-out / reopened events to the drop's status. */
    async applyAvailability(dropId: string, soldOut: boolean, seq: number): Promise<void> {
      const moved = await store.setAvailability(dropId, soldOut, seq, 'system:inventory');
      if (moved) await changed(moved, true);
    },

    audit: (dropId: string, limit: number, beforeId?: number) => store.audit(dropId, limit, beforeId),
  };
}
