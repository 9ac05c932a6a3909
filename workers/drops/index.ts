/**
 * workers/drops/: drops in PostgreSQL (store and audit log), the drop service (what brands and operators do, and
 * what the schedule and the inventory's availability events do), and the BullMQ jobs that open and close drops at
 * their time. It may import identity/ (an actor's role), queue/ and inventory/; edge/ (drop pages, admin) and
 * orders/ (reconciliation re-mirrors a drop) may enter it, and infra/ wires it (the Redis mirror, the status
 * publisher).
 */
export {
  FULFILMENTS,
  type AdmissionSettings,
  type BrandShare,
  type Drop,
  type DropBrand,
  type DropFields,
  type DropStatus,
  type Fulfilment,
} from './drop.js';
export { createDropsStore, type AuditEntry, type DropsStore, type ListPage } from './drops-store.js';
export { createDropsService, type DropsService, type DropsServiceDeps } from './drops-service.js';
export { actorName, DROP_DEFAULTS, type DropPatch, type NewDrop } from './actor-changes.js';
export { brandRole, mayChange, mayRead, type Actor } from './drop-roles.js';
export { MAX_DROP_BRANDS } from './brand-shares.js';
export type { DropScheduling, DropStatusEvent } from './drop-sync.js';
export {
  createDropScheduler,
  DROP_SCHEDULE_QUEUE,
  DropJobName,
  startDropScheduleWorker,
  type DropJobPayload,
  type DropScheduler,
} from './drop-schedule.js';
export {
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  type FieldError,
} from './errors.js';
