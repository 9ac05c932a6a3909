/**
 * The shape of a hostile HTTP request (its caller, path, query, body and headers) and the builder of one route's
 * arbitrary of them; ./hostile-requests.ts lists every route with the arbitraries of its own fields.
 */
import fc from 'fast-check';

export type Caller = 'anonymous' | 'guest' | 'shopper' | 'brand' | 'operator' | 'forged' | 'cookie';

export interface HostileRequest {
  method: string;
  path: string;
  caller: Caller;
  body?: string | undefined;
  headers: Record<string, string>;
}

export interface HostileRoute {
  /** `METHOD /path/:param`, as the route file registers it. */
  route: string;
  request: fc.Arbitrary<HostileRequest>;
  /** Runs of this route's property: fewer where a valid request hashes a password. */
  runs: number;
}

/** The ids of the world the requests hit: three drops of the `brand` caller, and the `guest` caller's hold. */
export interface KnownIds {
  /** Open, its admission paused: read, joined, reserved from, its orders listed. */
  openDrop: string;
  /** Scheduled: edited and tuned. */
  scheduledDrop: string;
  /** Opened, closed or cancelled by the requests. */
  spareDrop: string;
  /** The `guest` caller's hold of a unit of `openDrop`. */
  reservation: string;
  /** An admission of the `guest` caller to `openDrop`. */
  admissionToken: string;
}

const CALLERS: readonly Caller[] = ['anonymous', 'guest', 'shopper', 'brand', 'operator', 'forged', 'cookie'];

/** Mostly the caller the route is for; anyone at all, one time in five. */
const callerFor = (usual: Caller) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(usual) },
    { weight: 1, arbitrary: fc.constantFrom(...CALLERS) },
  );

/** Text a header can carry (visible Latin-1, no CR, LF or NUL). */
export const headerText = (maxLength = 40) =>
  fc
    .string({ maxLength, unit: fc.integer({ min: 0x21, max: 0xff }).map((c) => String.fromCharCode(c)) })
    .filter((v) => !/[\x7f]/.test(v));

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=utf-16',
      'application/problem+json',
      'multipart/form-data; boundary=x',
    ),
  },
  { weight: 1, arbitrary: headerText() },
);

export interface Shape {
  method: string;
  route: string;
  caller: Caller;
  ids?: fc.Arbitrary<string>;
  query?: fc.Arbitrary<string>;
  body?: fc.Arbitrary<string | undefined>;
  headers?: fc.Arbitrary<Record<string, string>>;
  runs?: number;
}

export function route({ method, route, caller, ids, query, body, headers, runs = 100 }: Shape): HostileRoute {
  const request = fc
    .record({
      caller: callerFor(caller),
      id: ids ?? fc.constant(''),
      query: query ?? fc.constant(''),
      body: body ?? fc.constant(undefined),
      type: contentType,
      headers: headers ?? fc.constant({}),
    })
    .map((r): HostileRequest => ({
      method,
      path: `${route.replace(':id', r.id)}${r.query}`,
      caller: r.caller,
      body: r.body,
      headers: { ...r.headers, ...(r.body !== undefined && r.type !== '' ? { 'content-type': r.type } : {}) },
    }));
  return { route: `${method} ${route}`, request, runs };
}
