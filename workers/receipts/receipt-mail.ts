/** The receipt mail's text: what was bought, from whom, for how much, when, and where it ships. */
import type { ReceiptDetails } from './receipts-store.js';

export interface PaidPurchase {
  reservationId: string;
  quantity: number;
  amountCents: number;
  paidAt: Date;
}

/** `amountCents` minor units in `currency`, as Intl writes it (EUR 12.50 → "€12.50"). */
export function formatMoney(amountCents: number, currency: string, locale = 'en'): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amountCents / 10 ** digits);
}

export interface ReceiptMail {
  to: string;
  subject: string;
  text: string;
  /** The same for every attempt at one receipt, so that a mail server may tell a repeat. */
  messageId: string;
}

export function receiptMail(details: ReceiptDetails, paid: PaidPurchase, host: string): ReceiptMail {
  const { buyer } = details;
  const a = buyer.address;
  const lines = [
    `Thank you for your order, ${buyer.name}.`,
    '',
    `Order number: ${details.number}`,
    `Order id: ${paid.reservationId}`,
    `Product: ${details.title}`,
    `Brand: ${details.brandName}`,
    `Quantity: ${paid.quantity}`,
    `Amount paid: ${formatMoney(paid.amountCents, details.currency)}`,
    `Paid at: ${paid.paidAt
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC')}`,
    ...(a
      ? [
          '',
          'Shipping to:',
          buyer.name,
          a.line1,
          ...(a.line2 ? [a.line2] : []),
          `${a.postalCode} ${a.city}`,
          ...(a.region ? [a.region] : []),
          a.country,
        ]
      : []),
  ];
  return {
    to: buyer.email,
    subject: `Your receipt ${details.number}: ${details.title}`,
    text: `${lines.join('\n')}\n`,
    messageId: `<${details.number}.${paid.reservationId}@${host}>`,
  };
}
