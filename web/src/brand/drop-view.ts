/**
 * One drop as its brands see it: who releases it, what its lead may do (change it while scheduled, open it now,
 * close or cancel it, each confirmed), its stock and revenue, and charts of its sales from the server's history.
 * Partner brands see the same, read-only.
 */
import type { DropJson, DropSalesResponse, StockPush, StockSnapshot } from '../../index.js';
import { api, ApiError, type Me } from '../api.js';
import { lineChart } from '../chart.js';
import { alert, badge, h, money, mount, stat, when } from '../ui.js';
import { confirmStep } from './confirm.js';
import { dropForm } from './drop-form.js';
import { throttled } from './live.js';

export interface DropView {
  element: HTMLElement;
  /** A live stock push: the tiles move, and the sales are read again (at most once a second). */
  stock(push: Pick<StockPush, 'available' | 'held' | 'sold'>): void;
  /** Reads the stock and sales again (after a break in the connection). */
  reload(): void;
  stop(): void;
}

const FULFILMENT: Record<DropJson['fulfilment'], string> = {
  shipped: 'shipped',
  pickup: 'picked up',
  digital: 'digital',
};

/** "Nordlicht × Kasai": the brands releasing the drop, the lead first. */
export const brandNames = (drop: DropJson) => drop.brands.map((b) => b.name).join(' × ');

export const isLead = (drop: DropJson, me: Me) =>
  drop.brands.some((b) => b.lead && b.id === me.brandId) ||
  (drop.brands.length === 0 && drop.brandId === me.brandId);

interface Step {
  label: string;
  path: 'open' | 'close' | 'cancel';
  title: string;
  sentence: (drop: DropJson) => string;
}

const STEPS: Record<DropJson['status'], Step[]> = {
  scheduled: [
    {
      label: 'Open now',
      path: 'open',
      title: 'Open the drop now?',
      sentence: (d) =>
        `“${d.title}” opens at once instead of ${when(d.opensAt)}: shoppers are let in and it can no longer be changed.`,
    },
    {
      label: 'Cancel drop',
      path: 'cancel',
      title: 'Cancel the drop?',
      sentence: (d) => `“${d.title}” will not open, and a cancelled drop cannot be scheduled again.`,
    },
  ],
  open: [
    {
      label: 'Close drop',
      path: 'close',
      title: 'Close the drop?',
      sentence: (d) => `“${d.title}” stops selling now; shoppers still waiting are turned away.`,
    },
  ],
  sold_out: [
    {
      label: 'Close drop',
      path: 'close',
      title: 'Close the drop?',
      sentence: (d) => `“${d.title}” stops selling now; units still held are not sold.`,
    },
  ],
  closed: [],
  cancelled: [],
};

/** The cumulative series of `key`, from the opening (at 0) to now while the drop sells. */
function series(drop: DropJson, sales: DropSalesResponse, key: 'units' | 'revenueCents') {
  const now = Date.now();
  // Each point's figures hold at the end of its interval; a current interval ends now.
  const points = sales.points.map((p) => ({
    t: Math.min(now, Date.parse(p.t) + sales.bucketSeconds * 1000),
    v: p[key],
  }));
  const opened = Date.parse(drop.opensAt);
  const from = Math.min(opened, points[0]?.t ?? opened);
  const live = drop.status === 'open' || drop.status === 'sold_out';
  return {
    points: points.length > 0 ? [{ t: from, v: 0 }, ...points] : [],
    from,
    to: live ? now : (points.at(-1)?.t ?? from + 60_000),
  };
}

export function dropView(
  drop: DropJson,
  me: Me,
  on: {
    changed(drop: DropJson): void;
    /** Sections shown below the charts (images, orders). */
    extra?: (drop: DropJson, lead: boolean) => (Node | null)[];
    /** The sales history grew (after the first read): what lists sales may read again. */
    sold?: () => void;
  },
): DropView {
  const lead = isLead(drop, me);
  const leadBrand = drop.brands.find((b) => b.lead);
  const status = h('div', {});
  const editArea = h('div', {});
  const tiles = h('div', { class: 'stats' });
  const charts = h('div', { class: 'grid' });
  let sold = 0;
  let soldInSeries = 0;
  let loaded = false;
  let stock: Pick<StockPush, 'available' | 'held' | 'sold'> | null = null;
  let revenue: number | null = null;

  const renderTiles = () =>
    mount(
      tiles,
      stat('Available', stock ? stock.available.toLocaleString() : '—', 'stat-available'),
      stat('Held', stock ? stock.held.toLocaleString() : '—', 'stat-held'),
      stat('Sold', stock ? stock.sold.toLocaleString() : '—', 'stat-sold'),
      h(
        'div',
        { class: 'stat wide money' },
        h(
          'div',
          { class: 'value', id: 'stat-revenue' },
          revenue === null ? '—' : money(revenue, drop.currency),
        ),
        h('div', { class: 'label' }, `Revenue (${drop.currency})`),
      ),
    );

  // Revenue is charted in the currency's units, its ticks written short: "€1.2K".
  const compact = new Intl.NumberFormat(undefined, {
    style: 'currency',
    currency: drop.currency,
    notation: 'compact',
  });
  const decimals =
    new Intl.NumberFormat(undefined, { style: 'currency', currency: drop.currency }).resolvedOptions()
      .maximumFractionDigits ?? 2;

  /** Reads the sales history; true while it trails the sold units a push told of. */
  const loadSales = async (): Promise<boolean> => {
    const sales = await api<DropSalesResponse>(`/api/drops/${drop.id}/sales`);
    const units = series(drop, sales, 'units');
    const takings = series(drop, sales, 'revenueCents');
    const before = soldInSeries;
    soldInSeries = sales.points.at(-1)?.units ?? 0;
    if (loaded && soldInSeries > before) on.sold?.();
    loaded = true;
    revenue = sales.points.at(-1)?.revenueCents ?? 0;
    renderTiles();
    mount(
      charts,
      h(
        'div',
        {},
        h('h3', {}, 'Units sold over time'),
        lineChart(units.points, 'Units sold over time', {
          valueTitle: 'Units sold',
          integer: true,
          steps: true,
          from: units.from,
          to: units.to,
        }),
      ),
      h(
        'div',
        {},
        h('h3', {}, 'Revenue over time'),
        lineChart(
          takings.points.map((p) => ({ t: p.t, v: p.v / 10 ** decimals })),
          'Revenue over time',
          {
            valueTitle: `Revenue (${drop.currency})`,
            formatValue: (v) => compact.format(v),
            steps: true,
            from: takings.from,
            to: takings.to,
          },
        ),
      ),
    );
    return soldInSeries < sold;
  };
  const sales = throttled(loadSales);

  const loadStock = async () => {
    const s = await api<StockSnapshot>(`/api/drops/${drop.id}/stock`).catch(() => null);
    if (s) view.stock(s);
  };

  const act = async (step: Step) => {
    if (!(await confirmStep(step.title, step.sentence(drop), step.label))) return;
    try {
      on.changed(await api<DropJson>(`/api/drops/${drop.id}/${step.path}`, { method: 'POST' }));
    } catch (error) {
      mount(
        status,
        alert('error', error instanceof ApiError ? error.message : 'Something went wrong. Try again.'),
      );
    }
  };

  const edit = () =>
    mount(
      editArea,
      h(
        'section',
        { class: 'edit', 'aria-labelledby': 'edit-drop' },
        h('h3', { id: 'edit-drop' }, `Change “${drop.title}”`),
        dropForm(me.brandId ?? '', drop, (saved) => on.changed(saved)),
        h(
          'button',
          { type: 'button', class: 'secondary', onclick: () => mount(editArea) },
          'Discard changes',
        ),
      ),
    );

  const actions = lead
    ? h(
        'div',
        { class: 'row actions' },
        drop.status === 'scheduled'
          ? h('button', { type: 'button', class: 'secondary', onclick: edit }, 'Edit drop')
          : null,
        ...STEPS[drop.status].map((step) =>
          h(
            'button',
            { type: 'button', class: step.path === 'open' ? '' : 'secondary', onclick: () => void act(step) },
            step.label,
          ),
        ),
      )
    : h('p', { class: 'role' }, `Partner drop — ${leadBrand?.name ?? 'another brand'} leads`);

  const element = h(
    'div',
    { class: 'drop-view' },
    h('div', { class: 'spread' }, h('h2', { id: 'drop-title' }, drop.title), badge(drop.status)),
    h('p', { class: 'brands-line' }, brandNames(drop)),
    h(
      'p',
      { class: 'muted' },
      `${money(drop.priceCents, drop.currency)} · ${drop.stock.toLocaleString()} units · ${FULFILMENT[drop.fulfilment]}`,
      h('br', {}),
      `Opens ${when(drop.opensAt)}${drop.closesAt ? ` · closes ${when(drop.closesAt)}` : ''}`,
    ),
    drop.brands.length > 1
      ? h(
          'p',
          { class: 'muted' },
          `Shares: ${drop.brands.map((b) => `${b.name} ${b.sharePercent}%`).join(', ')}`,
        )
      : null,
    actions,
    status,
    editArea,
    h('div', { 'aria-live': 'polite', 'aria-atomic': 'false' }, tiles),
    charts,
    ...(on.extra?.(drop, lead) ?? []),
  );

  const view: DropView = {
    element,
    stock(push) {
      stock = push;
      sold = push.sold;
      renderTiles();
      if (sold !== soldInSeries) sales.ask();
    },
    reload() {
      void loadStock();
      sales.ask();
    },
    stop: () => sales.stop(),
  };
  renderTiles();
  void loadStock();
  void loadSales().catch((error: unknown) =>
    mount(charts, alert('error', error instanceof ApiError ? error.message : 'Sales could not be read.')),
  );
  return view;
}
