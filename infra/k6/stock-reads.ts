/**
 * Stock reads: how fast and how reliably the edge serves a drop's stock under a steady flood of readers.
 *
 * Measures GET /api/drops/:id/stock at a constant arrival rate (RATE requests a second for DURATION, whatever the
 * latency: k6 adds VUs when answers slow down). Each answer must be 200 with
 * `available + held + sold == total`. Thresholds: under 0.1 % failed requests and p99 under 50 ms.
 *
 * Run (k6 ≥ 0.52 runs TypeScript directly; Dropline running, the drop created):
 *   k6 run -e BASE_URL=http://localhost:3000 -e DROP_ID=<drop id> infra/k6/stock-reads.ts
 *   k6 run -e BASE_URL=http://localhost:3000 -e DROP_ID=<drop id> -e RATE=1000 -e DURATION=5m infra/k6/stock-reads.ts
 *
 * Environment variables:
 *   BASE_URL  the API's origin (default http://localhost:3000)
 *   DROP_ID   the drop whose stock is read (required)
 *   RATE      requests a second (default 4000)
 *   DURATION  how long to keep the rate, as a k6 duration (default 60s)
 *   VUS       VUs allocated before the start (default RATE / 20, i.e. 50 ms per request); k6 may grow to 4 × VUS
 */
import { check } from 'k6';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { baseUrl, dropId, envDuration, envInt, readJson, type StockFigures } from './lib.ts';

const BASE_URL = baseUrl();
const DROP_ID = dropId();
const RATE = envInt('RATE', 4000);
const DURATION = envDuration('DURATION', '60s');
const VUS = envInt('VUS', Math.max(10, Math.ceil(RATE / 20)));

export const options: Options = {
  scenarios: {
    reads: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: VUS,
      maxVUs: VUS * 4,
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.001'],
    http_req_duration: ['p(99)<50'],
  },
};

const url = `${BASE_URL}/api/drops/${DROP_ID}/stock`;

export default function (): void {
  const res = http.get(url, { tags: { name: 'GET /api/drops/:id/stock' } });
  const stock = readJson<StockFigures>(res);
  check(res, {
    'stock: status 200': (r) => r.status === 200,
    'stock: available + held + sold == total': () =>
      stock !== undefined &&
      [stock.total, stock.available, stock.held, stock.sold].every((n) => Number.isInteger(n) && n >= 0) &&
      stock.available + stock.held + stock.sold === stock.total,
  });
}
