/** Small DOM helpers shared by the pages: no framework, just elements, text and forms. */
import type { FieldError } from '../index.js';
import { ApiError } from './api.js';

export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | ((event: Event) => void) | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, '').toLowerCase(), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children)
    if (child !== null && child !== undefined && child !== false)
      el.append(child instanceof Node ? child : String(child));
  return el;
}

/** A table with a header row of `columns` (column headers) and a row of cells per entry of `rows`. */
export function table(columns: string[], rows: Child[][]): HTMLTableElement {
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((cell) => h('td', {}, cell))))),
  );
}

export function mount(target: HTMLElement, ...children: Child[]): void {
  target.replaceChildren(
    ...children
      .filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false)
      .map((c) => (c instanceof Node ? c : String(c))),
  );
}

/** An amount in the currency's minor units (cents, or yen for JPY) as the currency writes it. */
export function money(minor: number, currency = 'USD'): string {
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
  return format.format(minor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}

/** "2 d 03:04:05", "03:04" … until `to`; "now" once passed. */
export function countdown(to: Date, now = Date.now()): string {
  let s = Math.max(0, Math.round((to.getTime() - now) / 1000));
  if (s === 0) return 'now';
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d > 0 ? `${d} d ` : ''}${hh > 0 || d > 0 ? `${pad(hh)}:` : ''}${pad(mm)}:${pad(ss)}`;
}

/** A date and time with its time zone: "3 Dec 2026, 16:41 CET". */
export const when = (iso: string) =>
  new Date(iso).toLocaleString(undefined, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  });

/** A date and time to the second with its time zone: "3 Dec 2026, 18:04:05 UTC" (an audit entry's time). */
export const whenExact = (iso: string) =>
  new Date(iso).toLocaleString(undefined, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  });

/** A shipment as the brand and the shopper read it: "Shipped on 12 Mar 2030 · tracking 1Z999AA1…". */
export function shipmentText(shipment: { shippedAt: string; tracking: string | null }): string {
  const day = `Shipped on ${new Date(shipment.shippedAt).toLocaleDateString(undefined, { dateStyle: 'medium' })}`;
  return shipment.tracking ? `${day} · tracking ${shipment.tracking}` : day;
}

/** A time of day with its time zone: "16:41 CET". */
export const clockTime = (at: Date) =>
  new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(
    at,
  );

/** A wait in words, never to the second: "under a minute", "about 2 min", "about 1 h 20 min". */
export function roughly(seconds: number): string {
  if (seconds < 60) return 'under a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `about ${hours} h${rest > 0 ? ` ${rest} min` : ''}`;
}

/** "about 2 min — around 16:41 CET": how long, and the time of day it comes to. */
export const etaText = (seconds: number, now = Date.now()) =>
  `${roughly(seconds)} — around ${clockTime(new Date(now + seconds * 1000))}`;

/** 1 → "1st", 22 → "22nd", 13 → "13th". */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n.toLocaleString()}${suffix}`;
}

/** "1 unit", "3 units": a count with its noun, singular or plural. */
export const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** Brings every `data-countdown` element under `root` (each names the instant it counts down to) up to date. */
export function tickCountdowns(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-countdown]'))
    el.textContent = countdown(new Date(el.dataset.countdown!));
}

/**
 * A figure above its label; `id` names the figure for live updates and tests. A `text` figure (a date, a phrase)
 * is set smaller than a number and takes two columns, so it keeps to one line.
 */
export function stat(
  label: string,
  value: string,
  id?: string,
  kind: 'number' | 'text' = 'number',
): HTMLElement {
  return h(
    'div',
    { class: kind === 'text' ? 'stat wide' : 'stat' },
    h('div', { class: kind === 'text' ? 'value text' : 'value', id }, value),
    h('div', { class: 'label' }, label),
  );
}

/** A message box; a warning says so in words (and a sign), not by its colour alone. */
export function alert(kind: 'error' | 'info' | 'ok' | 'warn', text: string): HTMLElement {
  return h(
    'div',
    { class: `alert ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    kind === 'warn' ? h('strong', {}, h('span', { 'aria-hidden': 'true' }, '⚠ '), 'Warning: ') : null,
    text,
  );
}

export function badge(status: string): HTMLElement {
  return h('span', { class: `badge ${status}` }, status.replace('_', ' '));
}

/** A labelled input with a place for its error; `name` is the API field it maps to. */
export function field(
  label: string,
  name: string,
  attrs: Record<string, string | number | boolean | undefined> = {},
): HTMLElement {
  const id = `f-${name}`;
  const input =
    attrs.type === 'textarea'
      ? h('textarea', { id, name, 'aria-describedby': `${id}-error`, ...attrs, type: undefined })
      : h('input', { id, name, 'aria-describedby': `${id}-error`, ...attrs });
  return h(
    'label',
    { for: id },
    label,
    input,
    h('span', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' }),
  );
}

/** Shows errors at their fields (by `name`); returns the ones that matched no field. */
export function showFieldErrors(form: HTMLFormElement, errors: FieldError[]): FieldError[] {
  for (const el of form.querySelectorAll<HTMLElement>('.field-error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const unmatched: FieldError[] = [];
  for (const e of errors) {
    const input = form.querySelector<HTMLInputElement>(`[name="${CSS.escape(e.field)}"]`);
    const slot = input ? form.querySelector<HTMLElement>(`#${CSS.escape(input.id)}-error`) : null;
    if (input && slot) {
      input.setAttribute('aria-invalid', 'true');
      slot.textContent = e.message;
    } else unmatched.push(e);
  }
  form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  return unmatched;
}

/**
 * Shows a refused request: field errors at their fields, and an alert in `status` for anything that matched no
 * field (or for a failure with no field errors); a refusal wholly explained at the fields clears `status`.
 */
export function showProblem(form: HTMLFormElement, status: HTMLElement, error: unknown): void {
  const rest = error instanceof ApiError ? showFieldErrors(form, error.errors) : [];
  mount(
    status,
    rest.length > 0 || !(error instanceof ApiError) || error.errors.length === 0
      ? alert('error', errorText(error))
      : null,
  );
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong. Try again.';
}

/** The top bar: the product, links, and who is signed in. */
export function topBar(
  links: { href: string; text: string }[],
  who: string | null,
  onSignOut?: () => void,
): HTMLElement {
  return h(
    'header',
    { class: 'top' },
    h('a', { class: 'logo', href: '/' }, 'Dropline'),
    h(
      'nav',
      { 'aria-label': 'Main' },
      ...links.map((l) => h('a', { href: l.href }, l.text)),
      who ? h('span', { class: 'muted who' }, who) : null,
      who && onSignOut
        ? h('button', { class: 'secondary', type: 'button', onclick: onSignOut }, 'Sign out')
        : null,
    ),
  );
}
