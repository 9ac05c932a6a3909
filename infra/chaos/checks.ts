/**
 * The checks of one fault's row, as pure arithmetic over what was observed: the shoppers' 200s, PostgreSQL's
 * orders, Redis's units and the test provider's ledger. A check that fails names itself in `failed`.
 */

/** One row of the test provider's ledger: an operation asked under an idempotency key, for a reservation. */
export interface LedgerRow {
  key: string;
  operation: 'authorize' | 'capture' | 'void';
  reference: string;
  approved: boolean;
}

export interface Observed {
  units: number;
  /** Reservations whose pay was answered 200. */
  paid200: readonly string[];
  /** PostgreSQL's paid orders (reservation ids; one unit each). */
  postgresPaid: readonly string[];
  /** Redis's sold units; null when Redis holds no stock for the drop. */
  redisSold: number | null;
  /** Orders still `held` in PostgreSQL past their deadline (and a grace). */
  stuckHeld: number;
  /** The ledger rows of this drop's reservations; null when the provider keeps no readable ledger. */
  ledger: readonly LedgerRow[] | null;
  fiveXx: number;
  /** Seconds from the service's return until /readyz answered 200 / a new reservation succeeded; null: never. */
  readySeconds: number | null;
  salesSeconds: number | null;
}

export interface LedgerFigures {
  authorized: number;
  captured: number;
  voided: number;
  /** Approved authorizations neither captured nor voided. */
  open: number;
  /** Authorizations both captured and voided. */
  both: number;
  /** Paid orders with no captured authorization, or more than one. */
  paidNotCapturedOnce: number;
  /** Captured authorizations of reservations that are not paid orders. */
  capturedNotPaid: number;
}

export interface RowFigures {
  pays200: number;
  /** 200s from pay whose reservation is not a paid order in PostgreSQL. */
  confirmedLost: number;
  postgresPaid: number;
  redisSold: number | null;
  oversold: number;
  ledger: LedgerFigures | null;
  stuckHeld: number;
  fiveXx: number;
  readySeconds: number | null;
  salesSeconds: number | null;
  failed: string[];
  /** When authorizations were left open: their payments rows, for the round's JSON. */
  openPayments?: Record<string, unknown>[];
}

/** The idempotency keys the ledger shows authorized and neither captured nor voided. */
export function openKeys(rows: readonly LedgerRow[]): string[] {
  const ops = new Map<string, Set<LedgerRow['operation']>>();
  for (const r of rows)
    if (r.operation !== 'authorize' || r.approved)
      ops.set(r.key, (ops.get(r.key) ?? new Set()).add(r.operation));
  return [...ops]
    .filter(([, o]) => o.has('authorize') && !o.has('capture') && !o.has('void'))
    .map(([k]) => k);
}

/** Recovery slower than this fails the row: the service's return to ready and to selling. */
export const RECOVERY_LIMIT_SECONDS = 10;

export function ledgerFigures(rows: readonly LedgerRow[], paid: readonly string[]): LedgerFigures {
  const byKey = new Map<string, Set<LedgerRow['operation']>>();
  const referenceOf = new Map<string, string>();
  for (const row of rows) {
    if (row.operation === 'authorize' && !row.approved) continue;
    byKey.set(row.key, (byKey.get(row.key) ?? new Set()).add(row.operation));
    referenceOf.set(row.key, row.reference);
  }
  const f = {
    authorized: 0,
    captured: 0,
    voided: 0,
    open: 0,
    both: 0,
    paidNotCapturedOnce: 0,
    capturedNotPaid: 0,
  };
  const capturesOf = new Map<string, number>();
  for (const [key, ops] of byKey) {
    if (ops.has('authorize')) f.authorized++;
    const captured = ops.has('capture');
    const voided = ops.has('void');
    if (captured) f.captured++;
    if (voided) f.voided++;
    if (captured && voided) f.both++;
    if (ops.has('authorize') && !captured && !voided) f.open++;
    if (captured) capturesOf.set(referenceOf.get(key)!, (capturesOf.get(referenceOf.get(key)!) ?? 0) + 1);
  }
  const paidSet = new Set(paid);
  for (const id of paidSet) if (capturesOf.get(id) !== 1) f.paidNotCapturedOnce++;
  for (const id of capturesOf.keys()) if (!paidSet.has(id)) f.capturedNotPaid++;
  return f;
}

export function rowFigures(o: Observed): RowFigures {
  const paid = new Set(o.postgresPaid);
  const confirmedLost = o.paid200.filter((id) => !paid.has(id)).length;
  const oversold = Math.max(0, Math.max(paid.size, o.redisSold ?? 0) - o.units);
  const ledger = o.ledger ? ledgerFigures(o.ledger, [...paid]) : null;
  const failed: string[] = [];
  if (confirmedLost > 0) failed.push('confirmed payments lost');
  if (o.redisSold !== paid.size) failed.push('PostgreSQL paid ≠ Redis sold');
  if (oversold > 0) failed.push('oversold');
  if (ledger && (ledger.open > 0 || ledger.both > 0)) failed.push('authorizations not ended once');
  if (ledger && (ledger.paidNotCapturedOnce > 0 || ledger.capturedNotPaid > 0))
    failed.push('captures ≠ paid orders');
  if (o.stuckHeld > 0) failed.push('orders stuck held');
  if (o.readySeconds === null || o.readySeconds > RECOVERY_LIMIT_SECONDS) failed.push('/readyz recovery');
  if (o.salesSeconds === null || o.salesSeconds > RECOVERY_LIMIT_SECONDS) failed.push('sales recovery');
  return {
    pays200: o.paid200.length,
    confirmedLost,
    postgresPaid: paid.size,
    redisSold: o.redisSold,
    oversold,
    ledger,
    stuckHeld: o.stuckHeld,
    fiveXx: o.fiveXx,
    readySeconds: o.readySeconds,
    salesSeconds: o.salesSeconds,
    failed,
  };
}

/** Whether the system has settled: nothing left for the workers to finish that the checks would count. */
export function settled(f: RowFigures): boolean {
  return (
    f.confirmedLost === 0 &&
    f.redisSold === f.postgresPaid &&
    f.stuckHeld === 0 &&
    (f.ledger === null ||
      (f.ledger.open === 0 && f.ledger.paidNotCapturedOnce === 0 && f.ledger.capturedNotPaid === 0))
  );
}
