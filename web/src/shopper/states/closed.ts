/** The drop has ended (closed or cancelled): no line to join, a way on to the other drops. */
import type { DropJson } from '../../../index.js';
import { h, type Child } from '../../ui.js';

export function closedCard(drop: DropJson): Child[] {
  return [
    h('h2', { id: 'queue-title' }, 'This drop has ended'),
    h('p', {}, drop.status === 'closed' ? 'It is closed: thanks for coming.' : 'It was cancelled.'),
    h('a', { href: '#/' }, 'See other drops'),
  ];
}
