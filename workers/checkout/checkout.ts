/**
 * Paying a hold, as a state machine that always ends (the payments table: authorizing → authorized → captured |
 * voided, or declined). In order, and how each gap between two steps ends:
 *
 * 0. The event stream is down (`eventsReady` false): 503 unavailable, before anything is recorded or authorized.
 * 1. Read the hold. Not held: no card is touched. Paid, and this shopper asks without a key (a retry after a lost
 *    answer, or a concurrent pay that lost): its payment.completed is stored again (same id, deduplicated) and the
 *    answer is the order. Otherwise the pay script gives the answer (expired, released, a repeated or reused key).
 * 2. Record the payment (authorizing), its id the provider's idempotency key. Crash before authorize answers: the
 *    row stays authorizing; the settle job voids it by its key once the hold is no longer held or is overdue.
 * 3. Authorize. Declined: the row ends declined. Error or timeout: void by the key now, else the settle job does.
 * 4. Record authorized. Crash before the pay script: the hold is still held; the settle job voids the
 *    authorization once the hold expires (or captures it if another pay of the same hold is the sale).
 * 5. The pay script marks the hold paid (exactly one of pay and expiry wins). It refuses or fails: void now (or the
 *    settle job, the hold not being paid by this payment); a paid hold without a key answers as in step 1.
 * 6. Paid now: decide capture for this payment in PostgreSQL (at most one per reservation); a repeated key, or
 *    another payment already decided: decide void and void now. Crash between 5 and 6: the hold is paid but no
 *    payment is decided; the settle job decides capture for the earliest authorized one once the order is paid in
 *    PostgreSQL, and voids the rest.
 * 7. Store payment.completed in JetStream, then drop its outbox entry. Publish fails: the pay answers 500, the outbox
 *    relay stores the event, the projector writes the order paid, and the settle job carries out the capture.
 * 8. Capture, record captured. Crash or failure here: the decided capture is carried out by the settle job once the
 *    order is paid in PostgreSQL; a retry of the pay already answers the order.
 *
 * Without a payments store (Redis-only use) nothing is recorded, nothing is settled later, and a paid hold asked
 * again without a key is 409 conflict, as the pay script answers.
 */
import { randomUUID } from 'node:crypto';
import {
  ReservationConflictError,
  type Hold,
  type Holds,
  type InventoryEvent,
  type PayOutcome,
} from '../../inventory/index.js';
import type { PublishEvent } from '../events/index.js';
import {
  PaymentDeclinedError,
  PaymentsUnavailableError,
  type Card,
  type PaymentProvider,
  type PaymentRef,
} from './payments.js';
import type { PaymentEnding, PaymentsStore } from './payments-store.js';

export interface CheckoutDeps {
  holds: Holds;
  provider: PaymentProvider;
  /** Stores the event in JetStream; resolves once it is durable. */
  publish: PublishEvent;
  /** Where every authorization is recorded before the card is touched; see the header for what it changes. */
  payments?: PaymentsStore;
  /** False while the event stream is unreachable: pay then refuses at once, changing nothing. */
  eventsReady?: () => boolean;
  /** New payment ids (the provider's idempotency keys). */
  newPaymentId?: () => string;
}

export interface PayRequest {
  reservationId: string;
  shopperId: string;
  card: Card;
  idempotencyKey?: string;
}

export interface PayResult {
  orderId: string;
  status: 'paid';
  hold: Hold;
}

/** The payment.completed event of a paid hold, as the pay script wrote it (same id: stored once). */
function paymentCompleted(h: Hold): InventoryEvent {
  const paidAt = (h.paidAt ?? h.expiresAt).getTime();
  return {
    v: 1,
    id: `${h.id}:payment.completed`,
    type: 'payment.completed',
    at: paidAt,
    dropId: h.dropId,
    reservationId: h.id,
    shopperId: h.shopperId,
    guest: h.guest,
    quantity: h.quantity,
    amountCents: h.amountCents,
    createdAt: h.createdAt.getTime(),
    expiresAt: h.expiresAt.getTime(),
    paidAt,
  };
}

export function createCheckout(deps: CheckoutDeps) {
  const { holds, provider, publish, payments, eventsReady, newPaymentId = randomUUID } = deps;

  /** Carries out an ending; a void is decided first, and skipped when the payment was decided for capture. */
  async function end(p: PaymentRef, ending: PaymentEnding): Promise<void> {
    if (payments && ending === 'void' && !(await payments.decideVoid(p.idempotencyKey))) return;
    await (ending === 'capture' ? provider.capture(p) : provider.void(p));
    await payments?.ended(p.idempotencyKey, ending);
  }

  /** Best effort: what fails here is left to the settle job (the row stays open). */
  const endNow = (p: PaymentRef, ending: PaymentEnding) => end(p, ending).catch(() => undefined);

  async function answerPaid(hold: Hold): Promise<PayResult> {
    await publish(paymentCompleted(hold));
    return { orderId: hold.id, status: 'paid', hold };
  }

  /** Steps 1 and 5: a paid hold asked again without a key answers the order (with a store). */
  const answersOrder = (req: PayRequest) => payments !== undefined && req.idempotencyKey === undefined;

  async function payScript(req: PayRequest): Promise<PayOutcome> {
    return holds.pay(req.reservationId, req.shopperId, req.idempotencyKey, { card: req.card.number });
  }

  async function withoutCard(req: PayRequest, current: Hold): Promise<PayResult> {
    if (current.status === 'paid' && answersOrder(req)) return answerPaid(current);
    const outcome = await payScript(req);
    await publish(outcome.event);
    return { orderId: outcome.hold.id, status: 'paid', hold: outcome.hold };
  }

  async function authorize(p: PaymentRef, card: Card): Promise<void> {
    let result;
    try {
      result = await provider.authorize({ ...p, card });
    } catch (error) {
      await endNow(p, 'void');
      throw error;
    }
    await payments?.authorized(p.idempotencyKey, result.approved);
    if (!result.approved) throw new PaymentDeclinedError(result.reason);
  }

  /** Steps 5 and 6: the pay script, then the decision. */
  async function payHold(
    req: PayRequest,
    p: PaymentRef,
  ): Promise<PayResult | { outcome: PayOutcome; capture: boolean }> {
    let outcome;
    try {
      outcome = await payScript(req);
    } catch (error) {
      await endNow(p, 'void');
      if (error instanceof ReservationConflictError && answersOrder(req)) {
        const now = await holds.get(req.reservationId, req.shopperId);
        if (now.status === 'paid') return answerPaid(now);
      }
      throw error;
    }
    const capture =
      outcome.paidNow &&
      (payments ? await payments.decideCapture(p.idempotencyKey, req.reservationId) : true);
    if (!capture) await end(p, 'void');
    return { outcome, capture };
  }

  return {
    async pay(req: PayRequest): Promise<PayResult> {
      if (eventsReady && !eventsReady()) {
        throw new PaymentsUnavailableError('payments are unavailable for a moment: try again shortly');
      }
      // With a payments store, always read the hold: a retry must never authorize a card for a paid hold.
      const current =
        (payments ? undefined : holds.recent(req.reservationId, req.shopperId)) ??
        (await holds.get(req.reservationId, req.shopperId));
      if (current.status !== 'held') return withoutCard(req, current);
      const p: PaymentRef = {
        idempotencyKey: newPaymentId(),
        reference: current.id,
        amountCents: current.amountCents,
      };
      await payments?.begin({
        id: p.idempotencyKey,
        reservationId: current.id,
        dropId: current.dropId,
        shopperId: current.shopperId,
        amountCents: current.amountCents,
      });
      await authorize(p, req.card);
      const paid = await payHold(req, p);
      if (!('outcome' in paid)) return paid;
      const { outcome, capture } = paid;
      await publish(outcome.event);
      // Stored in JetStream: the relay need not publish it again. Should this fail, the relay does, deduplicated.
      if (outcome.outboxEntry)
        await holds.published(outcome.hold.dropId, outcome.outboxEntry).catch(() => undefined);
      if (capture) await end(p, 'capture');
      return { orderId: outcome.hold.id, status: 'paid', hold: outcome.hold };
    },
  };
}

export type Checkout = ReturnType<typeof createCheckout>;
