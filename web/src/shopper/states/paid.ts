/** Paid: the order is confirmed, and the shopper's place in this drop's line is finished. */
import { alert, h, type Child } from '../../ui.js';

export function paidCard(orderId: string): Child[] {
  return [
    h('h2', { id: 'checkout-title' }, 'Order confirmed'),
    alert('ok', `Thank you! Your order ${orderId.slice(0, 12)}… is paid.`),
    h('a', { href: '#/orders' }, 'See your orders'),
  ];
}

export function finishedCard(): Child[] {
  return [
    h('h2', { id: 'queue-title' }, 'You are done here'),
    h('p', {}, 'Thanks for shopping this drop.'),
    h('a', { href: '#/orders' }, 'See your orders'),
  ];
}
