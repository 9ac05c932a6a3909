/** The operator's console: pick a drop, watch its live figures, tune admission, read the audit log. */
import type { AdmissionJson, AuditJson, DropJson, DropMetricsJson } from '../index.js';
import { api, ApiError, type Me } from './api.js';
import { lineChart } from './chart.js';
import { startStaffPage } from './staff.js';
import { alert, badge, errorText, field, h, mount, showFieldErrors, table, when } from './ui.js';
import './styles.css';

let poll: ReturnType<typeof setInterval> | undefined;

const SERIES: [keyof DropMetricsJson, string][] = [
  ['queueLength', 'Queue length'],
  ['admitsPerMinute', 'Admissions per minute'],
  ['activeAdmissions', 'Active shoppers'],
  ['heldUnits', 'Units held'],
  ['availableUnits', 'Units available'],
  ['eventsPending', 'Events pending'],
];

async function consoleFor(drop: DropJson, panel: HTMLElement) {
  const history: { t: number; m: DropMetricsJson }[] = [];
  const figures = h('div', { class: 'stats', 'aria-live': 'polite' });
  const charts = h('div', { class: 'grid' });
  const audit = h('div', {});
  const status = h('div', {});
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'tune' },
    h(
      'div',
      { class: 'fields' },
      field('Admissions per minute', 'perMinute', { type: 'number', min: 1, max: 1000000, required: true }),
      field('Active shoppers at most', 'maxActive', { type: 'number', min: 1, max: 1000000, required: true }),
    ),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit' }, 'Apply'),
      h('button', { type: 'button', class: 'secondary', id: 'pause' }, 'Pause'),
    ),
  );
  let admission: AdmissionJson = await api<AdmissionJson>(`/api/admin/drops/${drop.id}/admission`);
  const showAdmission = () => {
    (form.elements.namedItem('perMinute') as HTMLInputElement).value = String(admission.perMinute);
    (form.elements.namedItem('maxActive') as HTMLInputElement).value = String(admission.maxActive);
    form.querySelector('#pause')!.textContent = admission.paused ? 'Resume admission' : 'Pause admission';
  };
  const put = (body: Partial<AdmissionJson>) =>
    api<AdmissionJson>(`/api/admin/drops/${drop.id}/admission`, { method: 'PUT', body }).then(
      (a) => {
        admission = a;
        showAdmission();
        showFieldErrors(form, []);
        mount(
          status,
          alert(
            'ok',
            `Admission is ${a.paused ? 'paused' : `at ${a.perMinute} per minute`}, at most ${a.maxActive} active.`,
          ),
        );
        void loadAudit();
      },
      (error: unknown) => {
        const rest = error instanceof ApiError ? showFieldErrors(form, error.errors) : [];
        mount(
          status,
          rest.length > 0 || !(error instanceof ApiError) || error.errors.length === 0
            ? alert('error', errorText(error))
            : null,
        );
      },
    );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const perMinute = Number((form.elements.namedItem('perMinute') as HTMLInputElement).value);
    const maxActive = Number((form.elements.namedItem('maxActive') as HTMLInputElement).value);
    const errors = [
      ...(Number.isInteger(perMinute) && perMinute >= 1
        ? []
        : [{ field: 'perMinute', message: 'A whole number, at least 1.' }]),
      ...(Number.isInteger(maxActive) && maxActive >= 1
        ? []
        : [{ field: 'maxActive', message: 'A whole number, at least 1.' }]),
    ];
    if (errors.length > 0) return void showFieldErrors(form, errors);
    void put({ perMinute, maxActive });
  });
  form.querySelector('#pause')!.addEventListener('click', () => void put({ paused: !admission.paused }));

  const loadAudit = async () => {
    const { entries } = await api<AuditJson>(`/api/admin/drops/${drop.id}/audit?limit=20`);
    mount(
      audit,
      entries.length === 0
        ? h('p', { class: 'muted' }, 'No changes yet.')
        : table(
            ['When', 'Who', 'Change'],
            entries.map((e) => [
              when(e.at),
              e.actor.split(':')[0] ?? e.actor,
              `${e.change.field}: ${JSON.stringify(e.change.from)} → ${JSON.stringify(e.change.to)}`,
            ]),
          ),
    );
  };
  const loadMetrics = async () => {
    const m = await api<DropMetricsJson>(`/api/admin/drops/${drop.id}/metrics`);
    history.push({ t: Date.now(), m });
    if (history.length > 120) history.shift();
    mount(
      figures,
      ...SERIES.concat([
        ['soldUnits', 'Units sold'],
        ['joinsPerMinute', 'Joins per minute'],
      ]).map(([key, label]) =>
        h(
          'div',
          { class: 'stat' },
          h('div', { class: 'value', id: `metric-${key}` }, String(m[key])),
          h('div', { class: 'label' }, label),
        ),
      ),
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

  mount(
    panel,
    h('div', { class: 'spread' }, h('h2', {}, drop.title), badge(drop.status)),
    figures,
    h('h2', { id: 'tune' }, 'Admission'),
    status,
    form,
    charts,
    h('h2', {}, 'Audit log'),
    audit,
  );
  showAdmission();
  await Promise.all([loadMetrics(), loadAudit()]);
  clearInterval(poll);
  poll = setInterval(() => void loadMetrics().catch(() => {}), 1000);
}

async function dashboard(_me: Me, layout: (...children: (Node | null)[]) => void) {
  const { drops } = await api<{ drops: DropJson[] }>('/api/drops?limit=200');
  const panel = h('section', { class: 'card' }, h('p', { class: 'muted' }, 'Pick a drop.'));
  const picker = h(
    'select',
    { id: 'drop-picker', name: 'drop' },
    h('option', { value: '' }, '— choose —'),
    ...drops.map((d) => h('option', { value: d.id }, `${d.title} (${d.status.replace('_', ' ')})`)),
  );
  picker.addEventListener('change', () => {
    const drop = drops.find((d) => d.id === picker.value);
    clearInterval(poll);
    if (drop)
      void consoleFor(drop, panel).catch((error: unknown) => mount(panel, alert('error', errorText(error))));
  });
  layout(
    h('h1', {}, 'Operator console'),
    h('section', { class: 'card' }, h('label', { for: 'drop-picker' }, 'Drop', picker)),
    panel,
  );
  const preset = new URLSearchParams(location.search).get('drop');
  if (preset && drops.some((d) => d.id === preset)) {
    picker.value = preset;
    picker.dispatchEvent(new Event('change'));
  }
}

startStaffPage({
  title: 'Operator console',
  role: 'operator',
  dashboard,
  leave: () => clearInterval(poll),
});
