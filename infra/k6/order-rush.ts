/**
 * Order rush: SHOPPERS shoppers arrive at once and each tries to buy one unit, through the whole path.
 *
 * Each VU runs one iteration (the `per-vu-iterations` executor, so all of them start together):
 *   1. POST /api/auth/guest                      → a guest session token
 *   2. POST /api/drops/:id/queue (Bearer)        → a place in the waiting room            (Trend `join`)
 *   3. GET  /api/drops/:id/queue/me every 0.5 s  → until `admitted` (its `admission.token`) (Trend `admission_wait`,
 *      from the join's answer to the admission); any other final status (`sold_out`, `left`, `expired`, …), or a
 *      409 at step 2 (drop closed), gives up and counts as sold out
 *   4. POST /api/drops/:id/reservations with `X-Admission-Token` and an `Idempotency-Key`
 *                                                → 201 held, or 409 `sold_out` (counted)     (Trend `reserve`)
 *   5. POST /api/reservations/:id/pay `{card: {number: '4242…', expMonth, expYear, cvc}, buyer}` → 200 paid             (Trend `pay`)
 * Counters: `paid`, `sold_out`, `errors_5xx` (any 5xx answer on any step). With enough stock for everyone `paid`
 * equals SHOPPERS; with less, `paid` must equal the drop's stock and `paid + sold_out` equal SHOPPERS.
 * Thresholds: no 5xx at all, and p99 under 200 ms for join, reserve and pay. A 409 is an expected answer here, so
 * it does not count in `http_req_failed`. The teardown checks the drop's stock still adds up.
 *
 * Run against Dropline started with RATE_LIMITS=off (every shopper comes from this one address) and a drop that
 * is open, with admissionPerMinute and maxActive high enough to let the shoppers through (e.g. 1000000 and 10000):
 *   k6 run -e BASE_URL=http://localhost:3000 -e DROP_ID=<drop id> infra/k6/order-rush.ts
 *   k6 run -e BASE_URL=http://localhost:3000 -e DROP_ID=<drop id> -e SHOPPERS=2000 infra/k6/order-rush.ts
 *
 * Environment variables:
 *   BASE_URL      the API's origin (default http://localhost:3000)
 *   DROP_ID       the drop to buy from (required)
 *   SHOPPERS      how many shoppers, one VU each (default 8500)
 *   MAX_DURATION  when to stop shoppers still waiting, as a k6 duration (default 10m)
 */
import { check, sleep } from 'k6';
import http from 'k6/http';
import type { Response } from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import {
  baseUrl,
  dropId,
  envDuration,
  envInt,
  guest,
  idempotencyKey,
  jsonHeaders,
  problemCode,
  readJson,
  type StockFigures,
} from './lib.ts';

/** The test provider's approved card (…4242), good for two more years, and a buyer with a shipping address. */
const PAY_BODY = {
  card: { number: '4242424242424242', expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '123' },
  buyer: {
    name: 'Load Tester',
    email: 'load-tester@example.test',
    address: { line1: '1 Test Street', city: 'Testville', postalCode: '10115', country: 'DE' },
  },
};

const BASE_URL = baseUrl();
const DROP_ID = dropId();
const SHOPPERS = envInt('SHOPPERS', 8500);
const MAX_DURATION = envDuration('MAX_DURATION', '10m');

/** How often a waiting shopper asks for its place. */
const POLL_SECONDS = 0.5;
/** A shopper gives up after this many failed polls in a row (each failure is a failed check). */
const MAX_POLL_FAILURES = 10;
/** Queue statuses in which the shopper keeps waiting; any other one but `admitted` ends the attempt. */
const WAITING = new Set(['waiting', 'prequeue']);

export const options: Options = {
  scenarios: {
    rush: { executor: 'per-vu-iterations', vus: SHOPPERS, iterations: 1, maxDuration: MAX_DURATION },
  },
  thresholds: {
    errors_5xx: ['count==0'],
    join: ['p(99)<200'],
    reserve: ['p(99)<200'],
    pay: ['p(99)<200'],
  },
};

// A sold-out 409 is a valid answer in a rush, not a failed request.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 399 }, 409));

const joinTime = new Trend('join', true);
const admissionWait = new Trend('admission_wait', true);
const reserveTime = new Trend('reserve', true);
const payTime = new Trend('pay', true);
const paid = new Counter('paid');
const soldOut = new Counter('sold_out');
const errors5xx = new Counter('errors_5xx');

interface QueueState {
  status: string;
  position: number | null;
  admission?: { token: string; expiresAt: string };
}

interface Reservation {
  id: string;
  status: string;
}

/** Counts a server error, whatever the step. */
function seen(res: Response): Response {
  if (res.status >= 500) errors5xx.add(1);
  return res;
}

/** Waits in line; the admission token, or undefined when the shopper gives up (counted as sold out or failed). */
function waitForAdmission(auth: Record<string, string>): string | undefined {
  const url = `${BASE_URL}/api/drops/${DROP_ID}/queue/me`;
  let failures = 0;
  for (;;) {
    const res = seen(http.get(url, { headers: auth, tags: { name: 'GET /api/drops/:id/queue/me' } }));
    const state = readJson<QueueState>(res);
    if (!check(res, { 'queue/me: status 200': (r) => r.status === 200 && state !== undefined })) {
      if (++failures >= MAX_POLL_FAILURES) return undefined;
    } else if (state?.status === 'admitted') {
      const token = state.admission?.token;
      check(state, { 'queue/me: admitted with a token': () => typeof token === 'string' && token !== '' });
      return token;
    } else if (state && !WAITING.has(state.status)) {
      soldOut.add(1); // sold_out, closed, left, expired, …: this shopper goes home empty-handed
      return undefined;
    } else {
      failures = 0;
    }
    sleep(POLL_SECONDS);
  }
}

export default function (): void {
  const { res: signedIn, token } = guest(BASE_URL);
  seen(signedIn);
  if (!token) return;
  const auth = jsonHeaders(token);

  // 2. Join the waiting room.
  const joined = seen(
    http.post(`${BASE_URL}/api/drops/${DROP_ID}/queue`, null, {
      headers: auth,
      tags: { name: 'POST /api/drops/:id/queue' },
    }),
  );
  joinTime.add(joined.timings.duration);
  if (joined.status === 409) {
    soldOut.add(1); // drop_not_open: closed (or cancelled) before this shopper got in
    return;
  }
  if (!check(joined, { 'join: status 201 or 200': (r) => r.status === 201 || r.status === 200 })) return;
  const joinedAt = Date.now();

  // 3. Wait for admission.
  const admission = waitForAdmission(auth);
  if (admission === undefined) return;
  admissionWait.add(Date.now() - joinedAt);

  // 4. Hold one unit.
  const reserved = seen(
    http.post(`${BASE_URL}/api/drops/${DROP_ID}/reservations`, JSON.stringify({ quantity: 1 }), {
      headers: jsonHeaders(token, {
        'X-Admission-Token': admission,
        'Idempotency-Key': idempotencyKey('reserve'),
      }),
      tags: { name: 'POST /api/drops/:id/reservations' },
    }),
  );
  reserveTime.add(reserved.timings.duration);
  if (reserved.status === 409 && problemCode(reserved) === 'sold_out') {
    soldOut.add(1);
    return;
  }
  const hold = readJson<Reservation>(reserved);
  if (
    !check(reserved, {
      'reserve: status 201 held': (r) =>
        r.status === 201 && hold?.status === 'held' && typeof hold.id === 'string',
    }) ||
    !hold
  ) {
    return;
  }

  // 5. Pay for it.
  const payment = seen(
    http.post(`${BASE_URL}/api/reservations/${hold.id}/pay`, JSON.stringify(PAY_BODY), {
      headers: jsonHeaders(token, { 'Idempotency-Key': idempotencyKey('pay') }),
      tags: { name: 'POST /api/reservations/:id/pay' },
    }),
  );
  payTime.add(payment.timings.duration);
  const order = readJson<{ orderId?: unknown; status?: unknown }>(payment);
  if (
    check(payment, {
      'pay: status 200 paid': (r) =>
        r.status === 200 && order?.status === 'paid' && typeof order.orderId === 'string',
    })
  ) {
    paid.add(1);
  }
}

/** After the rush: the drop's units still add up (nothing sold twice, nothing lost). */
export function teardown(): void {
  const res = http.get(`${BASE_URL}/api/drops/${DROP_ID}/stock`, {
    tags: { name: 'GET /api/drops/:id/stock' },
  });
  const stock = readJson<StockFigures>(res);
  check(res, {
    'after the rush: stock 200': (r) => r.status === 200,
    'after the rush: available + held + sold == total': () =>
      stock !== undefined && stock.available + stock.held + stock.sold === stock.total,
  });
}
