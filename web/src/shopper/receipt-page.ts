/**
 * One order's receipt (#/orders/<id>): its number, what was bought from whom, how many, the amount in the drop's
 * currency, when it was paid (with the time zone) and where it ships. Reachable from "Your orders" and from the
 * paid state of the drop page.
 */
import type { ShopperOrderJson } from '../../index.js';
import { api, ApiError } from '../api.js';
import { alert, badge, h, shipmentText, when } from '../ui.js';
import type { ShopperApp } from './app.js';
import { signInCard } from './sign-in.js';

/** Minor units in `currency`, as Intl writes it for the shopper (12.50 EUR: "€12.50"; 1200 JPY: "¥1,200"). */
export function amount(minor: number, currency: string): string {
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

/** A term and its value in the receipt's description list. */
const entry = (term: string, ...value: (Node | string)[]) => [h('dt', {}, term), h('dd', {}, ...value)];

function addressLines(address: NonNullable<NonNullable<ShopperOrderJson['buyer']>['address']>): string[] {
  return [
    address.line1,
    ...(address.line2 ? [address.line2] : []),
    `${address.postalCode} ${address.city}`,
    ...(address.region ? [address.region] : []),
    address.country,
  ];
}

/** The internal id, long and unbroken: allowed to wrap anywhere so a phone never scrolls sideways. */
function orderId(id: string): HTMLElement {
  const code = h('code', { class: 'order-id' }, id);
  // Set through the CSSOM: the pages' Content-Security-Policy refuses style attributes.
  code.style.overflowWrap = 'anywhere';
  return code;
}

export function receipt(order: ShopperOrderJson): HTMLElement {
  const buyer = order.buyer;
  return h(
    'article',
    { class: 'card receipt', 'aria-labelledby': 'receipt-title' },
    h('h2', { id: 'receipt-title' }, order.number ? `Order ${order.number}` : 'Order'),
    h(
      'dl',
      { class: 'receipt-details' },
      ...entry('Product', order.title),
      ...entry('Brand', order.brandName),
      ...entry('Quantity', String(order.quantity)),
      ...entry('Amount', amount(order.amountCents, order.currency)),
      ...entry('Status', badge(order.status)),
      ...entry('Paid at', order.paidAt ? when(order.paidAt) : 'Not paid'),
      ...(order.shipment ? entry('Shipping', shipmentText(order.shipment)) : []),
      ...(buyer ? entry('Email', buyer.email) : []),
      ...entry('Order id', orderId(order.id)),
    ),
    buyer?.address
      ? h(
          'section',
          { 'aria-labelledby': 'ship-title' },
          h('h3', { id: 'ship-title' }, 'Shipping to'),
          h('address', {}, ...[buyer.name, ...addressLines(buyer.address)].flatMap((l) => [l, h('br')])),
        )
      : null,
  );
}

/** How often a receipt not found yet is looked for again by itself, a second apart. */
const LOOKS = 10;
const looked = new Map<string, number>();

export async function receiptPage(app: ShopperApp, orderId: string): Promise<void> {
  if (!app.me)
    return app.page(
      h('h1', {}, 'Receipt'),
      signInCard(app, () => void app.route()),
    );
  let order: ShopperOrderJson;
  try {
    order = await api<ShopperOrderJson>(`/api/orders/${encodeURIComponent(orderId)}`);
  } catch (error) {
    // Paid a moment ago: the order reaches the order pages within a second or two, so look again by itself.
    if (error instanceof ApiError && error.status === 404) {
      const tries = (looked.get(orderId) ?? 0) + 1;
      looked.set(orderId, tries);
      if (tries < LOOKS) {
        const timer = setTimeout(() => void app.route(), 1000);
        app.onLeave(() => clearTimeout(timer));
      }
      return app.page(
        h('h1', {}, 'Receipt'),
        alert('info', 'This order is not here yet. Paid orders appear within a second or two.'),
        h(
          'div',
          { class: 'row' },
          h('button', { type: 'button', onclick: () => void app.route() }, 'Look again'),
          h('a', { href: '#/orders' }, 'Your orders'),
        ),
      );
    }
    throw error;
  }
  looked.delete(orderId);
  app.page(
    h('h1', {}, 'Receipt'),
    receipt(order),
    h('p', {}, h('a', { href: '#/orders' }, 'All your orders')),
  );
}
