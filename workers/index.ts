/**
 * workers/: PostgreSQL stores (users, brands, drops), the drop service and the BullMQ jobs that open and close
 * drops at their time. May use inventory/ and queue/; the composition roots in infra/ wire it up.
 */
export {
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  type FieldError,
} from './errors.js';
export { createUsersStore, type NewUser, type Role, type User, type UsersStore } from './users-store.js';
export {
  createDropsStore,
  type AdmissionSettings,
  type AuditEntry,
  type Drop,
  type DropFields,
  type DropStatus,
  type DropsStore,
} from './drops-store.js';
export {
  actorName,
  createDropsService,
  DROP_DEFAULTS,
  type Actor,
  type Clock,
  type DropScheduling,
  type DropStatusEvent,
  type DropsService,
  type DropsServiceDeps,
  type NewDrop,
} from './drops.js';
export {
  createDropScheduler,
  DROP_SCHEDULE_QUEUE,
  DropJobName,
  startDropScheduleWorker,
  type DropJobPayload,
  type DropScheduler,
} from './drop-schedule.js';
export {
  applyEvents,
  createOrdersStore,
  type Order,
  type OrderPage,
  type OrderStatus,
  type OrdersStore,
  type OrderTotals,
} from './orders-store.js';
export {
  createEventPublisher,
  createStatusPublisher,
  ensureEventStream,
  eventSubject,
  MAX_DELIVER,
  startEventConsumer,
  type EventsConfig,
} from './events.js';
export {
  createTestPaymentProvider,
  PaymentDeclinedError,
  type Authorization,
  type Card,
  type PaymentProvider,
  type TestPaymentProvider,
} from './payments.js';
export { createCheckout, type Checkout, type PayRequest } from './checkout.js';
export { createReconciler, type Reconciler, type Reconciliation } from './reconcile.js';
export { RECONCILE_JOB, RECONCILE_QUEUE, startRecovery } from './recovery.js';
