/**
 * A drop's orders on the brand's dashboard (and the operator's): the takings per brand, a status filter, the orders
 * table (number, buyer, email, ship-to, status, shipped) paged with "Load more", the CSV download of every order,
 * and — for the drop's lead brand and operators — "Mark shipped" with an optional tracking reference. On a 390 px
 * screen the table scrolls inside its own box; the page never scrolls sideways.
 */
import type { DropJson, DropOrderJson, DropOrdersResponse, ShipmentRequest } from '../index.js';
import { api, type Me } from './api.js';
import './brand-orders.css';
import { alert, badge, errorText, h, money, mount, plural, shipmentText } from './ui.js';

const PAGE = 50;
const STATUSES = ['paid', 'held', 'expired', 'released'] as const;

function shipTo(o: DropOrderJson): string {
  const a = o.buyer?.address;
  if (!a) return '—';
  return [a.line1, a.line2, `${a.postalCode} ${a.city}`, a.region, a.country].filter(Boolean).join(', ');
}

export function ordersSection(drop: DropJson, me: Me): HTMLElement {
  const ships = me.role === 'operator' || (me.role === 'brand' && me.brandId === drop.brandId);
  let status = '';
  let orders: DropOrderJson[] = [];
  let nextCursor: string | null = null;
  // Until the first page is read the section says so: "No orders yet" would be a claim.
  let loaded = false;

  const messages = h('div', { role: 'status' });
  const totalsBox = h('div', {});
  const tableBox = h('div', { class: 'table-scroll orders-table', tabindex: 0, 'aria-label': 'Orders' });
  const more = h('div', {});
  const csv = h('a', { class: 'button secondary', download: '' }, 'Download CSV');
  const filter = h(
    'select',
    {
      id: `orders-status-${drop.id}`,
      onchange: (event: Event) => {
        status = (event.target as HTMLSelectElement).value;
        void load(false);
      },
    },
    h('option', { value: '' }, 'All orders'),
    ...STATUSES.map((s) => h('option', { value: s }, s)),
  );

  const csvHref = () =>
    `/api/drops/${encodeURIComponent(drop.id)}/orders.csv${status ? `?status=${encodeURIComponent(status)}` : ''}`;

  const shipCell = (o: DropOrderJson): HTMLElement | string => {
    if (o.status !== 'paid') return '—';
    const shown = o.shipment ? shipmentText(o.shipment) : 'Not yet';
    if (!ships) return shown;
    const input = h('input', {
      name: 'tracking',
      maxlength: 100,
      placeholder: 'Tracking (optional)',
      'aria-label': `Tracking for ${o.number ?? o.id}`,
      value: o.shipment?.tracking ?? '',
    });
    const form = h(
      'form',
      { class: 'ship-form' },
      h('span', {}, shown),
      input,
      h('button', { type: 'submit', class: 'secondary' }, o.shipment ? 'Update tracking' : 'Mark shipped'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void markShipped(o, input.value.trim());
    });
    return form;
  };

  const render = () => {
    csv.setAttribute('href', csvHref());
    mount(
      tableBox,
      !loaded
        ? h('p', { class: 'muted' }, 'Loading orders…')
        : orders.length === 0
          ? h('p', { class: 'muted' }, status ? `No ${status} orders.` : 'No orders yet.')
          : h(
              'table',
              {},
              h('caption', { class: 'sr-only' }, `Orders of ${drop.title}`),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ...['Number', 'Buyer', 'Email', 'Ship to', 'Status', 'Shipped'].map((c) =>
                    h('th', { scope: 'col' }, c),
                  ),
                ),
              ),
              h(
                'tbody',
                {},
                ...orders.map((o) =>
                  h(
                    'tr',
                    {},
                    h('td', { class: 'nowrap' }, o.number ?? '—'),
                    h('td', {}, o.buyer?.name ?? '—'),
                    h('td', { class: 'wrap-anywhere' }, o.buyer?.email ?? '—'),
                    h('td', {}, shipTo(o)),
                    h('td', {}, badge(o.status)),
                    h('td', {}, shipCell(o)),
                  ),
                ),
              ),
            ),
    );
    mount(
      more,
      nextCursor
        ? h('button', { type: 'button', class: 'secondary', onclick: () => void load(true) }, 'Load more')
        : null,
    );
  };

  const renderTotals = (totals: DropOrdersResponse['totals']) => {
    mount(
      totalsBox,
      h(
        'p',
        {},
        `${plural(totals.paidUnits, 'unit')} paid · ${money(totals.paidCents, drop.currency)}`,
        totals.heldUnits > 0 ? ` · ${plural(totals.heldUnits, 'unit')} held` : null,
      ),
      totals.byBrand.length > 1
        ? h(
            'ul',
            { class: 'brand-takings' },
            ...totals.byBrand.map((b) =>
              h('li', {}, `${b.name} (${b.sharePercent}%): ${money(b.paidCents, drop.currency)}`),
            ),
          )
        : null,
    );
  };

  async function load(append: boolean) {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (status) query.set('status', status);
    if (append && nextCursor) query.set('cursor', nextCursor);
    try {
      const page = await api<DropOrdersResponse>(
        `/api/drops/${encodeURIComponent(drop.id)}/orders?${query.toString()}`,
      );
      orders = append ? [...orders, ...page.orders] : page.orders;
      loaded = true;
      nextCursor = page.nextCursor;
      renderTotals(page.totals);
      mount(messages);
      render();
    } catch (error) {
      mount(messages, alert('error', errorText(error)));
    }
  }

  async function markShipped(o: DropOrderJson, tracking: string) {
    const body: ShipmentRequest = tracking ? { tracking } : {};
    try {
      const shipped = await api<DropOrderJson>(
        `/api/drops/${encodeURIComponent(drop.id)}/orders/${encodeURIComponent(o.id)}/shipment`,
        { body },
      );
      orders = orders.map((x) => (x.id === shipped.id ? shipped : x));
      render();
      mount(messages, alert('ok', `${shipped.number ?? 'The order'}: ${shipmentText(shipped.shipment!)}.`));
    } catch (error) {
      mount(messages, alert('error', errorText(error)));
    }
  }

  const section = h(
    'section',
    { class: 'card stack', 'aria-labelledby': `orders-heading-${drop.id}` },
    h('h2', { id: `orders-heading-${drop.id}` }, 'Orders'),
    totalsBox,
    h(
      'div',
      { class: 'row orders-tools' },
      h('label', { for: `orders-status-${drop.id}` }, 'Show ', filter),
      csv,
    ),
    messages,
    tableBox,
    more,
  );
  render();
  void load(false);
  return section;
}
