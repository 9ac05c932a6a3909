/**
 * The drop's form, to schedule a drop or change one still scheduled: every field the API takes, the price in the
 * currency's units, the fulfilment, and the brands releasing it with their shares (whole percent adding up to 100).
 * The page checks what it can before sending; the server checks again and its refusals land at their fields.
 */
import type { DropJson, FieldError } from '../../index.js';
import { api, ApiError } from '../api.js';
import { alert, field, h, mount, showFieldErrors } from '../ui.js';
import { brandsFieldset, prefixIds } from './brands-fieldset.js';
import { decimalsOf, parsePrice, priceExample, priceHint, unitsText } from './money-input.js';

/** `datetime-local` value → ISO string (the browser's time zone), or undefined when empty. */
const isoFrom = (value: string) => (value ? new Date(value).toISOString() : undefined);
/** ISO string → `datetime-local` value in the browser's time zone. */
const localFrom = (iso: string) =>
  new Date(Date.parse(iso) - new Date(iso).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

function select(label: string, name: string, options: [string, string][], value: string): HTMLElement {
  const id = `f-${name}`;
  return h(
    'label',
    { for: id },
    label,
    h(
      'select',
      { id, name, 'aria-describedby': `${id}-error` },
      ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
    ),
    h('span', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' }),
  );
}

/**
 * The form; `drop` given: its fields prefilled, sent as a PATCH. `done` gets the drop the server answered with.
 */
export function dropForm(
  leadId: string,
  drop: DropJson | undefined,
  done: (drop: DropJson) => void,
): HTMLFormElement {
  const inHour = localFrom(new Date(Date.now() + 3600_000).toISOString());
  const currency = drop?.currency ?? 'USD';
  const prefix = drop ? 'edit-' : '';
  const brands = brandsFieldset(leadId, drop, prefix);
  const price = field('Price', 'priceCents', {
    inputmode: 'decimal',
    required: true,
    autocomplete: 'off',
    placeholder: priceExample(currency),
    value: drop ? unitsText(drop.priceCents, currency) : undefined,
  });
  const priceNote = h(
    'span',
    { class: 'muted hint', id: 'f-price-hint' },
    `In ${currency}, e.g. ${priceExample(currency)}`,
  );
  price.querySelector('input')!.setAttribute('aria-describedby', 'f-priceCents-error f-price-hint');
  const priceField = h('div', { class: 'with-hint' }, price, priceNote);
  const status = h('div', {});
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-label': drop ? `Change ${drop.title}` : 'Schedule a drop' },
    status,
    h(
      'div',
      { class: 'fields' },
      field('Title', 'title', { required: true, maxlength: 200, value: drop?.title }),
      field('SKU', 'sku', { required: true, maxlength: 64, value: drop?.sku }),
      priceField,
      field('Currency', 'currency', { value: currency, maxlength: 3, autocomplete: 'off' }),
      field('Units', 'stock', {
        type: 'number',
        min: 1,
        max: 1000000,
        step: 1,
        required: true,
        value: drop?.stock,
      }),
      select(
        'Fulfilment',
        'fulfilment',
        [
          ['shipped', 'Shipped'],
          ['pickup', 'Picked up'],
          ['digital', 'Digital'],
        ],
        drop?.fulfilment ?? 'shipped',
      ),
      field('Opens at', 'opensAt', {
        type: 'datetime-local',
        required: true,
        value: drop ? localFrom(drop.opensAt) : inHour,
      }),
      field('Closes at (optional)', 'closesAt', {
        type: 'datetime-local',
        value: drop?.closesAt ? localFrom(drop.closesAt) : undefined,
      }),
      field('Per shopper', 'perUserLimit', { type: 'number', min: 1, value: drop?.perUserLimit ?? 1 }),
      field('Hold (seconds)', 'holdSeconds', {
        type: 'number',
        min: 1,
        max: 86400,
        value: drop?.holdSeconds ?? 1800,
      }),
      field('Admissions per minute', 'admissionPerMinute', {
        type: 'number',
        min: 1,
        value: drop?.admissionPerMinute ?? 600,
      }),
      field('Active shoppers at most', 'maxActive', {
        type: 'number',
        min: 1,
        value: drop?.maxActive ?? 500,
      }),
    ),
    field('Description', 'description', { type: 'textarea', maxlength: 5000, rows: 3 }),
    brands.element,
    h('div', { class: 'row' }, h('button', { type: 'submit' }, drop ? 'Save changes' : 'Schedule drop')),
  );
  if (drop) (form.elements.namedItem('description') as HTMLTextAreaElement).value = drop.description;
  const currencyInput = form.elements.namedItem('currency') as HTMLInputElement;
  currencyInput.addEventListener('input', () => {
    const code = currencyInput.value.trim().toUpperCase();
    if (decimalsOf(code) === null) return;
    (form.elements.namedItem('priceCents') as HTMLInputElement).placeholder = priceExample(code);
    priceNote.textContent = `In ${code}, e.g. ${priceExample(code)}`;
  });

  /** Errors at their fields, the brands' at the brands; returns what matched none. */
  const showErrors = (errors: FieldError[]): FieldError[] => {
    const ofBrands = errors.filter((e) => e.field === 'brands' || e.field.startsWith('brands.'));
    const unmatched = showFieldErrors(
      form,
      errors.filter((e) => !ofBrands.includes(e)),
    );
    brands.errorSlot.textContent = ofBrands.map((e) => e.message).join(' ');
    if (ofBrands.length > 0 && !form.querySelector('[aria-invalid="true"]'))
      form.querySelector<HTMLElement>('[name="share-lead"]')?.focus();
    return unmatched;
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { errors, body } = readDrop(form, drop);
    const shares = brands.read(form);
    if (shares.error) errors.push({ field: 'brands', message: shares.error });
    if (errors.length > 0) return void (showErrors(errors), mount(status));
    if (drop || brands.hasPartners()) body.brands = shares.brands;
    const request = drop
      ? api<DropJson>(`/api/drops/${drop.id}`, { method: 'PATCH', body })
      : api<DropJson>('/api/drops', { body });
    request.then(
      (saved) => {
        showErrors([]);
        mount(status);
        done(saved);
      },
      (error: unknown) => {
        const code = String(body.currency);
        // The server speaks of minor units; the brand typed units.
        const fieldErrors =
          error instanceof ApiError
            ? error.errors.map((e) => (e.field === 'priceCents' ? { ...e, message: priceHint(code) } : e))
            : [];
        const rest = showErrors(fieldErrors);
        mount(
          status,
          rest.length > 0 || fieldErrors.length === 0
            ? alert('error', error instanceof ApiError ? error.message : 'Something went wrong. Try again.')
            : null,
        );
      },
    );
  });
  prefixIds(form, prefix);
  return form;
}

/** The form's drop as the API takes it, or the errors found in the page (the server checks again). */
function readDrop(
  form: HTMLFormElement,
  drop: DropJson | undefined,
): { errors: FieldError[]; body: Record<string, unknown> } {
  const v = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
  const n = (name: string) => Number(v(name));
  const errors: FieldError[] = [];
  const currency = v('currency').toUpperCase() || 'USD';
  if (!v('title')) errors.push({ field: 'title', message: 'Give the drop a title.' });
  if (!v('sku')) errors.push({ field: 'sku', message: 'Give the product’s SKU.' });
  const known = /^[A-Z]{3}$/.test(currency) && decimalsOf(currency) !== null;
  if (!known) errors.push({ field: 'currency', message: 'Use a three-letter currency code such as EUR.' });
  const priceCents = parsePrice(v('priceCents'), known ? currency : 'USD');
  if (priceCents === null) errors.push({ field: 'priceCents', message: priceHint(known ? currency : 'USD') });
  if (!Number.isInteger(n('stock')) || n('stock') < 1 || n('stock') > 1_000_000)
    errors.push({ field: 'stock', message: 'Between 1 and 1,000,000 units.' });
  // A change sends the opening only when the brand moved it (the server asks a new one to be in the future).
  const opensAtMoved = !drop || v('opensAt') !== localFrom(drop.opensAt);
  if (!v('opensAt')) errors.push({ field: 'opensAt', message: 'When does it open?' });
  else if (opensAtMoved && new Date(v('opensAt')).getTime() <= Date.now())
    errors.push({ field: 'opensAt', message: 'Pick a time in the future.' });
  if (v('closesAt') && v('opensAt') && new Date(v('closesAt')) <= new Date(v('opensAt')))
    errors.push({ field: 'closesAt', message: 'Must be after the opening.' });
  const body: Record<string, unknown> = {
    title: v('title'),
    sku: v('sku'),
    fulfilment: v('fulfilment'),
    priceCents,
    currency,
    stock: n('stock'),
    ...(opensAtMoved ? { opensAt: isoFrom(v('opensAt')) } : {}),
    perUserLimit: n('perUserLimit'),
    holdSeconds: n('holdSeconds'),
    admissionPerMinute: n('admissionPerMinute'),
    maxActive: n('maxActive'),
  };
  // A change clears what the brand emptied; a new drop leaves out what it did not give.
  if (v('closesAt')) body.closesAt = isoFrom(v('closesAt'));
  else if (drop) body.closesAt = null;
  if (v('description') || drop) body.description = v('description');
  return { errors, body };
}
