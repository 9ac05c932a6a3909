/**
 * The settle job: ends every authorization left open past a grace period (a crash, a timeout, a lost answer), so
 * that each one ends captured or voided. Per reservation, from the record of truth:
 * - its order is paid in PostgreSQL: the payment decided for capture is captured — or, if none was decided (a crash
 *   right after the pay script), the earliest authorized one is decided and captured; every other one is voided;
 * - its order is not paid: while the hold is paid in Redis (the event is on its way) or still held and not overdue
 *   (a pay may be in flight), undecided payments wait; otherwise they are voided. A decided void is carried out.
 * Every provider call repeats the payment's idempotency key, so two settlers, or a settler and a late pay request,
 * never act twice. A BullMQ job scheduler runs it every SETTLE_EVERY_MS in the workers role.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ReservationNotFoundError, type Hold, type Holds } from '../../inventory/index.js';
import type { PaymentProvider, PaymentRef } from './payments.js';
import type { Payment, PaymentEnding, PaymentsStore } from './payments-store.js';

export const SETTLE_QUEUE = 'payments';
export const SETTLE_JOB = 'payments.settle';
export const SETTLE_EVERY_MS = 5000;
/** Longer than any pay takes (its slowest step, a JetStream publish, times out after 5 s). */
export const SETTLE_GRACE_MS = 30_000;

export interface PaymentSettlerDeps {
  payments: PaymentsStore;
  provider: PaymentProvider;
  holds: Holds;
  /** Which of these reservations have their order paid in PostgreSQL. */
  paidOrders: (reservationIds: string[]) => Promise<Set<string>>;
  clock: Pick<DateConstructor, 'now'>;
  log: Logger;
}

export interface SettleResult {
  captured: number;
  voided: number;
  waiting: number;
}

const ref = (p: Payment): PaymentRef => ({
  idempotencyKey: p.id,
  reference: p.reservationId,
  amountCents: p.amountCents,
});

export function createPaymentSettler({
  payments,
  provider,
  holds,
  paidOrders,
  clock,
  log,
}: PaymentSettlerDeps) {
  async function carryOut(p: Payment, ending: PaymentEnding, result: SettleResult): Promise<void> {
    if (ending === 'void' && !(await payments.decideVoid(p.id))) ending = 'capture';
    await (ending === 'capture' ? provider.capture(ref(p)) : provider.void(ref(p)));
    await payments.ended(p.id, ending);
    result[ending === 'capture' ? 'captured' : 'voided'] += 1;
  }

  /** The order is paid: exactly one payment captured (the decided one, else the earliest authorized), the rest voided. */
  async function settleSold(reservationId: string, open: Payment[], result: SettleResult): Promise<void> {
    const all = await payments.ofReservation(reservationId);
    if (!all.some((p) => p.ending === 'capture')) {
      for (const candidate of all.filter((p) => p.state === 'authorized' && p.ending === null)) {
        if (await payments.decideCapture(candidate.id, reservationId)) break;
      }
    }
    const decided = await payments.ofReservation(reservationId);
    for (const p of open) {
      const now = decided.find((d) => d.id === p.id);
      await carryOut(p, now?.ending === 'capture' ? 'capture' : 'void', result);
    }
  }

  async function holdOf(reservationId: string): Promise<Hold | null> {
    try {
      return await holds.get(reservationId);
    } catch (error) {
      if (error instanceof ReservationNotFoundError) return null;
      throw error;
    }
  }

  /** The order is not paid: void, unless a pay may still make it paid (a decided capture waits for the order). */
  async function settleUnsold(reservationId: string, open: Payment[], result: SettleResult): Promise<void> {
    const hold = await holdOf(reservationId);
    const mayPay =
      hold?.status === 'paid' || (hold?.status === 'held' && hold.expiresAt.getTime() > clock.now());
    for (const p of open) {
      if (p.ending === 'void' || (!mayPay && p.ending === null)) await carryOut(p, 'void', result);
      else result.waiting += 1;
    }
  }

  return {
    /** One pass over the authorizations open for longer than `graceMs`. */
    async runOnce(graceMs = SETTLE_GRACE_MS): Promise<SettleResult> {
      const result: SettleResult = { captured: 0, voided: 0, waiting: 0 };
      const byReservation = new Map<string, Payment[]>();
      for (const p of await payments.open(graceMs)) {
        byReservation.set(p.reservationId, [...(byReservation.get(p.reservationId) ?? []), p]);
      }
      if (byReservation.size === 0) return result;
      const sold = await paidOrders([...byReservation.keys()]);
      for (const [reservationId, open] of byReservation) {
        try {
          if (sold.has(reservationId)) await settleSold(reservationId, open, result);
          else await settleUnsold(reservationId, open, result);
        } catch (error) {
          // One reservation's failure (the provider, Redis) leaves it for the next pass, not the others.
          log.error({ err: error, reservationId }, 'settling payments failed');
        }
      }
      if (result.captured + result.voided > 0) log.info(result, 'settled open payments');
      return result;
    },
  };
}

export type PaymentSettler = ReturnType<typeof createPaymentSettler>;

/** Runs the settler every SETTLE_EVERY_MS through a BullMQ job scheduler (one run at a time per job). */
export async function startPaymentSettleJob({
  connection,
  prefix,
  settler,
  log,
}: {
  connection: Redis;
  prefix: string;
  settler: PaymentSettler;
  log: Logger;
}): Promise<{ stop(): Promise<void> }> {
  const queue = new Queue(SETTLE_QUEUE, { connection, prefix });
  await queue.upsertJobScheduler(SETTLE_JOB, { every: SETTLE_EVERY_MS }, { name: SETTLE_JOB });
  const worker = new Worker(
    SETTLE_QUEUE,
    async (job) => {
      if (job.name === SETTLE_JOB) await settler.runOnce();
    },
    { connection, prefix },
  );
  worker.on('error', (error) => log.warn({ err: error }, 'payments settle worker error'));
  return {
    async stop() {
      await worker.close();
      await queue.close();
    },
  };
}
