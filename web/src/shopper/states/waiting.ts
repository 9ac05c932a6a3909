/** In line: before the opening with no place yet, then with a place that moves to the front. */
import type { DropJson, QueueStateJson } from '../../../index.js';
import { countdown, h, stat, type Child } from '../../ui.js';
import type { DropState } from '../drop-state.js';

/** Before the opening: places are drawn when the drop opens. */
export function prequeueCard(drop: DropJson): Child[] {
  return [
    h('h2', { id: 'queue-title' }, 'You are in line'),
    h(
      'p',
      {},
      'Your place is drawn at random when the drop opens, in ',
      h('strong', { 'data-countdown': drop.opensAt }, countdown(new Date(drop.opensAt))),
      '.',
    ),
  ];
}

/** How far along the shopper is, in percent: measured from the furthest it has been from the front. */
function progress(s: DropState, ahead: number): number {
  s.startAhead = Math.max(s.startAhead ?? ahead, ahead);
  return s.startAhead === 0 ? 100 : Math.round(((s.startAhead - ahead) / s.startAhead) * 100);
}

/** The place, the people ahead, the estimated wait and a progress bar; `notice` explains a pause in the line. */
export function waitingCard(
  s: DropState,
  q: QueueStateJson,
  leaveLine: () => void,
  heading = 'You are in line',
  notice: HTMLElement | null = null,
): Child[] {
  const ahead = q.ahead ?? 0;
  const done = progress(s, ahead);
  // Through the CSSOM: the pages' CSP refuses style attributes.
  const bar = h('div');
  bar.style.width = `${done}%`;
  return [
    h('h2', { id: 'queue-title' }, heading),
    notice,
    h(
      'div',
      { class: 'stats' },
      stat('Your place', String(q.position ?? '…'), 'stat-position'),
      stat('Ahead of you', String(ahead), 'stat-ahead'),
      stat(
        'Estimated wait',
        q.etaSeconds === null ? '—' : countdown(new Date(Date.now() + q.etaSeconds * 1000)),
        'stat-eta',
      ),
      stat('In line', String(q.queueLength)),
    ),
    h(
      'div',
      {
        class: 'progress',
        role: 'progressbar',
        'aria-label': 'Progress to the front',
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-valuenow': done,
      },
      bar,
    ),
    h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: leaveLine }, 'Leave the line')),
  ];
}
