/**
 * workers/webhooks/: signed HTTP callbacks to brands — their endpoints and deliveries in PostgreSQL, the JetStream
 * intake that turns drops' status changes and payments into deliveries, `orderShipped` for the shipment route, the
 * BullMQ queue and sender that attempt each delivery with retries for a day, and the sweep that enqueues deliveries
 * a dying process left without a job. It may import inventory/ (the payment event) and events/ (the consumer
 * shell); edge/ (the routes) may enter it, and infra/ wires it (the drop lookup, the queue, the workers).
 */
export {
  createDeliveryQueue,
  DEFAULT_RETRY_SCHEDULE,
  retryDelay,
  WEBHOOK_JOB,
  WEBHOOK_QUEUE,
  type DeliveryQueue,
  type RetrySchedule,
  type WebhookJob,
} from './delivery-queue.js';
export { startDeliveryWorker, type DeliveryWorkerOptions } from './delivery-worker.js';
export { DeliveryBusyError, WebhookInputError, WebhookNotFoundError } from './errors.js';
export { startWebhookIntake, type WebhookIntakeDeps } from './intake.js';
export { REQUEST_TIMEOUT_MS, sendAttempt, type AttemptResult } from './sender.js';
export { maskSecret, signature, signedHeaders, verifySignature } from './signer.js';
export { isInternalAddress, MAX_URL_LENGTH, targetProblem, type TargetRules } from './target.js';
export {
  WEBHOOK_EVENT_TYPES,
  WEBHOOKS_DROPS_DURABLE,
  WEBHOOKS_PAYMENTS_DURABLE,
  type WebhookDrop,
  type WebhookEventType,
  type WebhookOrder,
} from './webhook-events.js';
export {
  createWebhooks,
  type EndpointView,
  type ShippedOrder,
  type WebhookDropSource,
  type Webhooks,
  type WebhooksDeps,
} from './webhooks.js';
export {
  createWebhooksStore,
  type AttemptRecord,
  type Delivery,
  type DeliveryStatus,
  type Endpoint,
  type WebhooksStore,
} from './webhooks-store.js';
