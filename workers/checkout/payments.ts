/**
 * The payment provider: authorize a card for an amount, then capture or void that authorization. Every call carries
 * the payment's id as its idempotency key, so that a call repeated after a crash or a timeout acts once: the
 * provider answers a repeated authorize with its first answer, a repeated capture or void as done, and a void of a
 * key it never authorized as done (the authorize may have been lost on the way).
 */

/** A card as the buyer gave it (checked by the edge: Luhn, a month not past, 3–4 digit CVC); never logged. */
export interface Card {
  number: string;
  expMonth?: number;
  expYear?: number;
  cvc?: string;
}

/** What the provider needs to find an authorization again: its idempotency key (the payment's id). */
export interface PaymentRef {
  /** The payment's id: the idempotency key of every call about this authorization. */
  idempotencyKey: string;
  /** The reservation paid for (shown in the provider's records). */
  reference: string;
  amountCents: number;
}

export type AuthorizeResult = { approved: true } | { approved: false; reason: string };

export interface PaymentProvider {
  authorize(input: PaymentRef & { card: Card }): Promise<AuthorizeResult>;
  capture(payment: PaymentRef): Promise<void>;
  void(payment: PaymentRef): Promise<void>;
}

/** The card was declined: the hold stays held and nothing is left open. */
export class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
  readonly code = 'payment_declined';
}

/** Payments cannot be finished now (the event stream is down): nothing was recorded or authorized. */
export class PaymentsUnavailableError extends Error {
  override name = 'PaymentsUnavailableError';
  readonly code = 'unavailable';
}
