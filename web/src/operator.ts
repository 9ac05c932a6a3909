/**
 * The operator's console: pick a drop, watch its live figures, tune admission (and its proof of work), read the
 * audit log and the report of suspected hoarding.
 */
import type { AdmissionJson, AuditJson, DropJson, DropListResponse, DropMetricsJson } from '../index.js';
import { api, type Me } from './api.js';
import { lineChart } from './chart.js';
import { hoardingReport } from './hoarding.js';
import { startStaffPage } from './staff.js';
import {
  alert,
  badge,
  errorText,
  field,
  h,
  mount,
  showFieldErrors,
  showProblem,
  stat,
  table,
  when,
} from './ui.js';
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
  const status = h('div', {});
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
  const put = (body: Partial<AdmissionJson>) =>
    api<AdmissionJson>(`/api/admin/drops/${dropId}/admission`, { method: 'PUT', body }).then(
      (a) => {
        admission = a;
        show();
        showFieldErrors(form, []);
        const rate = a.paused ? 'paused' : `at ${a.perMinute} per minute`;
        const work = a.challengeBits > 0 ? `; joiners solve ${a.challengeBits} bits of work` : '';
        mount(status, alert('ok', `Admission is ${rate}, at most ${a.maxActive} active${work}.`));
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
  return { status, form, show };
}

function auditLog(dropId: string) {
  const element = h('div', {});
  const load = async () => {
    const { entries } = await api<AuditJson>(`/api/admin/drops/${dropId}/audit?limit=20`);
    mount(
      element,
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
      ]).map(([key, label]) => stat(label, String(m[key]), `metric-${key}`)),
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

async function consoleFor(drop: DropJson, panel: HTMLElement) {
  const figures = liveFigures(drop.id);
  const audit = auditLog(drop.id);
  const hoarding = hoardingReport(drop.id);
  const initial = await api<AdmissionJson>(`/api/admin/drops/${drop.id}/admission`);
  const controls = admissionControls(drop.id, initial, () => void audit.load());
  mount(
    panel,
    h('div', { class: 'spread' }, h('h2', {}, drop.title), badge(drop.status)),
    figures.figures,
    h('h2', { id: 'tune' }, 'Admission'),
    controls.status,
    controls.form,
    figures.charts,
    h('h2', {}, 'Audit log'),
    audit.element,
    h('h2', {}, 'Suspected hoarding'),
    hoarding.element,
  );
  controls.show();
  await Promise.all([figures.load(), audit.load(), hoarding.load()]);
  clearInterval(poll);
  poll = setInterval(() => void figures.load().catch(() => {}), 1000);
}

async function dashboard(_me: Me, layout: (...children: (Node | null)[]) => void) {
  const { drops } = await api<DropListResponse>('/api/drops?limit=200');
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
