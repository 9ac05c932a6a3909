/**
 * A guest who signs up or signs in keeps what it earned: in PostgreSQL, its orders (reservations) and payments move
 * to the account in one transaction, and the merge is recorded (guest_merges), so that an event of the guest still
 * on its way is applied to the account (workers/orders' projector reads the record). A guest merges into one
 * account: signing in to another with the same guest session merges nothing. Repeating a merge moves only what
 * arrived since (nothing, usually).
 *
 * Concurrency with the projector: both lock the guest's users row (here FOR UPDATE, there FOR SHARE, and an order's
 * foreign key takes a share lock too) before touching its orders, so an order the projector writes for the guest is
 * either committed before the merge moves it, or written after the merge with the account's id.
 */
import type { Sql } from 'postgres';

export interface GuestMergeRecords {
  /** Reservations (rows of orders, any status) that were the guest's and are now the account's. */
  reservations: number;
  /** Of those, the paid ones: the guest's orders. */
  orders: number;
  /** Payments records moved along. */
  payments: number;
}

export interface GuestMerges {
  /** The account a guest was merged into, or null. */
  accountOf(guestId: string): Promise<string | null>;
  /**
   * The drops where the guest may have a place or a hold, each with the guest's reservations on it that PostgreSQL
   * knows: every drop that is scheduled, open or sold out, and every drop of the guest's reservations.
   */
  dropsOf(guestId: string): Promise<Map<string, string[]>>;
  /**
   * Moves the guest's orders and payments to the account and records the merge; null (nothing moved) when the guest
   * was merged into another account before.
   */
  merge(guestId: string, accountId: string): Promise<GuestMergeRecords | null>;
}

export function createGuestMerges(sql: Sql): GuestMerges {
  return {
    async accountOf(guestId) {
      const [row] = await sql<{ account_id: string }[]>`
        SELECT account_id FROM guest_merges WHERE guest_id = ${guestId}`;
      return row?.account_id ?? null;
    },

    async dropsOf(guestId) {
      const rows = await sql<{ drop_id: string; ids: string[] }[]>`
        SELECT drop_id, array_agg(id ORDER BY created_at, id) AS ids FROM orders WHERE user_id = ${guestId}
        GROUP BY drop_id
        UNION ALL
        SELECT id, '{}' FROM drops WHERE status IN ('scheduled', 'open', 'sold_out')`;
      const byDrop = new Map<string, string[]>();
      for (const r of rows) byDrop.set(r.drop_id, [...(byDrop.get(r.drop_id) ?? []), ...r.ids]);
      return byDrop;
    },

    merge(guestId, accountId) {
      return sql.begin(async (tx) => {
        // The guest is recorded by its first event; one that had none yet is recorded here, so it can be locked.
        await tx`INSERT INTO users (id, role, guest) VALUES (${guestId}, 'shopper', true) ON CONFLICT (id) DO NOTHING`;
        const [guest] = await tx<{ guest: boolean }[]>`
          SELECT guest FROM users WHERE id = ${guestId} FOR UPDATE`;
        if (!guest?.guest) return null;
        await tx`
          INSERT INTO guest_merges (guest_id, account_id) VALUES (${guestId}, ${accountId})
          ON CONFLICT (guest_id) DO NOTHING`;
        const [merged] = await tx<{ account_id: string }[]>`
          SELECT account_id FROM guest_merges WHERE guest_id = ${guestId}`;
        if (merged?.account_id !== accountId) return null;
        const moved = await tx<{ status: string }[]>`
          UPDATE orders SET user_id = ${accountId} WHERE user_id = ${guestId} RETURNING status`;
        const payments = await tx`
          UPDATE payments SET shopper_id = ${accountId} WHERE shopper_id = ${guestId}`;
        return {
          reservations: moved.length,
          orders: moved.filter((r) => r.status === 'paid').length,
          payments: payments.count,
        };
      });
    },
  };
}
