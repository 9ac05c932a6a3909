/**
 * Admitted: the shopper's turn to reserve, for as long as the admission window lasts; and expired: the turn ended
 * without an order (the window closed unused, or the hold ran out unpaid).
 */
import type { DropJson } from '../../../index.js';
import { countdown, h, type Child } from '../../ui.js';

/**
 * The turn ended without an order. While the admission still runs (a hold ran out early in the window), the next
 * action is reserving again; otherwise joining again, at the back.
 */
export function expiredCard(
  holdRanOut: boolean,
  next: { reserveAgain: () => void } | { joinAgain: () => void },
) {
  return [
    h('h2', { id: 'state-title' }, 'Your turn has passed'),
    h(
      'p',
      {},
      holdRanOut
        ? 'Your hold was not paid in time, and its units went back on sale.'
        : 'Your window to reserve closed before you reserved.',
    ),
    'reserveAgain' in next
      ? h('button', { type: 'button', onclick: next.reserveAgain }, 'Reserve again')
      : h('button', { type: 'button', onclick: next.joinAgain }, 'Join again at the back'),
  ];
}

/** The turn: choosing how many to reserve, up to the drop's limit per shopper, before the window closes. */
export function admittedCard(
  drop: DropJson,
  admission: { expiresAt: string },
  reserve: (quantity: number) => void,
): Child[] {
  const form = h(
    'form',
    { class: 'stack' },
    h(
      'label',
      { for: 'f-quantity' },
      'How many',
      h(
        'select',
        { id: 'f-quantity', name: 'quantity' },
        ...Array.from({ length: drop.perUserLimit }, (_, i) => h('option', { value: i + 1 }, String(i + 1))),
      ),
    ),
    h('button', { type: 'submit' }, 'Reserve'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    reserve(Number((form.elements.namedItem('quantity') as HTMLSelectElement).value));
  });
  return [
    h('h2', { id: 'state-title' }, 'It’s your turn'),
    h(
      'p',
      {},
      'Reserve before your window closes, in ',
      h('strong', { 'data-countdown': admission.expiresAt }, countdown(new Date(admission.expiresAt))),
      '.',
    ),
    form,
  ];
}
