/**
 * workers/checkout/: paying a hold — the payment state machine (authorize, pay the hold in Redis, store the event,
 * capture or void) and the payment provider (the test provider stands in for a real one). It may import
 * inventory/ (the hold and its pay script) and events/ (publishing the payment); edge/ (the pay request) may enter
 * it, and infra/ wires it.
 */
export { createCheckout, type Checkout, type CheckoutDeps, type PayRequest } from './checkout.js';
export {
  createTestPaymentProvider,
  PaymentDeclinedError,
  type Authorization,
  type Card,
  type PaymentProvider,
  type TestPaymentProvider,
} from './payments.js';
