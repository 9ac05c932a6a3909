/**
 * The ends of the line: the drop closed, was cancelled, or sold every unit (sold out for good), or the shopper left
 * the line. Each says what happened and offers one way on.
 */
import type { DropJson } from '../../../index.js';
import { h, type Child } from '../../ui.js';

const otherDrops = () => h('a', { class: 'button', href: '#/' }, 'See other drops');

export const closedCard = (): Child[] => [
  h('h2', { id: 'state-title' }, 'This drop has closed'),
  h('p', {}, 'It is no longer on sale.'),
  otherDrops(),
];

export const cancelledCard = (): Child[] => [
  h('h2', { id: 'state-title' }, 'This drop was cancelled'),
  h('p', {}, 'It will not go on sale. Nobody was charged.'),
  otherDrops(),
];

export const soldOutForGoodCard = (drop: DropJson): Child[] => [
  h('h2', { id: 'state-title' }, drop.stock === 1 ? 'Sold' : `All ${drop.stock.toLocaleString()} sold`),
  h(
    'p',
    {},
    drop.stock === 1
      ? 'Its only unit has been bought, so the line is closed.'
      : `Every one of the ${drop.stock.toLocaleString()} units has been bought, so the line is closed.`,
  ),
  otherDrops(),
];

export const leftCard = (joinAgain: () => void): Child[] => [
  h('h2', { id: 'state-title' }, 'You left the line'),
  h('p', {}, 'Your place was given up. Joining again puts you at the back.'),
  h('button', { type: 'button', onclick: joinAgain }, 'Join again at the back'),
];
