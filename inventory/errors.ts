/** Errors of the inventory. `code` is the contract's stable problem code. */

abstract class InventoryError extends Error {
  abstract readonly code: string;
}

export class NotAdmittedError extends InventoryError {
  override name = 'NotAdmittedError';
  readonly code = 'not_admitted';
}

export class DropNotOpenError extends InventoryError {
  override name = 'DropNotOpenError';
  readonly code = 'drop_not_open';
}

export class SoldOutError extends InventoryError {
  override name = 'SoldOutError';
  readonly code = 'sold_out';
}

export class LimitReachedError extends InventoryError {
  override name = 'LimitReachedError';
  readonly code = 'limit_reached';
}

export class HoldExpiredError extends InventoryError {
  override name = 'HoldExpiredError';
  readonly code = 'hold_expired';
}

export class ReservationNotFoundError extends InventoryError {
  override name = 'ReservationNotFoundError';
  readonly code = 'not_found';
}

/** The reservation's state does not allow it: not held (release), released or paid already (pay). */
export class ReservationConflictError extends InventoryError {
  override name = 'ReservationConflictError';
  readonly code = 'conflict';
}

/** Redis holds no stock for the drop (it lost its data): reservations wait for reconciliation to rebuild it. */
export class StockUnavailableError extends InventoryError {
  override name = 'StockUnavailableError';
  readonly code = 'unavailable';
}
