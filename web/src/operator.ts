/**
 * The operator's console: an overview of every drop live or opening within a day with the people (users) below it,
 * and for one drop its live figures, admission (and its proof of work), the audit log, the report of suspected
 * hoarding and its orders.
 */
import type {
  AdmissionJson,
  AuditJson,
  DropJson,
  DropListResponse,
  DropMetricsJson,
  OverviewJson,
} from '../index.js';
import { api, type Me } from './api.js';
import { lineChart } from './chart.js';
import { hoardingReport } from './hoarding.js';
import { usersSection } from './operator-users.js';
import { startStaffPage } from './staff.js';
import {
  alert,
  badge,
  errorText,
  field,
  h,
  money,
  mount,
  showFieldErrors,
  showProblem,
  stat,
  table,
  when,
  whenExact,
} from './ui.js';
import './styles.css';

/** The one timer of the view shown: the overview's refresh or a drop's figures. */
let poll: ReturnType<typeof setInterval> | undefined;

/** The overview is read again this often while shown. */
const OVERVIEW_REFRESH_MS = 3000;
/** From here a shopper's phone takes seconds to tens of seconds to join (README: proof of work). */
const HIGH_CHALLENGE_BITS = 20;

const SERIES: [keyof DropMetricsJson, string][] = [
  ['queueLength', 'Queue length'],
  ['admitsPerMinute', 'Admissions per minute'],
  ['activeAdmissions', 'Active shoppers'],
  ['heldUnits', 'Units held'],
  ['availableUnits', 'Units available'],
  ['eventsPending', 'Events pending'],
];

/** A table in a box of its own that scrolls sideways on a narrow screen (and can be scrolled from the keyboard). */
function scrollBox(label: string, content: HTMLElement, kind = ''): HTMLElement {
  return h(
    'div',
    { class: `table-scroll ${kind}`.trim(), role: 'region', 'aria-label': label, tabindex: 0 },
    content,
  );
}

/** An audited value as a person reads it: no JSON quotes, "—" for none, yes/no, numbers grouped. */
function valueText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value === '' ? '(empty)' : value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return value.toLocaleString();
  // What is left of JSON: a list (of values, or of objects one after another) or an object, in short.
  let text = '—';
  if (Array.isArray(value)) text = value.length === 0 ? 'none' : value.map(valueText).join('; ');
  else if (typeof value === 'object')
    text = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${valueText(v)}`)
      .join(', ');
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** Who made an audited change: the person's email, or what in Dropline did it. */
function actorText(entry: AuditJson['entries'][number]): string {
  if (entry.actorEmail) return entry.actorEmail;
  if (entry.actor === 'system:schedule') return 'schedule';
  if (entry.actor.startsWith('system:')) return 'system';
  return entry.actor.split(':')[0] ?? entry.actor;
}

/** What the admission settings mean for shoppers, and whether that deserves a warning. */
function admissionReport(a: AdmissionJson): { warn: boolean; text: string } {
  const rate = a.paused ? 'paused' : `at ${a.perMinute.toLocaleString()} per minute`;
  const heavy = a.challengeBits >= HIGH_CHALLENGE_BITS;
  const work =
    a.challengeBits > 0
      ? `; joiners solve ${a.challengeBits} bits of work${heavy ? ' (a phone may take a minute or more)' : ''}`
      : '';
  const paused = a.paused ? ' Nobody in the line is let in until you resume.' : '';
  return {
    warn: a.paused || heavy,
    text: `Admission is ${rate}, at most ${a.maxActive.toLocaleString()} active${work}.${paused}`,
  };
}

function admissionForm(): HTMLFormElement {
  return h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'tune' },
    h(
      'div',
      { class: 'fields' },
      field('Admissions per minute', 'perMinute', { type: 'number', min: 1, max: 1000000, required: true }),
      field('Active shoppers at most', 'maxActive', { type: 'number', min: 1, max: 1000000, required: true }),
      field('Proof of work to join (zero bits, 0 = off)', 'challengeBits', {
        type: 'number',
        min: 0,
        max: 28,
      }),
      field('Message to waiting shoppers while paused (optional)', 'pauseMessage', {
        maxlength: 200,
        placeholder: 'Back in five minutes: restocking sizes',
      }),
    ),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit' }, 'Apply'),
      h('button', { type: 'button', class: 'secondary', id: 'pause' }, 'Pause'),
    ),
  );
}

/** Tuning the rate and `maxActive`, pausing and resuming; `onChanged` runs once the server took a change. */
function admissionControls(dropId: string, initial: AdmissionJson, onChanged: () => void) {
  let admission = initial;
  const status = h('div', { id: 'admission-status' });
  const form = admissionForm();
  const input = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
  const pause = form.querySelector('#pause')!;
  const show = () => {
    input('perMinute').value = String(admission.perMinute);
    input('maxActive').value = String(admission.maxActive);
    input('challengeBits').value = String(admission.challengeBits);
    input('pauseMessage').value = admission.pauseMessage ?? '';
    pause.textContent = admission.paused ? 'Resume admission' : 'Pause admission';
  };
  // A paused line or a heavy proof of work stays in view as a warning; a plain change is a success.
  const report = (changed: boolean) => {
    const { warn, text } = admissionReport(admission);
    mount(status, warn ? alert('warn', text) : changed ? alert('ok', text) : null);
  };
  const put = (body: Partial<AdmissionJson>) =>
    api<AdmissionJson>(`/api/admin/drops/${dropId}/admission`, { method: 'PUT', body }).then(
      (a) => {
        admission = a;
        show();
        showFieldErrors(form, []);
        report(true);
        onChanged();
      },
      (error: unknown) => showProblem(form, status, error),
    );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const perMinute = Number(input('perMinute').value);
    const maxActive = Number(input('maxActive').value);
    const wholeAtLeastOne = (field: string, n: number) =>
      Number.isInteger(n) && n >= 1 ? [] : [{ field, message: 'A whole number, at least 1.' }];
    const challengeBits = Number(input('challengeBits').value);
    const bitsOk = Number.isInteger(challengeBits) && challengeBits >= 0 && challengeBits <= 28;
    const errors = [
      ...wholeAtLeastOne('perMinute', perMinute),
      ...wholeAtLeastOne('maxActive', maxActive),
      ...(bitsOk ? [] : [{ field: 'challengeBits', message: 'A whole number from 0 to 28.' }]),
    ];
    if (errors.length > 0) return void showFieldErrors(form, errors);
    void put({ perMinute, maxActive, challengeBits, pauseMessage: message() });
  });
  // Pausing says the message too: waiting shoppers read it in place of their wait.
  const message = () => input('pauseMessage').value.trim() || null;
  pause.addEventListener('click', () => void put({ paused: !admission.paused, pauseMessage: message() }));
  return { status, form, show: () => (show(), report(false)) };
}

function auditLog(dropId: string) {
  const element = h('div', {});
  const load = async () => {
    const { entries } = await api<AuditJson>(`/api/admin/drops/${dropId}/audit?limit=20`);
    mount(
      element,
      entries.length === 0
        ? h('p', { class: 'muted' }, 'No changes yet.')
        : scrollBox(
            'Audit log',
            table(
              ['When', 'Who', 'Change'],
              entries.map((e) => [
                whenExact(e.at),
                actorText(e),
                `${e.change.field}: ${valueText(e.change.from)} → ${valueText(e.change.to)}`,
              ]),
            ),
          ),
    );
  };
  return { element, load };
}

/** The drop's figures now, and charts of the last two minutes of them (one reading a second). */
function liveFigures(dropId: string) {
  const history: { t: number; m: DropMetricsJson }[] = [];
  const figures = h('div', { class: 'stats', 'aria-live': 'polite' });
  const charts = h('div', { class: 'grid' });
  const load = async () => {
    const m = await api<DropMetricsJson>(`/api/admin/drops/${dropId}/metrics`);
    history.push({ t: Date.now(), m });
    if (history.length > 120) history.shift();
    mount(
      figures,
      ...SERIES.concat([
        ['soldUnits', 'Units sold'],
        ['joinsPerMinute', 'Joins per minute'],
      ]).map(([key, label]) => stat(label, m[key].toLocaleString(), `metric-${key}`)),
    );
    mount(
      charts,
      ...SERIES.map(([key, label]) =>
        h(
          'div',
          {},
          h('h3', {}, label),
          lineChart(
            history.map((p) => ({ t: p.t, v: p.m[key] })),
            label,
          ),
        ),
      ),
    );
  };
  return { figures, charts, load };
}

async function consoleFor(drop: DropJson, panel: HTMLElement, toOverview: (event: Event) => void) {
  const figures = liveFigures(drop.id);
  const audit = auditLog(drop.id);
  const hoarding = hoardingReport(drop.id);
  const initial = await api<AdmissionJson>(`/api/admin/drops/${drop.id}/admission`);
  const controls = admissionControls(drop.id, initial, () => void audit.load());
  mount(
    panel,
    h('p', {}, h('a', { href: '/operator', onclick: toOverview }, '← All live and upcoming drops')),
    h('div', { class: 'spread' }, h('h2', {}, drop.title), badge(drop.status)),
    figures.figures,
    h(
      'p',
      {},
      h(
        'a',
        { href: `/api/drops/${drop.id}/orders.csv`, download: `orders-${drop.id}.csv`, id: 'orders-csv' },
        'Download the orders (CSV)',
      ),
    ),
    h('h2', { id: 'tune' }, 'Admission'),
    controls.status,
    controls.form,
    figures.charts,
    h('h2', {}, 'Audit log'),
    audit.element,
    h('h2', {}, 'Suspected hoarding'),
    scrollBox('Suspected hoarding', hoarding.element),
  );
  controls.show();
  await Promise.all([figures.load(), audit.load(), hoarding.load()]);
  clearInterval(poll);
  poll = setInterval(() => void figures.load().catch(() => {}), 1000);
}

/** Every drop live or opening within 24 h, read again every few seconds; a drop's name opens its console. */
function overview(open: (dropId: string, event: Event) => void) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const element = h(
    'section',
    { class: 'card', 'aria-labelledby': 'overview' },
    h('h2', { id: 'overview' }, 'Live and upcoming drops'),
    h('p', { class: 'muted' }, 'Open now, or opening within 24 hours.'),
    body,
  );
  const load = async () => {
    const { drops } = await api<OverviewJson>('/api/admin/overview');
    // A refresh replaces the rows; the drop link that had the focus gets it back.
    const focused = (document.activeElement as HTMLElement | null)?.dataset.drop;
    mount(
      body,
      drops.length === 0
        ? h('p', { class: 'muted' }, 'No drop is open or opening within 24 hours.')
        : scrollBox(
            'Live and upcoming drops',
            table(
              ['Drop', 'Status', 'Opens', 'In line', 'Active', 'Available', 'Held', 'Sold', 'Revenue'],
              drops.map((d) => [
                h(
                  'a',
                  { href: `/operator?drop=${d.id}`, 'data-drop': d.id, onclick: (e) => open(d.id, e) },
                  d.title,
                ),
                h(
                  'span',
                  {},
                  badge(d.status),
                  d.paused ? h('span', { class: 'badge paused' }, 'paused') : null,
                ),
                when(d.opensAt),
                d.queueLength.toLocaleString(),
                d.activeShoppers.toLocaleString(),
                d.units.available.toLocaleString(),
                d.units.held.toLocaleString(),
                d.units.sold.toLocaleString(),
                money(d.revenue.paidCents, d.revenue.currency),
              ]),
            ),
            'figures',
          ),
    );
    if (focused) body.querySelector<HTMLElement>(`[data-drop="${CSS.escape(focused)}"]`)?.focus();
  };
  return { element, load };
}

async function dashboard(_me: Me, layout: (...children: (Node | null)[]) => void) {
  const { drops } = await api<DropListResponse>('/api/drops?limit=200');
  const panel = h('div', {});
  // Made once, so that a search in it stays while drops are opened and closed; shown beside the overview.
  const people = usersSection();
  const picker = h(
    'select',
    { id: 'drop-picker', name: 'drop' },
    h('option', { value: '' }, '— choose —'),
    ...drops.map((d) => h('option', { value: d.id }, `${d.title} (${d.status.replace('_', ' ')})`)),
  );

  /** Shows the overview (no id) or a drop's console, and keeps the address in step (`?drop=<id>`). */
  const show = (dropId: string | null, push: boolean) => {
    clearInterval(poll);
    if (push) history.pushState(null, '', dropId ? `/operator?drop=${dropId}` : '/operator');
    picker.value = dropId && drops.some((d) => d.id === dropId) ? dropId : '';
    if (!dropId) {
      const view = overview((id, event) => {
        event.preventDefault();
        show(id, true);
      });
      mount(panel, view.element, people);
      const refresh = () =>
        view.load().catch((error: unknown) => mount(panel, alert('error', errorText(error))));
      void refresh();
      poll = setInterval(() => void view.load().catch(() => {}), OVERVIEW_REFRESH_MS);
      return;
    }
    const card = h('section', { class: 'card' }, h('p', { class: 'muted' }, 'Loading…'));
    mount(panel, card);
    const toOverview = (event: Event) => {
      event.preventDefault();
      show(null, true);
    };
    void api<DropJson>(`/api/drops/${dropId}`)
      .then((drop) => consoleFor(drop, card, toOverview))
      .catch((error: unknown) => mount(card, alert('error', errorText(error))));
  };

  picker.addEventListener('change', () => show(picker.value || null, true));
  window.onpopstate = () => show(new URLSearchParams(location.search).get('drop'), false);
  layout(
    h('h1', {}, 'Operator console'),
    h('section', { class: 'card' }, h('label', { for: 'drop-picker' }, 'Any drop', picker)),
    panel,
  );
  show(new URLSearchParams(location.search).get('drop'), false);
}

startStaffPage({
  title: 'Operator console',
  role: 'operator',
  dashboard,
  leave: () => clearInterval(poll),
});
