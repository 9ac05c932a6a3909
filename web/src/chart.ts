/** A line chart in SVG: points over time, with an accessible summary. */
export function lineChart(points: { t: number; v: number }[], label: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('viewBox', '0 0 300 100');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  const last = points.at(-1);
  svg.setAttribute('aria-label', `${label}: ${last ? `now ${last.v}` : 'no data yet'}`);
  if (points.length === 0) return svg;
  const t0 = points[0]!.t;
  const t1 = Math.max(t0 + 1, last!.t);
  const max = Math.max(1, ...points.map((p) => p.v));
  const x = (t: number) => ((t - t0) / (t1 - t0)) * 296 + 2;
  const y = (v: number) => 96 - (v / max) * 90;
  const path = document.createElementNS(ns, 'path');
  path.setAttribute(
    'd',
    points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' '),
  );
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', '#3a2fd6');
  path.setAttribute('stroke-width', '2');
  path.setAttribute('vector-effect', 'non-scaling-stroke');
  const base = document.createElementNS(ns, 'line');
  for (const [k, v] of Object.entries({ x1: 0, x2: 300, y1: 97, y2: 97, stroke: '#d9dae0' }))
    base.setAttribute(k, String(v));
  svg.append(base, path);
  return svg;
}
