/** The brand's dashboard: schedule drops, and watch each drop's status, stock and sales. */
import type { DropJson, DropListResponse, DropOrdersResponse, FieldError, StockSnapshot } from '../index.js';
import { api, type Me } from './api.js';
import { lineChart } from './chart.js';
import { startStaffPage } from './staff.js';
import {
  alert,
  badge,
  field,
  h,
  money,
  mount,
  showFieldErrors,
  showProblem,
  stat,
  table,
  when,
} from './ui.js';
import './styles.css';

let me: Me | null = null;
let selected: string | null = null;
let refresh: ReturnType<typeof setInterval> | undefined;

/** `datetime-local` value → ISO string (the browser's time zone), or undefined when empty. */
const isoFrom = (value: string) => (value ? new Date(value).toISOString() : undefined);

/** The new drop's fields, opening in an hour by default. */
function dropForm(): HTMLFormElement {
  const inHour = new Date(Date.now() + 3600_000 - new Date().getTimezoneOffset() * 60_000)
    .toISOString()
    .slice(0, 16);
  return h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'new-drop' },
    h(
      'div',
      { class: 'fields' },
      field('Title', 'title', { required: true, maxlength: 200 }),
      field('SKU', 'sku', { required: true, maxlength: 64 }),
      field('Price', 'priceCents', {
        type: 'number',
        min: 0,
        step: '0.01',
        required: true,
        placeholder: '249.00',
      }),
      field('Currency', 'currency', { value: 'USD', maxlength: 3 }),
      field('Units', 'stock', { type: 'number', min: 1, max: 1000000, step: 1, required: true }),
      field('Opens at', 'opensAt', { type: 'datetime-local', required: true, value: inHour }),
      field('Closes at (optional)', 'closesAt', { type: 'datetime-local' }),
      field('Per shopper', 'perUserLimit', { type: 'number', min: 1, value: 1 }),
      field('Hold (seconds)', 'holdSeconds', { type: 'number', min: 1, max: 86400, value: 1800 }),
      field('Admissions per minute', 'admissionPerMinute', { type: 'number', min: 1, value: 600 }),
      field('Active shoppers at most', 'maxActive', { type: 'number', min: 1, value: 500 }),
    ),
    field('Description', 'description', { type: 'textarea', maxlength: 5000, rows: 3 }),
    h('div', {}, h('button', { type: 'submit' }, 'Schedule drop')),
  );
}

/** The form's drop as the API takes it, or the errors found in the page (the server checks again). */
function readDrop(form: HTMLFormElement): { errors: FieldError[]; body: Record<string, unknown> } {
  const v = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
  const n = (name: string) => Number(v(name));
  const errors: FieldError[] = [];
  if (!v('title')) errors.push({ field: 'title', message: 'Give the drop a title.' });
  if (!v('sku')) errors.push({ field: 'sku', message: 'Give the product’s SKU.' });
  if (v('priceCents') === '' || !(n('priceCents') >= 0))
    errors.push({ field: 'priceCents', message: 'Enter a price of 0 or more.' });
  if (!Number.isInteger(n('stock')) || n('stock') < 1 || n('stock') > 1_000_000)
    errors.push({ field: 'stock', message: 'Between 1 and 1,000,000 units.' });
  if (!v('opensAt')) errors.push({ field: 'opensAt', message: 'When does it open?' });
  else if (new Date(v('opensAt')).getTime() <= Date.now())
    errors.push({ field: 'opensAt', message: 'Pick a time in the future.' });
  if (v('closesAt') && v('opensAt') && new Date(v('closesAt')) <= new Date(v('opensAt')))
    errors.push({ field: 'closesAt', message: 'Must be after the opening.' });
  const body = {
    title: v('title'),
    sku: v('sku'),
    priceCents: Math.round(n('priceCents') * 100),
    currency: v('currency').toUpperCase() || 'USD',
    stock: n('stock'),
    opensAt: isoFrom(v('opensAt')),
    ...(v('closesAt') ? { closesAt: isoFrom(v('closesAt')) } : {}),
    perUserLimit: n('perUserLimit'),
    holdSeconds: n('holdSeconds'),
    admissionPerMinute: n('admissionPerMinute'),
    maxActive: n('maxActive'),
    ...(v('description') ? { description: v('description') } : {}),
  };
  return { errors, body };
}

function createForm(onCreated: (drop: DropJson) => void): HTMLElement {
  const status = h('div', {});
  const form = dropForm();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { errors, body } = readDrop(form);
    if (errors.length > 0) return void showFieldErrors(form, errors);
    api<DropJson>('/api/drops', { body }).then(
      (drop) => {
        showFieldErrors(form, []);
        mount(status, alert('ok', `“${drop.title}” is scheduled for ${when(drop.opensAt)}.`));
        form.reset();
        onCreated(drop);
      },
      (error: unknown) => showProblem(form, status, error),
    );
  });
  return h('section', { class: 'card' }, h('h2', { id: 'new-drop' }, 'Schedule a drop'), status, form);
}

async function dropDetail(target: HTMLElement, drop: DropJson) {
  const [stock, orders] = await Promise.all([
    api<StockSnapshot>(`/api/drops/${drop.id}/stock`).catch(() => null),
    api<DropOrdersResponse>(`/api/drops/${drop.id}/orders?limit=200`),
  ]);
  const paid = orders.orders
    .filter((o) => o.paidAt)
    .sort((a, b) => Date.parse(a.paidAt!) - Date.parse(b.paidAt!));
  let units = 0;
  const points = paid.map((o) => ({ t: Date.parse(o.paidAt!), v: (units += o.quantity) }));
  mount(
    target,
    h('div', { class: 'spread' }, h('h2', {}, drop.title), badge(drop.status)),
    h(
      'p',
      { class: 'muted' },
      `Opens ${when(drop.opensAt)}${drop.closesAt ? ` · closes ${when(drop.closesAt)}` : ''}`,
    ),
    h(
      'div',
      { class: 'stats' },
      stat('Available', String(stock?.available ?? '—')),
      stat('Held', String(stock?.held ?? '—')),
      stat('Sold', String(stock?.sold ?? '—')),
      stat('Revenue', money(orders.totals.paidCents, drop.currency)),
      stat('Expired holds', String(orders.totals.expiredUnits)),
    ),
    h('h3', {}, 'Units sold over time'),
    lineChart(points, 'Units sold over time'),
  );
}

async function dashboard(user: Me, layout: (...children: (Node | null)[]) => void) {
  me = user;
  const list = h('section', { class: 'card', 'aria-labelledby': 'your-drops' });
  const detail = h(
    'section',
    { class: 'card', 'aria-live': 'polite' },
    h('p', { class: 'muted' }, 'Pick a drop to see its sales.'),
  );
  const load = async () => {
    const { drops } = await api<DropListResponse>('/api/drops?limit=200');
    const mine = drops.filter((d) => d.brandId === me?.brandId);
    mount(
      list,
      h('h2', { id: 'your-drops' }, 'Your drops'),
      mine.length === 0
        ? h('p', { class: 'muted' }, 'None yet: schedule your first below.')
        : table(
            ['Drop', 'Opens', 'Units', 'Status'],
            mine.map((d) => [
              h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  onclick: () => ((selected = d.id), void dropDetail(detail, d)),
                },
                d.title,
              ),
              when(d.opensAt),
              String(d.stock),
              badge(d.status),
            ]),
          ),
    );
    const current = mine.find((d) => d.id === selected);
    if (current) await dropDetail(detail, current);
  };
  layout(
    h('h1', {}, 'Brand dashboard'),
    list,
    detail,
    createForm((drop) => ((selected = drop.id), void load())),
  );
  await load();
  clearInterval(refresh);
  refresh = setInterval(() => void load().catch(() => {}), 3000);
}

startStaffPage({
  title: 'Brand dashboard',
  role: 'brand',
  note: 'Brand accounts are created by a Dropline operator.',
  dashboard,
  leave: () => clearInterval(refresh),
});
