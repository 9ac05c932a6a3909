/** Not in line yet. */
import type { DropJson } from '../../../index.js';
import { h, type Child } from '../../ui.js';

/** `solving`: how far the drop's challenge is solved (0..1) while the browser works on it before joining. */
export function joiningCard(drop: DropJson, join: () => void, solving: number | null = null): Child[] {
  const early = drop.status === 'scheduled';
  if (solving !== null) {
    const percent = Math.min(99, Math.floor(solving * 100));
    return [
      h('h2', { id: 'state-title' }, 'Joining the line'),
      h(
        'p',
        { class: 'muted', id: 'join-progress-label' },
        'Your browser is solving a short check for bots.',
      ),
      h('progress', {
        id: 'join-progress',
        max: '100',
        value: String(percent),
        'aria-labelledby': 'join-progress-label',
      }),
      h(
        'button',
        { type: 'button', id: 'join', disabled: true, 'aria-busy': 'true' },
        `Checking… ${percent}%`,
      ),
    ];
  }
  return [
    h('h2', { id: 'state-title' }, early ? 'Get in line before it opens' : 'Join the line'),
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
