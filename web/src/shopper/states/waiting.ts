/**
 * In line: before the opening with no place yet (prequeue), then waiting for the turn, paused by the organiser, or
 * waiting while every unit is held (sold out for now, in sold-out.ts). A waiting card is built once per state and
 * then brought up to date in place by `updateWaiting`, so a push moves its figures without rebuilding the card.
 */
import type { DropJson, QueueStateJson } from '../../../index.js';
import { countdown, etaText, h, ordinal, stat, when, type Child } from '../../ui.js';
import type { DropState } from '../drop-state.js';

/** Before the opening: places are drawn when the drop opens. */
export function prequeueCard(drop: DropJson, leaveLine: () => void): Child[] {
  return [
    h('h2', { id: 'state-title' }, 'Your place is drawn at the opening'),
    h(
      'p',
      {},
      'Everyone in line before ',
      when(drop.opensAt),
      ' gets a random place ahead of later joiners. That is in ',
      h('strong', { 'data-countdown': drop.opensAt }, countdown(new Date(drop.opensAt))),
      '.',
    ),
    leaveButton(leaveLine),
  ];
}

const STORE = (dropId: string) => `dropline:start-ahead:${dropId}`;

/**
 * How far along the shopper is, in percent, measured from the furthest it has been from the front. That furthest
 * point is kept in the tab's session storage, so the bar survives a reload.
 */
function progress(s: DropState, ahead: number): number {
  const stored = Number(sessionStorage.getItem(STORE(s.drop.id)) ?? Number.NaN);
  s.startAhead = Math.max(s.startAhead ?? (Number.isFinite(stored) ? stored : ahead), ahead);
  sessionStorage.setItem(STORE(s.drop.id), String(s.startAhead));
  return s.startAhead === 0 ? 100 : Math.round(((s.startAhead - ahead) / s.startAhead) * 100);
}

/** Forgets the progress bar's starting point: the shopper left the line. */
export const forgetProgress = (dropId: string) => sessionStorage.removeItem(STORE(dropId));

const leaveButton = (leaveLine: () => void) =>
  h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: leaveLine }, 'Leave the line'));

/** What the wait reads: a time while the line moves, the reason when it does not. */
function waitText(q: QueueStateJson): string {
  if (q.status === 'sold_out') return 'until units come back';
  if (q.paused) return 'paused';
  return q.etaSeconds === null ? 'working it out…' : etaText(q.etaSeconds);
}

/**
 * The place among those waiting (ahead + 1, so place, ahead and in line always add up), the estimated wait and a
 * progress bar, left empty: `updateWaiting` fills them once the card is on the page. `lead` is the heading and
 * message.
 */
export function waitingCard(leaveLine: () => void, lead: Child[]): Child[] {
  const bar = h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'Progress to the front' });
  bar.setAttribute('aria-valuemin', '0');
  bar.setAttribute('aria-valuemax', '100');
  bar.append(h('div'));
  const card = [
    ...lead,
    h(
      'div',
      { class: 'stats' },
      stat('Your place', '…', 'stat-position'),
      stat('Ahead of you', '…', 'stat-ahead'),
      stat('Waiting in all', '…', 'stat-in-line'),
    ),
    h('p', {}, 'Estimated wait: ', h('strong', { id: 'stat-eta' }, '…')),
    bar,
    leaveButton(leaveLine),
  ];
  return card;
}

/** Brings a waiting card's figures up to date in place. */
export function updateWaiting(s: DropState, q: QueueStateJson): void {
  const ahead = q.ahead ?? 0;
  const set = (id: string, text: string) => {
    const el = document.getElementById(id);
    if (el && el.textContent !== text) el.textContent = text;
  };
  set('stat-position', ordinal(ahead + 1));
  set('stat-ahead', ahead.toLocaleString());
  set('stat-in-line', Math.max(q.queueLength, ahead + 1).toLocaleString());
  set('stat-eta', waitText(q));
  const done = progress(s, ahead);
  const bar = document.querySelector<HTMLElement>('.progress[role="progressbar"]');
  if (bar) {
    bar.setAttribute('aria-valuenow', String(done));
    // Through the CSSOM: the pages' CSP refuses style attributes.
    (bar.firstElementChild as HTMLElement).style.width = `${done}%`;
  }
}

/** Waiting for the turn. */
export function waitingLead(): Child[] {
  return [
    h('h2', { id: 'state-title' }, 'You are in line'),
    h('p', {}, 'Keep this page open: it moves on to your turn by itself.'),
  ];
}

/** Admission paused by the organiser, with their word if they left one. */
export function pausedLead(q: QueueStateJson): Child[] {
  return [
    h('h2', { id: 'state-title' }, 'The line is paused'),
    h('p', {}, 'Paused by the organiser. Your place is kept and the line moves again when they resume.'),
    q.pauseMessage ? h('blockquote', { id: 'pause-message' }, q.pauseMessage) : null,
  ];
}
