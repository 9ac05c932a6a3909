/**
 * inventory/: stock, holds and the drop's Redis mirror. Redis only; it imports no other project folder.
 */
export { createInventoryKeys, type InventoryKeys } from './keys.js';
export { createDropMirror, type DropMirror, type MirroredDrop, type MirroredStatus } from './drop-mirror.js';
export { createStockReader, type StockFigures, type StockReader } from './stock.js';
