/** Paid: the order is confirmed, with a link to its receipt, and the shopper's place in this drop's line is finished. */
import { alert, h, type Child } from '../../ui.js';

export function paidCard(orderId: string): Child[] {
  return [
    h('h2', { id: 'checkout-title' }, 'Order confirmed'),
    alert('ok', 'Thank you! Your order is paid.'),
    h(
      'div',
      { class: 'row' },
      h('a', { href: `#/orders/${encodeURIComponent(orderId)}`, class: 'button' }, 'See your receipt'),
      h('a', { href: '#/orders' }, 'See your orders'),
    ),
  ];
}
