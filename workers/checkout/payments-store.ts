/**
 * Payments in PostgreSQL: one row per card authorization, written before the card is touched. States:
 * authorizing → authorized → captured | voided, or authorizing → declined. `ending` (capture or void) is decided
 * once, by a conditional update, before the provider is asked to carry it out: whoever decides, the pay request or
 * the settle job, the other carries out the same decision, and a reservation has at most one capture (a unique
 * index). Every write is conditional on the state it leaves, so repeating one changes nothing.
 */
import type { Sql } from 'postgres';

export type PaymentState = 'authorizing' | 'authorized' | 'captured' | 'voided' | 'declined';
export type PaymentEnding = 'capture' | 'void';

export interface Payment {
  id: string;
  reservationId: string;
  dropId: string;
  shopperId: string;
  amountCents: number;
  state: PaymentState;
  ending: PaymentEnding | null;
  createdAt: Date;
}

interface PaymentRow {
  id: string;
  reservation_id: string;
  drop_id: string;
  shopper_id: string;
  amount_cents: string;
  state: PaymentState;
  ending: PaymentEnding | null;
  created_at: Date;
}

const toPayment = (r: PaymentRow): Payment => ({
  id: r.id,
  reservationId: r.reservation_id,
  dropId: r.drop_id,
  shopperId: r.shopper_id,
  amountCents: Number(r.amount_cents),
  state: r.state,
  ending: r.ending,
  createdAt: r.created_at,
});

const UNIQUE_VIOLATION = '23505';

export function createPaymentsStore(sql: Sql) {
  async function endingOf(id: string): Promise<PaymentEnding | null> {
    const [row] = await sql<{ ending: PaymentEnding | null }[]>`SELECT ending FROM payments WHERE id = ${id}`;
    return row?.ending ?? null;
  }

  return {
    /** Records an authorization about to be asked for (state authorizing). */
    async begin(p: Omit<Payment, 'state' | 'ending' | 'createdAt'>): Promise<void> {
      await sql`
        INSERT INTO payments (id, reservation_id, drop_id, shopper_id, amount_cents, state)
        VALUES (${p.id}, ${p.reservationId}, ${p.dropId}, ${p.shopperId}, ${p.amountCents}, 'authorizing')
        ON CONFLICT (id) DO NOTHING`;
    },

    /** The provider answered authorize: authorized, or declined (which ends it). */
    async authorized(id: string, approved: boolean): Promise<void> {
      const state: PaymentState = approved ? 'authorized' : 'declined';
      await sql`
        UPDATE payments SET state = ${state}, updated_at = now() WHERE id = ${id} AND state = 'authorizing'`;
    },

    /**
     * Decides to capture this authorization, unless another of the reservation's was decided for capture or this one
     * for void. True when this one is (now or before) the one to capture.
     */
    async decideCapture(id: string, reservationId: string): Promise<boolean> {
      try {
        const rows = await sql`
          UPDATE payments SET ending = 'capture', updated_at = now()
          WHERE id = ${id} AND state = 'authorized' AND ending IS NULL
            AND NOT EXISTS (
              SELECT 1 FROM payments WHERE reservation_id = ${reservationId} AND ending = 'capture')
          RETURNING 1`;
        if (rows.length > 0) return true;
      } catch (error) {
        // Two deciders raced past NOT EXISTS: the unique index let the other one win.
        if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      }
      return (await endingOf(id)) === 'capture';
    },

    /** Decides to void this authorization unless it was decided for capture. True when it is to be voided. */
    async decideVoid(id: string): Promise<boolean> {
      const rows = await sql`
        UPDATE payments SET ending = 'void', updated_at = now()
        WHERE id = ${id} AND state IN ('authorizing', 'authorized') AND ending IS NULL
        RETURNING 1`;
      return rows.length > 0 || (await endingOf(id)) === 'void';
    },

    /** The provider carried out the decided ending. */
    async ended(id: string, ending: PaymentEnding): Promise<void> {
      const state: PaymentState = ending === 'capture' ? 'captured' : 'voided';
      await sql`
        UPDATE payments SET state = ${state}, updated_at = now()
        WHERE id = ${id} AND ending = ${ending} AND state IN ('authorizing', 'authorized')`;
    },

    /** Authorizations still open that were begun more than `graceMs` ago (PostgreSQL's clock), oldest first. */
    async open(graceMs: number, limit = 500): Promise<Payment[]> {
      const rows = await sql<PaymentRow[]>`
        SELECT * FROM payments
        WHERE state IN ('authorizing', 'authorized')
          AND created_at < now() - make_interval(secs => ${graceMs / 1000})
        ORDER BY created_at, id LIMIT ${limit}`;
      return rows.map(toPayment);
    },

    /** Every payment of a reservation, oldest first. */
    async ofReservation(reservationId: string): Promise<Payment[]> {
      const rows = await sql<PaymentRow[]>`
        SELECT * FROM payments WHERE reservation_id = ${reservationId} ORDER BY created_at, id`;
      return rows.map(toPayment);
    },
  };
}

export type PaymentsStore = ReturnType<typeof createPaymentsStore>;
