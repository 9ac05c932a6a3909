/**
 * A line chart in SVG: values over time, with a labelled time axis and value axis (ticks, titles, units) and an
 * accessible summary. It keeps its proportions (a fixed view box scaled to the width it is given), so its text stays
 * legible from a phone to a desktop.
 */
import { clockTime } from './ui.js';

export interface ChartOptions {
  /** The value axis's title, with its unit: "Units", "Revenue (EUR)". Default: the chart's label. */
  valueTitle?: string;
  /** How a value tick and the summary write a value (default: a plain number). */
  formatValue?: (v: number) => string;
  /** Whole values only (units): no fractional ticks. */
  integer?: boolean;
  /** The time axis's extent (ms since the epoch), when it should reach beyond the points (an opening, now). */
  from?: number;
  to?: number;
  /** Draw steps (a cumulative count changes at a point and holds), not slopes. */
  steps?: boolean;
}

const NS = 'http://www.w3.org/2000/svg';
const W = 360;
const H = 220;
const M = { left: 58, right: 14, top: 12, bottom: 46 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;

function el<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** About `count` round steps (1, 2 or 5 × 10ⁿ) from 0 to at least `max`. */
export function valueTicks(max: number, integer: boolean, count = 4): number[] {
  const top = max > 0 ? max : 1;
  const raw = top / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let v = 0; ticks.length === 0 || ticks.at(-1)! < top; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Round instants between `t0` and `t1` (about `count` of them), at a step of seconds, minutes or hours. */
export function timeTicks(t0: number, t1: number, count = 4): number[] {
  const steps = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400].map(
    (s) => s * 1000,
  );
  const step = steps.find((s) => (t1 - t0) / s <= count) ?? 86_400_000;
  const ticks: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
  return ticks;
}

/** A time tick's text: to the second when the axis spans under two minutes. */
const timeText = (t: number, span: number) =>
  span < 120_000
    ? new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/** The time zone's short name ("CET"), for the time axis's title. */
const zoneName = () => /\S+$/.exec(clockTime(new Date()))?.[0] ?? '';

export function lineChart(
  points: { t: number; v: number }[],
  label: string,
  options: ChartOptions = {},
): SVGSVGElement {
  const format = options.formatValue ?? ((v: number) => v.toLocaleString());
  const svg = el('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img' });
  // Proportions kept: the page's stylesheet gives charts a fixed height, which would squash the axes' text.
  svg.style.height = 'auto';
  svg.style.maxHeight = '320px';
  const last = points.at(-1);
  svg.setAttribute(
    'aria-label',
    `${label}: ${last ? `${format(last.v)} at ${timeText(last.t, 0)}` : 'no sales yet'}`,
  );

  const t0 = Math.min(options.from ?? Infinity, points[0]?.t ?? Infinity);
  const t1Raw = Math.max(options.to ?? -Infinity, last?.t ?? -Infinity);
  const hasSpan = Number.isFinite(t0) && Number.isFinite(t1Raw);
  const start = hasSpan ? t0 : Date.now() - 60_000;
  const end = hasSpan ? Math.max(start + 1000, t1Raw) : Date.now();
  const ticks = valueTicks(Math.max(0, ...points.map((p) => p.v)), options.integer ?? false);
  const top = ticks.at(-1)!;
  const x = (t: number) => M.left + ((t - start) / (end - start)) * PLOT_W;
  const y = (v: number) => M.top + PLOT_H - (v / top) * PLOT_H;

  const axes = el('g', { class: 'axes', 'font-size': 12, fill: '#55575f', 'aria-hidden': 'true' });
  for (const v of ticks) {
    axes.append(
      el('line', {
        x1: M.left,
        x2: W - M.right,
        y1: y(v),
        y2: y(v),
        stroke: v === 0 ? '#8d8f99' : '#e6e7ec',
      }),
      el('text', { x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(v)),
    );
  }
  for (const t of timeTicks(start, end)) {
    axes.append(
      el('line', { x1: x(t), x2: x(t), y1: M.top + PLOT_H, y2: M.top + PLOT_H + 5, stroke: '#8d8f99' }),
      // A tick near the right edge ends there, so its text is not cut off.
      el(
        'text',
        { x: x(t), y: M.top + PLOT_H + 18, 'text-anchor': x(t) > W - M.right - 36 ? 'end' : 'middle' },
        timeText(t, end - start),
      ),
    );
  }
  axes.append(
    el('line', { x1: M.left, x2: M.left, y1: M.top, y2: M.top + PLOT_H, stroke: '#8d8f99' }),
    el(
      'text',
      { x: M.left + PLOT_W / 2, y: H - 6, 'text-anchor': 'middle', 'font-weight': 600 },
      `Time (${zoneName()})`,
    ),
    el(
      'text',
      {
        x: 0,
        y: 0,
        transform: `translate(12 ${M.top + PLOT_H / 2}) rotate(-90)`,
        'text-anchor': 'middle',
        'font-weight': 600,
      },
      options.valueTitle ?? label,
    ),
  );
  svg.append(axes);
  if (points.length === 0) return svg;

  const path: string[] = [];
  points.forEach((p, i) => {
    if (i === 0) path.push(`M${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
    else if (options.steps) path.push(`H${x(p.t).toFixed(1)}`, `V${y(p.v).toFixed(1)}`);
    else path.push(`L${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
  });
  if (options.steps && last && end > last.t) path.push(`H${x(end).toFixed(1)}`);
  svg.append(
    el('path', {
      d: path.join(' '),
      fill: 'none',
      stroke: '#3a2fd6',
      'stroke-width': 2,
      'vector-effect': 'non-scaling-stroke',
      class: 'line',
    }),
  );
  // Dots mark the readings of a short series; a long one (a reading a second) is a line alone.
  if (points.length <= 60)
    for (const p of points)
      svg.append(el('circle', { cx: x(p.t), cy: y(p.v), r: 3, fill: '#3a2fd6', class: 'point' }));
  return svg;
}
