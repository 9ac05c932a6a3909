/**
 * What a checkout records beside its payments (table order_details): the order's short number, shown to people,
 * and the buyer's details. Written before the card is touched, so an order that is paid always has them; never
 * logged. The number is drawn at random from 32^8 (about 10^12) and kept unique by PostgreSQL: a clash draws again.
 */
import { randomInt } from 'node:crypto';
import type { Sql } from 'postgres';

export interface ShippingAddress {
  line1: string;
  line2?: string | undefined;
  city: string;
  postalCode: string;
  region?: string | undefined;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
}

export interface Buyer {
  name: string;
  email: string;
  /** Present when the drop ships. */
  address?: ShippingAddress | undefined;
}

/** Crockford's base32: no I, L, O or U, so a number read aloud or copied by hand is not mistaken. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const ORDER_NUMBER = /^DL-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/** A new order number, `DL-XXXX-XXXX`. */
export function newOrderNumber(): string {
  const part = () => Array.from({ length: 4 }, () => CROCKFORD[randomInt(32)]).join('');
  return `DL-${part()}-${part()}`;
}

const UNIQUE_VIOLATION = '23505';
const NUMBER_TRIES = 5;

export function createOrderDetailsStore(sql: Sql, drawNumber: () => string = newOrderNumber) {
  return {
    /**
     * Records the buyer of a reservation's checkout; the reservation keeps the number it was first given. Returns
     * the order number.
     */
    async record(reservationId: string, buyer: Buyer): Promise<string> {
      const a = buyer.address;
      const address = a
        ? sql.json({
            line1: a.line1,
            ...(a.line2 ? { line2: a.line2 } : {}),
            city: a.city,
            postalCode: a.postalCode,
            ...(a.region ? { region: a.region } : {}),
            country: a.country,
          })
        : null;
      for (let attempt = 1; ; attempt++) {
        try {
          const [row] = await sql<{ number: string }[]>`
            INSERT INTO order_details (reservation_id, number, buyer_name, buyer_email, shipping_address)
            VALUES (${reservationId}, ${drawNumber()}, ${buyer.name}, ${buyer.email}, ${address})
            ON CONFLICT (reservation_id) DO UPDATE
              SET buyer_name = excluded.buyer_name, buyer_email = excluded.buyer_email,
                  shipping_address = excluded.shipping_address, updated_at = now()
            RETURNING number`;
          return row!.number;
        } catch (error) {
          // Another reservation drew the same number: draw again.
          const clash =
            (error as { code?: string; constraint_name?: string }).code === UNIQUE_VIOLATION &&
            (error as { constraint_name?: string }).constraint_name === 'order_details_number_key';
          if (!clash || attempt >= NUMBER_TRIES) throw error;
        }
      }
    },
  };
}

export type OrderDetailsStore = ReturnType<typeof createOrderDetailsStore>;
