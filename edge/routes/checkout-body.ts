/**
 * The body of `POST /api/reservations/:id/pay`: the card and the buyer. Everything is checked here, before anything
 * changes or any card is touched; a problem answers 400 naming the field (`card.cvc`, `buyer.address.country`).
 */
import { z } from 'zod';
import type { Fulfilment } from '../../workers/drops/index.js';
import type { Buyer, Card } from '../../workers/checkout/index.js';
import { lineText } from '../input-rules.js';
import type { FieldError } from '../problems.js';

/** Whether the digits pass the Luhn check every card number carries. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const cardNumber = z
  .string()
  .max(40)
  .transform((v) => v.replace(/[\s-]/g, ''))
  .pipe(
    z
      .string()
      .regex(/^\d{12,19}$/, 'must be a card number of 12 to 19 digits')
      .refine(luhn, 'is not a valid card number (check the digits)'),
  );

const card = z.strictObject({
  number: cardNumber,
  expMonth: z.number().int('must be a month from 1 to 12').min(1).max(12),
  // Two digits (as printed on the card) are taken as 20YY.
  expYear: z
    .number()
    .int('must be a year')
    .min(0)
    .max(2100)
    .transform((y) => (y < 100 ? 2000 + y : y))
    .pipe(z.number().min(2000, 'must be a year such as 2030')),
  cvc: z.string().regex(/^\d{3,4}$/, 'must be the 3 or 4 digits on the card'),
});

const address = z.strictObject({
  line1: lineText(200),
  line2: lineText(200).optional(),
  city: lineText(100),
  postalCode: lineText(20),
  region: lineText(100).optional(),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'must be a two-letter country code, e.g. DE')
    .transform((c) => c.toUpperCase()),
});

export const payBody = z.strictObject({
  card,
  buyer: z.strictObject({
    name: lineText(200),
    email: z.email('must be an email address').max(320).optional(),
    address: address.optional(),
  }),
});

export type PayBody = z.output<typeof payBody>;

/**
 * The checks that need more than the body: a card not past its month (`now`, UTC), an email for a guest (a
 * registered shopper's defaults to the account's), an address when the drop ships. The card and buyer to pay with,
 * or the fields at fault.
 */
export function checkout(
  body: PayBody,
  { now, accountEmail, fulfilment }: { now: Date; accountEmail: string | null; fulfilment: Fulfilment },
): { card: Card; buyer: Buyer } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const { expMonth, expYear } = body.card;
  if (expYear * 12 + expMonth < now.getUTCFullYear() * 12 + now.getUTCMonth() + 1)
    errors.push({ field: 'card.expYear', message: 'the card has expired (its month is past)' });
  const email = body.buyer.email ?? accountEmail;
  if (!email) errors.push({ field: 'buyer.email', message: 'required: where the receipt is sent' });
  if (fulfilment === 'shipped' && !body.buyer.address)
    errors.push({ field: 'buyer.address', message: 'required: this drop ships to the buyer' });
  if (errors.length > 0 || !email) return { errors };
  return {
    card: body.card,
    buyer: {
      name: body.buyer.name,
      email: email.toLowerCase(),
      ...(fulfilment === 'shipped' && body.buyer.address ? { address: body.buyer.address } : {}),
    },
  };
}
