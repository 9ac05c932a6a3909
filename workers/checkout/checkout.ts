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
 * The buyer's details (and the order's number) are recorded in PostgreSQL with step 2, before the card is touched,
 * and again once this payment is decided for capture (step 6), so that the sale's details stand.
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
import type { Buyer, OrderDetailsStore } from './order-details.js';
import type { PaymentEnding, PaymentsStore } from './payments-store.js';

export interface CheckoutDeps {
  holds: Holds;
  provider: PaymentProvider;
  /** Stores the event in JetStream; resolves once it is durable. */
  publish: PublishEvent;
  /** Where every authorization is recorded before the card is touched; see the header for what it changes. */
  payments?: PaymentsStore;
  /** Where the buyer's details and the order's number are recorded (with the payments store). */
  details?: OrderDetailsStore;
  /** False while the event stream is unreachable: pay then refuses at once, changing nothing. */
  eventsReady?: () => boolean;
  /** New payment ids (the provider's idempotency keys). */
  newPaymentId?: () => string;
}

export interface PayRequest {
  reservationId: string;
  shopperId: string;
  card: Card;
  /** The buyer's details, recorded with the order; the edge requires them. */
  buyer?: Buyer;
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

/** Carries out an ending; a void is decided first, and skipped when the payment was decided for capture. */
async function end(deps: CheckoutDeps, p: PaymentRef, ending: PaymentEnding): Promise<void> {
  const { provider, payments } = deps;
  if (payments && ending === 'void' && !(await payments.decideVoid(p.idempotencyKey))) return;
  await (ending === 'capture' ? provider.capture(p) : provider.void(p));
  await payments?.ended(p.idempotencyKey, ending);
}

/** Best effort: what fails here is left to the settle job (the row stays open). */
const endNow = (deps: CheckoutDeps, p: PaymentRef, ending: PaymentEnding) =>
  end(deps, p, ending).catch(() => undefined);

async function answerPaid(deps: CheckoutDeps, hold: Hold): Promise<PayResult> {
  await deps.publish(paymentCompleted(hold));
  return { orderId: hold.id, status: 'paid', hold };
}

/** Steps 1 and 5: a paid hold asked again without a key answers the order (with a store). */
const answersOrder = (deps: CheckoutDeps, req: PayRequest) =>
  deps.payments !== undefined && req.idempotencyKey === undefined;

async function payScript(deps: CheckoutDeps, req: PayRequest): Promise<PayOutcome> {
  return deps.holds.pay(req.reservationId, req.shopperId, req.idempotencyKey, { card: req.card.number });
}

/** Step 1: the hold as it stands in Redis (another edge may have paid it): a retry never authorizes a paid hold. */
function readHold({ holds }: CheckoutDeps, req: PayRequest): Promise<Hold> {
  return holds.get(req.reservationId, req.shopperId);
}

/** Step 1, the hold not held: no card is touched. */
async function withoutCard(deps: CheckoutDeps, req: PayRequest, current: Hold): Promise<PayResult> {
  if (current.status === 'paid' && answersOrder(deps, req)) return answerPaid(deps, current);
  const outcome = await payScript(deps, req);
  await deps.publish(outcome.event);
  return { orderId: outcome.hold.id, status: 'paid', hold: outcome.hold };
}

/** Step 2: records the payment (authorizing) under a new id, the provider's idempotency key. */
async function beginPayment(deps: CheckoutDeps, current: Hold, paymentId: string): Promise<PaymentRef> {
  const p: PaymentRef = {
    idempotencyKey: paymentId,
    reference: current.id,
    amountCents: current.amountCents,
  };
  await deps.payments?.begin({
    id: p.idempotencyKey,
    reservationId: current.id,
    dropId: current.dropId,
    shopperId: current.shopperId,
    amountCents: current.amountCents,
  });
  return p;
}

/** Steps 3 and 4: authorize, then record the answer. */
async function authorize(deps: CheckoutDeps, p: PaymentRef, card: Card): Promise<void> {
  let result;
  try {
    result = await deps.provider.authorize({ ...p, card });
  } catch (error) {
    await endNow(deps, p, 'void');
    throw error;
  }
  await deps.payments?.authorized(p.idempotencyKey, result.approved);
  if (!result.approved) throw new PaymentDeclinedError(result.reason);
}

/** Steps 5 and 6: the pay script, then the decision. */
async function payHold(
  deps: CheckoutDeps,
  req: PayRequest,
  p: PaymentRef,
): Promise<PayResult | { outcome: PayOutcome; capture: boolean }> {
  const { holds, payments } = deps;
  let outcome;
  try {
    outcome = await payScript(deps, req);
  } catch (error) {
    await endNow(deps, p, 'void');
    if (error instanceof ReservationConflictError && answersOrder(deps, req)) {
      const now = await holds.get(req.reservationId, req.shopperId);
      if (now.status === 'paid') return answerPaid(deps, now);
    }
    throw error;
  }
  const capture =
    outcome.paidNow && (payments ? await payments.decideCapture(p.idempotencyKey, req.reservationId) : true);
  if (!capture) await end(deps, p, 'void');
  return { outcome, capture };
}

/** Steps 7 and 8: store the event, drop its outbox entry, then capture when decided. */
async function complete(
  deps: CheckoutDeps,
  p: PaymentRef,
  { outcome, capture }: { outcome: PayOutcome; capture: boolean },
): Promise<PayResult> {
  await deps.publish(outcome.event);
  // Stored in JetStream: the relay need not publish it again. Should this fail, the relay does, deduplicated.
  if (outcome.outboxEntry)
    await deps.holds.published(outcome.hold.dropId, outcome.outboxEntry).catch(() => undefined);
  if (capture) await end(deps, p, 'capture');
  return { orderId: outcome.hold.id, status: 'paid', hold: outcome.hold };
}

export function createCheckout(deps: CheckoutDeps) {
  const { eventsReady, newPaymentId = randomUUID } = deps;
  // Taken once, as a factory's deps are: later changes to the object passed in are not seen.
  const ctx: CheckoutDeps = { ...deps };
  return {
    async pay(req: PayRequest): Promise<PayResult> {
      if (eventsReady && !eventsReady()) {
        throw new PaymentsUnavailableError('payments are unavailable for a moment: try again shortly');
      }
      const current = await readHold(ctx, req);
      if (current.status !== 'held') return withoutCard(ctx, req, current);
      const record = async () => {
        if (req.buyer) await ctx.details?.record(current.id, req.buyer);
      };
      await record();
      const p = await beginPayment(ctx, current, newPaymentId());
      await authorize(ctx, p, req.card);
      const paid = await payHold(ctx, req, p);
      if (!('outcome' in paid)) return paid;
      if (paid.capture) await record();
      return complete(ctx, p, paid);
    },
  };
}

export type Checkout = ReturnType<typeof createCheckout>;
