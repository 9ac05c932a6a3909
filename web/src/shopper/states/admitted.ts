/** Admitted: the shopper's turn to reserve, for as long as the admission window lasts. */
import type { DropJson } from '../../../index.js';
import { countdown, h, type Child } from '../../ui.js';

export function admittedCard(): Child[] {
  return [
    h('h2', { id: 'queue-title' }, 'It’s your turn'),
    h('p', {}, 'You were admitted. Reserve below before your window closes.'),
  ];
}

/** The window closed without a reservation: the place is gone, joining again puts the shopper at the back. */
export function turnPassedCard(joinAgain: () => void): Child[] {
  return [
    h('h2', { id: 'queue-title' }, 'Your turn has passed'),
    h('p', {}, 'Your admission window ended without a reservation.'),
    h('button', { type: 'button', onclick: joinAgain }, 'Join again at the back'),
  ];
}

/** Choosing how many to reserve, up to the drop's limit per shopper. */
export function reserveCard(
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
    h('h2', { id: 'checkout-title' }, 'Reserve now'),
    h(
      'p',
      {},
      'Your window closes in ',
      h('strong', { 'data-countdown': admission.expiresAt }, countdown(new Date(admission.expiresAt))),
      '.',
    ),
    form,
  ];
}
