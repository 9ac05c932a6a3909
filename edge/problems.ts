/**
 * Problem details (RFC 9457). Every error answer of the API is built here, from a stable `code`. Errors of the
 * other folders carry one of these codes; `toProblem` maps them, and anything else becomes a generic 500.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const PROBLEMS = {
  validation_failed: { status: 400, title: 'Validation failed' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  payment_declined: { status: 402, title: 'Payment declined' },
  forbidden: { status: 403, title: 'Forbidden' },
  account_disabled: { status: 403, title: 'Account disabled' },
  cross_site: { status: 403, title: 'Cross-site request refused' },
  not_admitted: { status: 403, title: 'Not admitted' },
  challenge_failed: { status: 403, title: 'Challenge not solved' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  drop_not_open: { status: 409, title: 'Drop not open' },
  sold_out: { status: 409, title: 'Sold out' },
  limit_reached: { status: 409, title: 'Limit reached' },
  hold_expired: { status: 410, title: 'Hold expired' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  unsupported_image: { status: 415, title: 'Unsupported image' },
  rate_limited: { status: 429, title: 'Too many requests' },
  address_limit: { status: 429, title: 'Too many accounts from this address' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

export const isProblemCode = (value: unknown): value is ProblemCode =>
  typeof value === 'string' && Object.hasOwn(PROBLEMS, value);

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** An error raised by edge/ itself with the answer it should get. */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly code: ProblemCode,
    detail: string,
    readonly extensions: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(detail, options);
  }
}

export class ValidationError extends HttpProblem {
  override name = 'ValidationError';
  constructor(readonly errors: FieldError[]) {
    super(
      'validation_failed',
      errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; '),
      { errors },
    );
  }
}

export function problem(
  code: ProblemCode,
  detail: string,
  extensions: Record<string, unknown> = {},
): Problem {
  const { status, title } = PROBLEMS[code];
  return { type: `/problems/${code.replaceAll('_', '-')}`, title, status, detail, code, ...extensions };
}

export function problemResponse(c: Context, p: Problem, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(p), p.status as ContentfulStatusCode, {
    'Content-Type': 'application/problem+json',
    ...headers,
  });
}

/** Error codes of a connection that is down (Node's sockets, postgres.js, PostgreSQL): an outage, not a bug. */
const OUTAGE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  // PostgreSQL's own: shutting down or starting up (57P01-57P03), and its connection exceptions (class 08).
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/**
 * Whether an error means that Redis or PostgreSQL is unreachable for now: ioredis gives up on a command after its
 * retries (MaxRetriesPerRequestError) or refuses it on a closed connection; postgres.js and Node name the socket's
 * fate in `code`. The connections reconnect by themselves, so the caller is told to try again (503), not that
 * something broke (500).
 */
export function isOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError' || error.message === 'Connection is closed.') return true;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && OUTAGE_CODES.has(code);
}

/**
 * Maps any thrown value to a problem. Errors that carry a known `code` (HttpProblem, and the Error subclasses of
 * workers/, inventory/ and queue/) keep their message as `detail`; anything else is `internal`, with nothing leaked.
 */
export function toProblem(error: unknown): { problem: Problem; expected: boolean } {
  if (error instanceof HttpProblem)
    return { problem: problem(error.code, error.message, error.extensions), expected: true };
  if (error instanceof Error && 'code' in error && isProblemCode(error.code) && error.code !== 'internal') {
    const errors =
      'errors' in error && Array.isArray(error.errors) ? { errors: error.errors as FieldError[] } : {};
    return { problem: problem(error.code, error.message, errors), expected: true };
  }
  if (isOutage(error))
    return {
      problem: problem(
        'unavailable',
        'A service Dropline needs is unreachable for a moment: try again shortly.',
      ),
      expected: true,
    };
  return {
    problem: problem('internal', 'Something went wrong on our side. Try again shortly.'),
    expected: false,
  };
}
