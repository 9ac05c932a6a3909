/** Errors of the inventory. `code` is the contract's stable problem code; codes.ts says which reply raises which. */

/** An Error subclass with its own name and problem code. */
const inventoryError = <C extends string>(name: string, code: C) =>
  class extends Error {
    override name = name;
    readonly code = code;
  };

export class NotAdmittedError extends inventoryError('NotAdmittedError', 'not_admitted') {}
export class DropNotOpenError extends inventoryError('DropNotOpenError', 'drop_not_open') {}
export class SoldOutError extends inventoryError('SoldOutError', 'sold_out') {}
export class LimitReachedError extends inventoryError('LimitReachedError', 'limit_reached') {}
export class HoldExpiredError extends inventoryError('HoldExpiredError', 'hold_expired') {}
export class ReservationNotFoundError extends inventoryError('ReservationNotFoundError', 'not_found') {}
/** The reservation's state does not allow it: not held (release), released or paid already (pay). */
export class ReservationConflictError extends inventoryError('ReservationConflictError', 'conflict') {}
/** Redis holds no stock for the drop (it lost its data): reservations wait for reconciliation to rebuild it. */
export class StockUnavailableError extends inventoryError('StockUnavailableError', 'unavailable') {}
