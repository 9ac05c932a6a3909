/**
 * inventory/: stock, holds and the drop's Redis mirror. Redis only; it imports no other project folder.
 */
export { createInventoryKeys, type InventoryKeys } from './keys.js';
export { createDropMirror, type DropMirror, type MirroredDrop, type MirroredStatus } from './drop-mirror.js';
export { createStockReader, type StockFigures, type StockReader } from './stock.js';
export {
  createHolds,
  dropOfReservation,
  newReservationId,
  requestHash,
  type Hold,
  type Holds,
  type HoldStatus,
  type PayOutcome,
  type ReserveRequest,
} from './holds.js';
export { createInventoryBackground, type InventoryBackground } from './background.js';
export {
  inventoryEvent,
  parseEvent,
  type HoldEvent,
  type InventoryEvent,
  type InventoryEventType,
} from './events.js';
export {
  DropNotOpenError,
  HoldExpiredError,
  LimitReachedError,
  NotAdmittedError,
  ReservationConflictError,
  ReservationNotFoundError,
  SoldOutError,
  StockUnavailableError,
} from './errors.js';
