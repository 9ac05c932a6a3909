/**
 * workers/receipts/: the receipt mailed to the buyer once an order is paid — its own JetStream consumer of the
 * payment events, the claim-then-record of each receipt in PostgreSQL (once per order), and the mail's text. It may
 * import inventory/ (the event) and events/ (the consumer shell); infra/ wires it, and only where SMTP_URL is set.
 */
export { formatMoney, receiptMail, type PaidPurchase, type ReceiptMail } from './receipt-mail.js';
export {
  RECEIPTS_DURABLE,
  receiptSubjects,
  ReceiptSendError,
  startReceiptMailer,
  type ReceiptMailer,
  type ReceiptMailerDeps,
  type SendMail,
} from './receipts.js';
export {
  CLAIM_LEASE_SECONDS,
  createReceiptsStore,
  type ClaimRefusal,
  type ReceiptDetails,
  type ReceiptsStore,
} from './receipts-store.js';
