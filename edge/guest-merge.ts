/**
 * A guest who signs up or signs in keeps what it earned: its places in the waiting rooms, its live holds and its
 * orders become the account's.
 *
 * - Redis first, one script per drop (commands/guest-merge-11.lua: the waiting room's entry and the inventory's
 *   holds of one drop in one step, so an admission tick or an expiry never sees half a merge). The drops looked at
 *   are every drop scheduled, open or sold out and every drop of the guest's reservations (PostgreSQL), and the
 *   drops whose holds are swept or whose line is ticked (Redis): a drop where the guest has nothing costs a few
 *   reads and no write but a no-op ZREM.
 * - Then PostgreSQL, one transaction (workers/identity's guest merges): orders and payments move and the merge is
 *   recorded, so that the guest's events still on their way land on the account.
 *
 * Either step may be repeated: a merge interrupted between them is finished by the next sign-in with the guest's
 * session. A guest merges into one account: signing in to another one with it merges nothing.
 */
import type { Redis } from 'ioredis';
import { holdScriptKeys, type InventoryKeys } from '../inventory/index.js';
import type { QueueKeys } from '../queue/index.js';
import type { GuestMerges } from '../workers/identity/index.js';
import { HttpProblem } from './problems.js';
import { assertEdgeScripts, EdgeCode } from './scripts.js';

/** What a merge moved to the account, as sign-up and sign-in answer it (`merged`). */
export interface MergedJson {
  /** Waiting-room entries (a place, an admission) the guest had: kept as the account's, or given up for its better one. */
  places: number;
  /** Live holds now the account's, payable by it. */
  holds: number;
  /** Paid orders PostgreSQL moved to the account (a held one counts among `holds`). */
  orders: number;
}

/** A live hold that became the account's (to tell the account's connections). */
export interface MovedHold {
  dropId: string;
  reservationId: string;
  quantity: number;
  expiresAt: Date;
}

export interface GuestMergeDeps {
  redis: Redis;
  merges: GuestMerges;
  inventoryKeys: InventoryKeys;
  queueKeys: QueueKeys;
}

export type GuestMerge = ReturnType<typeof createGuestMerge>;

/** Drops merged at once: each is one script call, pipelined by ioredis. */
const BATCH = 100;

export function createGuestMerge({ redis, merges, inventoryKeys, queueKeys }: GuestMergeDeps) {
  assertEdgeScripts(redis);
  const activeKey = (dropId: string) => queueKeys.active(dropId);

  async function mergeDrop(dropId: string, guestId: string, accountId: string, reservations: string[]) {
    const reply = await redis.edgeGuestMerge(
      ...holdScriptKeys(inventoryKeys, activeKey, dropId),
      queueKeys.pre(dropId),
      queueKeys.wait(dropId),
      queueKeys.state(dropId),
      guestId,
      accountId,
      ...reservations,
    );
    if (reply === EdgeCode.MERGE_FENCED)
      throw new HttpProblem('unavailable', 'a drop is being restored; sign in again in a moment');
    const [code, entry, ...flat] = Array.isArray(reply) ? (reply as unknown[]) : [];
    if (code !== EdgeCode.OK) throw new Error(`edge guest-merge: unexpected reply ${JSON.stringify(reply)}`);
    const holds: MovedHold[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3)
      holds.push({
        dropId,
        reservationId: String(flat[i]),
        quantity: Number(flat[i + 1]),
        expiresAt: new Date(Number(flat[i + 2])),
      });
    return { places: Number(entry), holds };
  }

  return {
    /**
     * Merges the guest into the account: what moved, and the live holds among it (none when the guest was merged
     * into another account).
     */
    async merge(guestId: string, accountId: string): Promise<{ merged: MergedJson; holds: MovedHold[] }> {
      const merged: MergedJson = { places: 0, holds: 0, orders: 0 };
      const holds: MovedHold[] = [];
      if (guestId === accountId) return { merged, holds };
      const earlier = await merges.accountOf(guestId);
      if (earlier !== null && earlier !== accountId) return { merged, holds };
      const drops = await merges.dropsOf(guestId);
      const [swept, ticked] = await Promise.all([
        redis.smembers(inventoryKeys.live()),
        redis.smembers(queueKeys.live()),
      ]);
      for (const id of [...swept, ...ticked]) if (!drops.has(id)) drops.set(id, []);
      const all = [...drops];
      for (let i = 0; i < all.length; i += BATCH) {
        const done = await Promise.all(
          all.slice(i, i + BATCH).map(([dropId, ids]) => mergeDrop(dropId, guestId, accountId, ids)),
        );
        for (const d of done) {
          merged.places += d.places;
          holds.push(...d.holds);
        }
      }
      merged.holds = holds.length;
      const records = await merges.merge(guestId, accountId);
      merged.orders = records?.orders ?? 0;
      return { merged, holds };
    },
  };
}
