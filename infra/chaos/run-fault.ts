/**
 * One fault's round: a drop of its own and a probe drop, a rush of guests, the fault injected once the payments are
 * under way, recovery timed from the service's return, then — once every shopper is done — the checks read until
 * the system has settled or the settle time is over, whichever comes first.
 */
import { guestTokens, openDrop, type DroplineSession } from '../bench/context.js';
import { newTally } from './client.js';
import { openKeys, rowFigures, settled, type RowFigures } from './checks.js';
import { PREPARE_LEAD_MS, type Fault } from './faults.js';
import type { Observer } from './observe.js';
import type { ChaosOptions } from './options.js';
import { sleep } from './ports.js';
import { recovery } from './probe.js';
import { newRushRecord, rush, type RushRecord } from './shoppers.js';
import type { Stack } from './stack.js';

export interface FaultResult extends RowFigures {
  fault: string;
  what: string;
  dropId: string;
  units: number;
  outcomes: RushRecord['outcomes'];
  statuses: Record<string, number>;
  samples: string[];
  /** Seconds from the end of the rush until the checks agreed (or the settle time ran out). */
  settleSeconds: number;
  /** Whether Dropline had to be restarted by hand before this fault (it was not ready after the last one). */
  restartedBefore: boolean;
}

/** A shopper retries for this long: longer than the longest outage, so that a shopper outlasts it if it can. */
const PATIENCE_MS = 45_000;
/** A held order this long past its deadline should have been expired by the sweep. */
const STUCK_GRACE_SECONDS = 5;

async function openDrops(session: DroplineSession, fault: string, opts: ChaosOptions) {
  const fields = {
    sku: 'CHAOS-1',
    priceCents: 2500,
    admissionPerMinute: 60_000,
    maxActive: 1_000_000,
    holdSeconds: opts.holdSeconds,
  };
  const dropId = await openDrop(session, { ...fields, title: `Chaos: ${fault}`, stock: opts.units });
  const probeDrop = await openDrop(session, { ...fields, title: `Chaos probe: ${fault}`, stock: 1000 });
  return { dropId, probeDrop };
}

/** Resolves once `count` pays have started, or the rush is over. */
async function paymentsUnderWay(record: RushRecord, count: number, done: () => boolean) {
  while (record.payAttempts < count && !done()) await sleep(20);
}

async function settle(
  observer: Observer,
  dropId: string,
  base: Parameters<typeof rowFigures>[0],
  untilMs: number,
) {
  for (;;) {
    try {
      const figures = rowFigures({
        ...base,
        postgresPaid: await observer.postgresPaid(dropId),
        redisSold: await observer.redisSold(dropId),
        stuckHeld: await observer.stuckHeld(dropId, STUCK_GRACE_SECONDS),
        ledger: await observer.ledger(dropId),
      });
      if (settled(figures)) return figures;
      if (Date.now() > untilMs) {
        const open = openKeys((await observer.ledger(dropId)) ?? []);
        return { ...figures, openPayments: await observer.payments(open) };
      }
    } catch (error) {
      // A service still coming back: read again, until the settle time is over.
      if (Date.now() > untilMs) throw error;
    }
    await sleep(500);
  }
}

export async function runFault(
  ctx: {
    stack: Stack;
    session: DroplineSession;
    observer: Observer;
    opts: ChaosOptions;
    restartedBefore: boolean;
  },
  fault: Fault,
): Promise<FaultResult> {
  const { stack, session, observer, opts } = ctx;
  const { dropId, probeDrop } = await openDrops(session, fault.name, opts);
  const tokens = await guestTokens(stack.url, opts.shoppers);
  const probeTokens = await guestTokens(stack.url, 40);
  await fault.before?.(stack);
  const record = newRushRecord(newTally());
  let rushDone = false;
  const rushed = rush(
    { url: stack.url, dropId, tokens, rate: opts.rate, patienceMs: PATIENCE_MS },
    record,
  ).finally(() => (rushDone = true));
  // Mid-payments: a fault with a preparation (the snapshot) prepares early enough to strike at about the same point.
  if (fault.prepare) {
    await paymentsUnderWay(record, Math.ceil(opts.units * 0.1), () => rushDone);
    await fault.prepare(stack);
    await sleep(PREPARE_LEAD_MS);
  } else await paymentsUnderWay(record, Math.ceil(opts.units * 0.3), () => rushDone);
  const returnedAt = await fault.inject(stack);
  const recovered = recovery(
    stack.url,
    { dropId: probeDrop, tokens: probeTokens },
    returnedAt,
    opts.settleSeconds * 1000,
  );
  await rushed;
  const { readySeconds, salesSeconds } = await recovered;
  const rushEnd = Date.now();
  const base = {
    units: opts.units,
    paid200: [...record.paid200],
    fiveXx: record.tally.fiveXx,
    readySeconds,
    salesSeconds,
    postgresPaid: [],
    redisSold: null,
    stuckHeld: 0,
    ledger: null,
  };
  const figures = await settle(observer, dropId, base, rushEnd + opts.settleSeconds * 1000);
  return {
    fault: fault.name,
    what: fault.what,
    dropId,
    units: opts.units,
    ...figures,
    outcomes: record.outcomes,
    statuses: record.tally.statuses,
    samples: record.samples,
    settleSeconds: Math.round((Date.now() - rushEnd) / 100) / 10,
    restartedBefore: ctx.restartedBefore,
  };
}
