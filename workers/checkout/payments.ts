/**
 * The payment provider: authorize a card for an amount, then capture or void that authorization. The test provider
 * below stands in for a real one in development and tests: a card number ending 4242 is authorized, one ending
 * 0002 is declined, anything else is declined as not a test card. It remembers what it captured and voided.
 */
import { randomUUID } from 'node:crypto';

export interface Card {
  number: string;
}

export interface Authorization {
  id: string;
  amountCents: number;
  reference: string;
}

export type AuthorizeResult =
  { approved: true; authorization: Authorization } | { approved: false; reason: string };

export interface PaymentProvider {
  authorize(input: { card: Card; amountCents: number; reference: string }): Promise<AuthorizeResult>;
  capture(authorization: Authorization): Promise<void>;
  void(authorization: Authorization): Promise<void>;
}

export class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
  readonly code = 'payment_declined';
}

export interface TestPaymentProvider extends PaymentProvider {
  /** References (reservation ids) whose authorization was captured / voided, in order. */
  captured: string[];
  voided: string[];
}

export function createTestPaymentProvider(): TestPaymentProvider {
  const captured: string[] = [];
  const voided: string[] = [];
  return {
    captured,
    voided,
    authorize({ card, amountCents, reference }) {
      const digits = card.number.replace(/[\s-]/g, '');
      if (digits.endsWith('4242')) {
        return Promise.resolve({
          approved: true,
          authorization: { id: randomUUID(), amountCents, reference },
        });
      }
      const reason = digits.endsWith('0002')
        ? 'the card was declined'
        : 'not a test card: use a number ending 4242 (approved) or 0002 (declined)';
      return Promise.resolve({ approved: false, reason });
    },
    capture(authorization) {
      captured.push(authorization.reference);
      return Promise.resolve();
    },
    void(authorization) {
      voided.push(authorization.reference);
      return Promise.resolve();
    },
  };
}
