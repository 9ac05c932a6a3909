/**
 * workers/checkout/: paying a hold — the payment state machine (record, authorize, pay the hold in Redis, store the
 * event, capture or void), the payments store, the settle job that ends every authorization left open, and the
 * payment provider (the test provider stands in for a real one). It may import inventory/ (the hold and its pay
 * script) and events/ (publishing the payment); edge/ (the pay request) may enter it, and infra/ wires it.
 */
export {
  createCheckout,
  type Checkout,
  type CheckoutDeps,
  type PayRequest,
  type PayResult,
} from './checkout.js';
export {
  PaymentDeclinedError,
  PaymentsUnavailableError,
  type AuthorizeResult,
  type Card,
  type PaymentProvider,
  type PaymentRef,
} from './payments.js';
export {
  createOrderDetailsStore,
  newOrderNumber,
  ORDER_NUMBER,
  type Buyer,
  type OrderDetailsStore,
  type ShippingAddress,
} from './order-details.js';
export {
  createPaymentsStore,
  type Payment,
  type PaymentEnding,
  type PaymentState,
  type PaymentsStore,
} from './payments-store.js';
export {
  createPaymentSettler,
  SETTLE_EVERY_MS,
  SETTLE_GRACE_MS,
  SETTLE_JOB,
  SETTLE_QUEUE,
  startPaymentSettleJob,
  type PaymentSettler,
  type PaymentSettlerDeps,
  type SettleResult,
} from './settle.js';
export {
  createTestPaymentProvider,
  type TestPaymentProvider,
  type TestProviderOptions,
} from './test-provider.js';
