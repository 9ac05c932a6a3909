/**
 * inventory/: stock, holds and the drop's Redis mirror. Redis only; it imports no other project folder. Its Lua
 * scripts are loaded by infra/ (`inventoryScripts`, given the waiting room's active-set scores); what it needs of
 * the waiting room (a drop's active-set key) and a lease come as arguments too.
 */
export { createInventoryKeys, holdScriptKeys, type InventoryKeys } from './keys.js';
export { createRebuild, type InventoryPosition, type Rebuild, type RestoreRequest } from './rebuild.js';
export { InventoryCode } from './codes.js';
export { inventoryScripts, type ActiveScores } from './scripts.js';
export { createDropMirror, type DropMirror, type MirroredDrop, type MirroredStatus } from './drop-mirror.js';
export { createStockReader, type HeldReturns, type StockFigures, type StockReader } from './stock.js';
export { dropOfReservation, newReservationId, RESERVATION_ID } from './reservation-id.js';
export type { Hold, HoldStatus } from './hold-record.js';
export { createHolds, requestHash, type Holds, type PayOutcome, type ReserveRequest } from './holds.js';
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
