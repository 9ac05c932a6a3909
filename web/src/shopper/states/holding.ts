/** Units held for the shopper until the hold expires: pay with a test card, or give them back. */
import type { DropJson, ReservationJson } from '../../../index.js';
import { alert, countdown, field, h, money, showFieldErrors, type Child } from '../../ui.js';

function payForm(
  drop: DropJson,
  hold: ReservationJson,
  pay: (card: string, form: HTMLFormElement) => void,
  release: () => void,
): HTMLFormElement {
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    field('Card number', 'card', {
      inputmode: 'numeric',
      autocomplete: 'cc-number',
      placeholder: '4242 4242 4242 4242',
      required: true,
    }),
    h('p', { class: 'muted' }, 'Test cards: a number ending 4242 is approved, one ending 0002 is declined.'),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit' }, `Pay ${money(drop.priceCents * hold.quantity, drop.currency)}`),
      h('button', { type: 'button', class: 'secondary', onclick: release }, 'Give it back'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const card = (form.elements.namedItem('card') as HTMLInputElement).value.replace(/[\s-]/g, '');
    if (!/^\d{12,19}$/.test(card))
      return void showFieldErrors(form, [
        { field: 'card', message: 'Enter a card number of 12 to 19 digits.' },
      ]);
    pay(card, form);
  });
  return form;
}

export function holdingCard(
  drop: DropJson,
  hold: ReservationJson,
  pay: (card: string, form: HTMLFormElement) => void,
  release: () => void,
): Child[] {
  return [
    h('h2', { id: 'checkout-title' }, `${hold.quantity} held for you`),
    h(
      'p',
      {},
      'Pay within ',
      h('strong', { 'data-countdown': hold.expiresAt }, countdown(new Date(hold.expiresAt))),
      ' or the units go back on sale.',
    ),
    payForm(drop, hold, pay, release),
  ];
}

/** The hold ran out unpaid; while still admitted, the shopper may reserve again (`retry`). */
export function holdExpiredCard(retry: (() => void) | null): Child[] {
  return [
    h('h2', { id: 'checkout-title' }, 'Your hold expired'),
    alert('error', 'It was not paid in time and the units went back on sale.'),
    retry
      ? h('button', { type: 'button', onclick: retry }, 'Try again')
      : h('a', { href: '#/' }, 'See other drops'),
  ];
}
