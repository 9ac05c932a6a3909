/**
 * Units held for the shopper until the hold expires: check out (the buyer, a shipping address when the drop ships,
 * and the card), or give them back. Every field is checked here before anything is sent, with the message next to
 * the field; the server checks the same and its answers land at the same fields.
 */
import type { DropJson, FieldError, ReservationJson } from '../../../index.js';
import { currentUser } from '../../api.js';
import { alert, countdown, field, h, showFieldErrors, type Child } from '../../ui.js';
import { amount } from '../receipt-page.js';

/** The body of `POST /api/reservations/:id/pay`, as the form gives it. */
export interface CheckoutBody {
  card: { number: string; expMonth: number; expYear: number; cvc: string };
  buyer: {
    name: string;
    email?: string;
    address?: {
      line1: string;
      line2?: string;
      city: string;
      postalCode: string;
      region?: string;
      country: string;
    };
  };
}

/** Whether the digits pass the Luhn check every card number carries. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const value = (form: HTMLFormElement, name: string): string =>
  (form.elements.namedItem(name) as HTMLInputElement | null)?.value.trim() ?? '';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The checkout body the form holds, or the fields at fault (named as the form's inputs: `card.exp` stands for the
 * API's `card.expMonth` and `card.expYear`).
 */
export function readCheckout(
  form: HTMLFormElement,
  now = new Date(),
): CheckoutBody | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const need = (name: string, message: string) => {
    const v = value(form, name);
    if (!v) errors.push({ field: name, message });
    return v;
  };
  const number = value(form, 'card.number').replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number))
    errors.push({ field: 'card.number', message: 'Enter the card number: 12 to 19 digits.' });
  else if (!luhn(number))
    errors.push({ field: 'card.number', message: 'This card number is not valid. Check the digits.' });
  const exp = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(value(form, 'card.exp'));
  const expMonth = exp ? Number(exp[1]) : 0;
  const expYear = exp ? (exp[2]!.length === 2 ? 2000 + Number(exp[2]) : Number(exp[2])) : 0;
  if (!exp || expMonth < 1 || expMonth > 12)
    errors.push({ field: 'card.exp', message: 'Enter the expiry as MM/YY, e.g. 08/29.' });
  else if (expYear * 12 + expMonth < now.getFullYear() * 12 + now.getMonth() + 1)
    errors.push({ field: 'card.exp', message: 'This card has expired.' });
  const cvc = value(form, 'card.cvc');
  if (!/^\d{3,4}$/.test(cvc))
    errors.push({ field: 'card.cvc', message: 'Enter the 3 or 4 digits on the back of the card.' });

  const name = need('buyer.name', 'Enter your name.');
  const email = value(form, 'buyer.email');
  const accountEmail = form.dataset.accountEmail;
  if (!email && !accountEmail)
    errors.push({ field: 'buyer.email', message: 'Enter your email: the receipt is sent there.' });
  else if (email && !EMAIL.test(email))
    errors.push({ field: 'buyer.email', message: 'Enter an email address such as name@example.com.' });

  let address: NonNullable<CheckoutBody['buyer']['address']> | undefined;
  if (form.elements.namedItem('buyer.address.line1')) {
    const line1 = need('buyer.address.line1', 'Enter the street and number.');
    const city = need('buyer.address.city', 'Enter the city.');
    const postalCode = need('buyer.address.postalCode', 'Enter the postal code.');
    const country = value(form, 'buyer.address.country').toUpperCase();
    if (!/^[A-Z]{2}$/.test(country))
      errors.push({ field: 'buyer.address.country', message: 'Enter the two-letter country code, e.g. DE.' });
    const line2 = value(form, 'buyer.address.line2');
    const region = value(form, 'buyer.address.region');
    address = {
      line1,
      ...(line2 ? { line2 } : {}),
      city,
      postalCode,
      ...(region ? { region } : {}),
      country,
    };
  }
  if (errors.length > 0) return { errors };
  return {
    card: { number, expMonth, expYear, cvc },
    buyer: { name, ...(email ? { email } : {}), ...(address ? { address } : {}) },
  };
}

/** The server's field names, as the form's inputs are named. */
export const formField = (field: string): string =>
  field === 'card.expMonth' || field === 'card.expYear' ? 'card.exp' : field;

function buyerFields(drop: DropJson): Child[] {
  const ships = drop.fulfilment === 'shipped';
  return [
    h(
      'fieldset',
      { class: 'fields' },
      h('legend', {}, 'Your details'),
      field('Full name', 'buyer.name', { autocomplete: 'name', required: true }),
      field('Email for the receipt', 'buyer.email', {
        type: 'email',
        autocomplete: 'email',
        inputmode: 'email',
        required: true,
      }),
    ),
    ships &&
      h(
        'fieldset',
        { class: 'fields' },
        h('legend', {}, 'Shipping address'),
        field('Street and number', 'buyer.address.line1', { autocomplete: 'address-line1', required: true }),
        field('Apartment, floor (optional)', 'buyer.address.line2', { autocomplete: 'address-line2' }),
        field('Postal code', 'buyer.address.postalCode', { autocomplete: 'postal-code', required: true }),
        field('City', 'buyer.address.city', { autocomplete: 'address-level2', required: true }),
        field('Region (optional)', 'buyer.address.region', { autocomplete: 'address-level1' }),
        field('Country (2 letters)', 'buyer.address.country', {
          autocomplete: 'country',
          maxlength: 2,
          placeholder: 'DE',
          required: true,
        }),
      ),
  ];
}

function cardFields(): HTMLElement {
  return h(
    'fieldset',
    { class: 'fields' },
    h('legend', {}, 'Card'),
    field('Card number', 'card.number', {
      inputmode: 'numeric',
      autocomplete: 'cc-number',
      placeholder: '4242 4242 4242 4242',
      required: true,
    }),
    field('Expiry (MM/YY)', 'card.exp', {
      inputmode: 'numeric',
      autocomplete: 'cc-exp',
      placeholder: 'MM/YY',
      maxlength: 7,
      required: true,
    }),
    field('CVC', 'card.cvc', {
      inputmode: 'numeric',
      autocomplete: 'cc-csc',
      maxlength: 4,
      required: true,
    }),
  );
}

/** A registered shopper's receipt goes to the account's email unless another is given. */
function offerAccountEmail(form: HTMLFormElement): void {
  void currentUser()
    .then((me) => {
      if (!me || me.guest || !me.email) return;
      form.dataset.accountEmail = me.email;
      const input = form.elements.namedItem('buyer.email') as HTMLInputElement | null;
      if (!input) return;
      input.required = false;
      input.placeholder = me.email;
      input.labels?.[0]?.firstChild?.replaceWith('Email for the receipt (optional)');
    })
    .catch(() => undefined);
}

function payForm(
  drop: DropJson,
  hold: ReservationJson,
  pay: (card: string, form: HTMLFormElement) => void,
  release: () => void,
): HTMLFormElement {
  const form = h(
    'form',
    { class: 'stack', novalidate: true, id: 'pay-form', 'aria-label': 'Checkout' },
    ...buyerFields(drop),
    cardFields(),
    h('p', { class: 'muted' }, 'Test cards: a number ending 4242 is approved, one ending 0002 is declined.'),
    h('div', { class: 'form-status', role: 'status' }),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit' }, `Pay ${amount(drop.priceCents * hold.quantity, drop.currency)}`),
      h('button', { type: 'button', class: 'secondary', onclick: release }, 'Give it back'),
    ),
  );
  offerAccountEmail(form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const checked = readCheckout(form);
    if ('errors' in checked) return void showFieldErrors(form, checked.errors);
    showFieldErrors(form, []);
    pay(checked.card.number, form);
  });
  return form;
}

/** Shows the server's refusal of a checkout at the form's fields; what matches no field, above the buttons. */
export function showCheckoutErrors(form: HTMLFormElement, errors: FieldError[], fallback: string): void {
  const rest = showFieldErrors(
    form,
    errors.map((e) => ({ ...e, field: formField(e.field) })),
  );
  const status = form.querySelector<HTMLElement>('.form-status');
  if (status)
    status.replaceChildren(
      ...(rest.length > 0 || errors.length === 0
        ? [alert('error', rest.map((e) => `${e.field}: ${e.message}`).join('; ') || fallback)]
        : []),
    );
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
