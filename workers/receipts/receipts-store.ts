/**
 * The receipt mail's record in PostgreSQL (order_details): claimed before it is sent, recorded as sent after. A
 * claim is a lease: a sender that crashed mid-send leaves it to run out (CLAIM_LEASE_SECONDS), and a redelivery
 * then sends it. Once sent, no claim succeeds again, so a retry or a redelivery sends nothing twice.
 */
import type { Sql } from 'postgres';

export const CLAIM_LEASE_SECONDS = 120;

export interface ReceiptAddress {
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  region?: string;
  country: string;
}

/** What a receipt shows besides the event's quantity, amount and time. */
export interface ReceiptDetails {
  number: string;
  title: string;
  brandName: string;
  currency: string;
  buyer: { name: string; email: string; address: ReceiptAddress | null };
}

/** Why a claim did not give the receipt to send. */
export type ClaimRefusal = 'sent' | 'claimed' | 'unknown';

interface ClaimRow {
  number: string;
  title: string;
  brand_name: string;
  currency: string;
  buyer_name: string;
  buyer_email: string;
  shipping_address: ReceiptAddress | null;
}

export function createReceiptsStore(sql: Sql) {
  return {
    /** Claims the receipt of a paid reservation: its details, or why it is not this sender's to send. */
    async claim(reservationId: string, dropId: string): Promise<ReceiptDetails | ClaimRefusal> {
      const [row] = await sql<ClaimRow[]>`
        UPDATE order_details od SET receipt_claimed_at = now()
        FROM (SELECT dr.title, dr.currency, b.name AS brand_name
              FROM drops dr JOIN brands b ON b.id = dr.brand_id WHERE dr.id = ${dropId}) d
        WHERE od.reservation_id = ${reservationId} AND od.receipt_sent_at IS NULL
          AND (od.receipt_claimed_at IS NULL
               OR od.receipt_claimed_at < now() - make_interval(secs => ${CLAIM_LEASE_SECONDS}))
        RETURNING od.number, d.title, d.brand_name, d.currency, od.buyer_name, od.buyer_email, od.shipping_address`;
      if (row) {
        return {
          number: row.number,
          title: row.title,
          brandName: row.brand_name,
          currency: row.currency,
          buyer: { name: row.buyer_name, email: row.buyer_email, address: row.shipping_address },
        };
      }
      const [state] = await sql<{ sent: boolean }[]>`
        SELECT receipt_sent_at IS NOT NULL AS sent FROM order_details WHERE reservation_id = ${reservationId}`;
      return state ? (state.sent ? 'sent' : 'claimed') : 'unknown';
    },

    /** Records the receipt as sent: no claim succeeds after this. */
    async sent(reservationId: string): Promise<void> {
      await sql`
        UPDATE order_details SET receipt_sent_at = now(), receipt_claimed_at = NULL
        WHERE reservation_id = ${reservationId} AND receipt_sent_at IS NULL`;
    },

    /** Gives the claim back after a failed send, so that the next delivery tries again at once. */
    async release(reservationId: string): Promise<void> {
      await sql`
        UPDATE order_details SET receipt_claimed_at = NULL
        WHERE reservation_id = ${reservationId} AND receipt_sent_at IS NULL`;
    },
  };
}

export type ReceiptsStore = ReturnType<typeof createReceiptsStore>;
