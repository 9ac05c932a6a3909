/**
 * The shopper's orders (#/orders): each with its product, brand, number, amount in the drop's currency,
 * status and shipment, linking to its receipt. One card per order, so that nothing scrolls sideways on a phone.
 */
import type { ShopperOrderJson, ShopperOrderListResponse } from '../../index.js';
import { api } from '../api.js';
import { badge, h, plural, shipmentText, when } from '../ui.js';
import type { ShopperApp } from './app.js';
import { amount } from './receipt-page.js';
import { signInCard } from './sign-in.js';

function orderCard(o: ShopperOrderJson): HTMLElement {
  return h(
    'article',
    { class: 'card order' },
    h(
      'div',
      { class: 'spread' },
      h('h2', {}, h('a', { href: `#/orders/${encodeURIComponent(o.id)}` }, o.title)),
      badge(o.status),
    ),
    h('p', { class: 'muted' }, o.brandName),
    h(
      'p',
      {},
      o.number ? h('strong', {}, o.number) : null,
      o.number ? ' · ' : null,
      `${plural(o.quantity, 'unit')} · ${amount(o.amountCents, o.currency)}`,
    ),
    h('p', { class: 'muted' }, o.paidAt ? `Paid ${when(o.paidAt)}` : `Placed ${when(o.createdAt)}`),
    o.shipment ? h('p', { class: 'shipped' }, shipmentText(o.shipment)) : null,
  );
}

export async function ordersPage(app: ShopperApp): Promise<void> {
  if (!app.me)
    return app.page(
      h('h1', {}, 'Your orders'),
      signInCard(app, () => void app.route()),
    );
  const { orders } = await api<ShopperOrderListResponse>('/api/orders?limit=50');
  app.page(
    h('h1', {}, 'Your orders'),
    orders.length === 0
      ? h('p', { class: 'muted' }, 'No orders yet. Paid orders appear here within a second or two.')
      : h('div', { class: 'stack orders' }, ...orders.map(orderCard)),
  );
}
