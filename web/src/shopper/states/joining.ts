/** Not in line yet. */
import type { DropJson } from '../../../index.js';
import { h, type Child } from '../../ui.js';

export function joiningCard(drop: DropJson, join: () => void): Child[] {
  const early = drop.status === 'scheduled';
  return [
    h('h2', { id: 'queue-title' }, early ? 'Get in line before it opens' : 'Join the line'),
    h(
      'p',
      { class: 'muted' },
      early
        ? 'Everyone who joins before the opening gets a random place ahead of later joiners: there is no need to refresh at the opening second.'
        : 'Places are first come, first served.',
    ),
    h('button', { type: 'button', id: 'join', onclick: join }, 'Join the queue'),
  ];
}
