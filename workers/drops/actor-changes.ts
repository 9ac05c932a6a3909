/**
 * What brands and operators do to drops, with the contract's rules: who may change a drop (its lead brand or an
 * operator), which times are valid, which status allows which change. Every change is audited under the actor.
 */
import { randomUUID } from 'node:crypto';
import { checkBrandShares } from './brand-shares.js';
import type { AdmissionSettings, BrandShare, Drop, DropFields, DropStatus } from './drop.js';
import { mayChange, type Actor } from './drop-roles.js';
import type { DropSync } from './drop-sync.js';
import type { DropsStore } from './drops-store.js';
import { ConflictError, ForbiddenError, InvalidInputError, type FieldError } from './errors.js';

export type { Actor } from './drop-roles.js';

/** Who is acting, as written in the audit log. */
export const actorName = (actor: Actor) => `${actor.role}:${actor.id}`;

export type NewDrop = Omit<
  DropFields,
  | 'description'
  | 'fulfilment'
  | 'currency'
  | 'closesAt'
  | 'perUserLimit'
  | 'holdSeconds'
  | 'admissionPerMinute'
  | 'maxActive'
> &
  Partial<DropFields> & {
    brandId?: string;
    /** The drop's brands, the lead included; absent: the lead alone at 100. */
    brands?: BrandShare[];
  };

/** What a brand or an operator changes on a scheduled drop: its fields, and its brands (the full list). */
export type DropPatch = Partial<DropFields> & { brands?: BrandShare[] };

export const DROP_DEFAULTS = {
  description: '',
  fulfilment: 'shipped',
  currency: 'USD',
  closesAt: null,
  perUserLimit: 1,
  holdSeconds: 1800,
  admissionPerMinute: 600,
  maxActive: 500,
} as const satisfies Partial<DropFields>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ActorChangesDeps {
  store: DropsStore;
  sync: DropSync;
  brandExists: (id: string) => Promise<boolean>;
  clock: Pick<DateConstructor, 'now'>;
}

/** Rules across fields and against the clock; shape and ranges of each field are checked by the caller. */
function checkTimes(
  fields: Pick<DropFields, 'opensAt' | 'closesAt'>,
  opensAtGiven: boolean,
  now: number,
): void {
  const errors: FieldError[] = [];
  if (opensAtGiven && fields.opensAt.getTime() <= now) {
    errors.push({ field: 'opensAt', message: 'must be in the future' });
  }
  if (fields.closesAt && fields.closesAt.getTime() <= fields.opensAt.getTime()) {
    errors.push({ field: 'closesAt', message: 'must be after opensAt' });
  }
  if (errors.length > 0) throw new InvalidInputError(errors);
}

/** The brand a new drop belongs to: a brand's own, or the one an operator names. */
async function brandOf(
  actor: Actor,
  input: NewDrop,
  brandExists: (id: string) => Promise<boolean>,
): Promise<string> {
  if (actor.role === 'brand' && actor.brandId) return actor.brandId;
  if (actor.role !== 'operator') throw new ForbiddenError('only brands and operators create drops');
  if (!input.brandId)
    throw new InvalidInputError([{ field: 'brandId', message: 'required when an operator creates a drop' }]);
  if (!UUID.test(input.brandId) || !(await brandExists(input.brandId)))
    throw new InvalidInputError([{ field: 'brandId', message: 'no such brand' }]);
  return input.brandId.toLowerCase();
}

export function actorChanges({ store, sync, brandExists, clock }: ActorChangesDeps) {
  const { load, changed } = sync;

  async function loadManaged(actor: Actor, id: string): Promise<Drop> {
    const drop = await load(id);
    if (!mayChange(actor, drop)) {
      throw new ForbiddenError('only the drop’s lead brand or an operator may change it');
    }
    return drop;
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
    if (!moved) throw new ConflictError(`a ${(await load(id)).status} drop cannot be ${verb}`);
    return changed(moved, true);
  }

  return {
    async create(actor: Actor, input: NewDrop): Promise<Drop> {
      const brandId = await brandOf(actor, input, brandExists);
      const { brandId: _ignored, brands: named, ...fields } = input;
      const full: DropFields = { ...DROP_DEFAULTS, ...fields };
      checkTimes(full, true, clock.now());
      const brands = named === undefined ? [] : await checkBrandShares(named, brandId, brandExists);
      return changed(await store.insert({ id: randomUUID(), brandId, brands, ...full }));
    },

    async patch(actor: Actor, id: string, patch: DropPatch): Promise<Drop> {
      const { brands: named, ...fields } = patch;
      const drop = await loadManaged(actor, id);
      if (drop.status !== 'scheduled')
        throw new ConflictError(`a ${drop.status} drop can no longer be changed`);
      const closesAt = fields.closesAt !== undefined ? fields.closesAt : drop.closesAt;
      checkTimes(
        { opensAt: fields.opensAt ?? drop.opensAt, closesAt },
        fields.opensAt !== undefined,
        clock.now(),
      );
      const brands =
        named === undefined ? undefined : await checkBrandShares(named, drop.brandId, brandExists);
      const updated = await store.updateScheduled(
        id,
        fields,
        brands && { shares: brands, actor: actorName(actor) },
      );
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
      const live: DropStatus[] = ['scheduled', 'open', 'sold_out'];
      const updated = await store.updateAdmission(id, changes, live, actorName(actor));
      if (!updated) throw new ConflictError(`a ${(await load(id)).status} drop admits nobody any more`);
      return changed(updated);
    },
  };
}
