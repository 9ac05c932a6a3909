/**
 * workers/orders/: what happens after a payment — the orders store and stock ledger in PostgreSQL, the event
 * projector that writes the inventory's events there (run in events/' consumer shell), reconciliation of Redis
 * against PostgreSQL, and recovery (the periodic reconcile job, and the watch for a Redis that lost its data).
 * It may import inventory/, events/ and drops/ (a drop's stock and its re-mirroring); edge/ (order pages) may
 * enter it, and infra/ wires it.
 */
export type {
  DropOrder,
  Order,
  OrderAddress,
  OrderBuyer,
  OrderPage,
  OrderStatus,
  Shipment,
  ShopperOrder,
} from './order.js';
export { OrderNotFoundError, OrderNotPaidError } from './errors.js';
export { splitByShare, type BrandTakings } from './brand-split.js';
export type { DropOrderPage, MarkShipped } from './fulfilment.js';
export { createOrdersStore, type OrdersStore, type OrderTotals } from './orders-store.js';
export {
  startEventProjector,
  type AvailabilityEvent,
  type EventProjector,
  type EventProjectorDeps,
} from './projector.js';
export { createSalesHistory, type SalesHistory, type SalesSeries } from './sales-history.js';
export { createReconciler, type Reconciler, type Reconciliation, type Verdict } from './reconcile.js';
export { createRecovery, RECONCILE_JOB, RECONCILE_QUEUE, WATCH_EVERY_MS, type Recovery } from './recovery.js';
