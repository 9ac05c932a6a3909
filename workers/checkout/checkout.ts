/**
 * Paying a hold: authorize the card, then one Redis script marks the hold paid if it is still held (exactly one of
 * pay and expiry wins), then the payment event is stored in JetStream, then the authorization is captured — or
 * voided when the hold had expired, was released or was paid by an earlier request, so nobody is charged for a hold
 * they did not get. The event's outbox entry goes once the event is stored (the relay would only repeat it). A
 * declined card leaves the hold as it was. The amount to authorize comes from the hold: from memory when this
 * process reserved it (then paying is one Redis round trip), else from one read.
 */
import type { Hold, Holds } from '../../inventory/index.js';
import type { PublishEvent } from '../events/index.js';
import { PaymentDeclinedError, type Card, type PaymentProvider } from './payments.js';

export interface CheckoutDeps {
  holds: Holds;
  provider: PaymentProvider;
  /** Stores the event in JetStream; resolves once it is durable. */
  publish: PublishEvent;
}

export interface PayRequest {
  reservationId: string;
  shopperId: string;
  card: Card;
  idempotencyKey?: string;
}

export function createCheckout({ holds, provider, publish }: CheckoutDeps) {
  return {
    async pay(req: PayRequest): Promise<{ orderId: string; status: 'paid'; hold: Hold }> {
      const request = { card: req.card.number };
      // A hold this process reserved is paid in one Redis round trip (the pay script); any other is read first.
      const current =
        holds.recent(req.reservationId, req.shopperId) ?? (await holds.get(req.reservationId, req.shopperId));
      if (current.status !== 'held') {
        // Paid, expired or released: the script gives the answer (the same one for a repeated Idempotency-Key),
        // and no card is touched.
        const outcome = await holds.pay(req.reservationId, req.shopperId, req.idempotencyKey, request);
        await publish(outcome.event);
        return { orderId: outcome.hold.id, status: 'paid', hold: outcome.hold };
      }
      const auth = await provider.authorize({
        card: req.card,
        amountCents: current.amountCents,
        reference: current.id,
      });
      if (!auth.approved) throw new PaymentDeclinedError(auth.reason);
      let outcome;
      try {
        outcome = await holds.pay(req.reservationId, req.shopperId, req.idempotencyKey, request);
      } catch (error) {
        await provider.void(auth.authorization);
        throw error;
      }
      if (!outcome.paidNow) {
        // A concurrent request with the same Idempotency-Key paid first: its authorization is the one captured.
        await provider.void(auth.authorization);
      }
      await publish(outcome.event);
      // Stored in JetStream: the relay need not publish it again. Should this fail, the relay does, deduplicated.
      if (outcome.outboxEntry)
        await holds.published(outcome.hold.dropId, outcome.outboxEntry).catch(() => undefined);
      if (outcome.paidNow) await provider.capture(auth.authorization);
      return { orderId: outcome.hold.id, status: 'paid', hold: outcome.hold };
    },
  };
}

export type Checkout = ReturnType<typeof createCheckout>;
