/**
 * The status codes inventory/'s scripts reply with, one table for all of them: a reply is a code, or a table whose
 * first element is the code and the rest its details. The scripts see each code as a Lua constant of the same name
 * (see scripts.ts), so a number is written nowhere else and a code means one thing in every script.
 */
import * as errors from './errors.js';

export enum InventoryCode {
  /**
   * Nothing written: Redis holds this version of the drop or a newer one (mirror); restore: the drop's stock exists
   * (a lost drop), or the drop is not fenced (a replaced one).
   */
  UNCHANGED = 0,
  OK = 1,
  /** The same Idempotency-Key and request came before: the earlier answer. */
  REPEATED = 2,
  NOT_ADMITTED = -1,
  DROP_NOT_FOUND = -2,
  /** Details: the drop's status. */
  DROP_NOT_OPEN = -3,
  /** The drop's stock is not in Redis (it lost its data): reconciliation rebuilds it. */
  STOCK_UNAVAILABLE = -4,
  /** Details: the units the shopper holds or bought, the limit. */
  LIMIT_REACHED = -5,
  /** Details: the units available. */
  SOLD_OUT = -6,
  /** The Idempotency-Key came before with another request. */
  KEY_REUSED = -7,
  /** No such reservation of this shopper. */
  RESERVATION_NOT_FOUND = -8,
  /** release: details: the record, its status (paid, released or expired). */
  NOT_HELD = -9,
  /** pay: details: the record. */
  HOLD_EXPIRED = -10,
  HOLD_RELEASED = -11,
  PAID_ALREADY = -12,
  /** The drop is fenced: Redis came back older than the record of truth and is being rebuilt. Nothing written. */
  UNAVAILABLE = -13,
}

const ERRORS: Partial<Record<InventoryCode, (details: unknown[]) => Error>> = {
  [InventoryCode.NOT_ADMITTED]: () =>
    new errors.NotAdmittedError('your admission has ended: join the queue again'),
  [InventoryCode.DROP_NOT_FOUND]: () => new errors.ReservationNotFoundError('drop not found'),
  [InventoryCode.DROP_NOT_OPEN]: ([status]) => new errors.DropNotOpenError(`the drop is ${String(status)}`),
  [InventoryCode.STOCK_UNAVAILABLE]: () =>
    new errors.StockUnavailableError('the drop’s stock is being recovered; try again shortly'),
  [InventoryCode.LIMIT_REACHED]: ([have, limit]) =>
    new errors.LimitReachedError(
      `at most ${String(limit)} units per shopper; you hold or bought ${String(have)}`,
    ),
  [InventoryCode.SOLD_OUT]: ([available]) =>
    new errors.SoldOutError(Number(available) > 0 ? `only ${String(available)} units are left` : 'sold out'),
  [InventoryCode.KEY_REUSED]: () =>
    new errors.ReservationConflictError('this Idempotency-Key was used with another request'),
  [InventoryCode.RESERVATION_NOT_FOUND]: () => new errors.ReservationNotFoundError('no such reservation'),
  [InventoryCode.NOT_HELD]: ([, status]) =>
    new errors.ReservationConflictError(`the reservation is ${String(status)}, not held`),
  [InventoryCode.HOLD_EXPIRED]: () =>
    new errors.HoldExpiredError('the hold expired before it was paid; its units went back on sale'),
  [InventoryCode.HOLD_RELEASED]: () => new errors.ReservationConflictError('the reservation was released'),
  [InventoryCode.PAID_ALREADY]: () => new errors.ReservationConflictError('the reservation is paid already'),
  [InventoryCode.UNAVAILABLE]: () =>
    new errors.StockUnavailableError('the drop’s stock is being recovered; try again shortly'),
};

/**
 * Splits a script's reply into its code and details. A code in `expected` is returned; one with a typed error is
 * thrown as that error; anything else is a broken script, thrown as a plain error.
 */
export function settle(
  script: string,
  reply: unknown,
  expected: readonly InventoryCode[] = [InventoryCode.OK],
): { code: InventoryCode; details: unknown[] } {
  const [code, ...details] = Array.isArray(reply) ? (reply as unknown[]) : [reply];
  if (expected.includes(code as InventoryCode)) return { code: code as InventoryCode, details };
  const error = ERRORS[code as InventoryCode];
  if (error) throw error(details);
  throw new Error(`inventory ${script}: unexpected reply ${JSON.stringify(reply)}`);
}
