/** A small client over `app.request()` for HTTP tests, with sign-in helpers for each role. */
import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import type { DropJson, EdgeEnv } from '../../edge/index.js';
import type { Config } from '../config.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the text when it is not JSON; `any` so tests can assert on shapes. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface CallOptions {
  token?: string;
  /** A JSON value, or a string sent as is (for malformed bodies). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Signed {
  token: string;
  user: { id: string; email: string | null; role: string; brandId?: string };
}

export type Api = ReturnType<typeof api>;

type Call = (method: string, path: string, options?: CallOptions) => Promise<ApiResponse>;

/** One request through the app: a JSON body encoded, the answer's body parsed when it is JSON. */
async function request(
  app: Hono<EdgeEnv>,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  // As the pages do: every write says JSON, bodiless ones too (cookie-signed writes must).
  if (method !== 'GET' && method !== 'HEAD') headers['content-type'] ??= 'application/json';
  const res = await app.request(path, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

async function expectOk(res: Promise<ApiResponse>, status: number): Promise<ApiResponse> {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r;
}

const randomEmail = (kind: string) => `${kind}-${randomBytes(5).toString('hex')}@example.com`;

/** A session of each role; the shopper and the brand are new users. */
function signIns(call: Call, config: Config) {
  return {
    async operator(): Promise<Signed> {
      if (!config.operator) throw new Error('no operator configured');
      const r = await expectOk(call('POST', '/api/auth/login', { body: config.operator }), 200);
      return r.body as Signed;
    },
    async shopper(): Promise<Signed> {
      const r = await expectOk(
        call('POST', '/api/auth/signup', {
          body: { email: randomEmail('shopper'), password: 'correct horse battery' },
        }),
        201,
      );
      return r.body as Signed;
    },
    async guest(): Promise<Signed> {
      return (await expectOk(call('POST', '/api/auth/guest'), 201)).body as Signed;
    },
    /** A new brand user (created by the operator) and its session. */
    async brand(operatorToken: string, brandName = 'Test Brand'): Promise<Signed> {
      const email = randomEmail('brand');
      await expectOk(
        call('POST', '/api/admin/users', {
          token: operatorToken,
          body: { email, password: 'brand password 1', role: 'brand', brandName },
        }),
        201,
      );
      return (
        await expectOk(
          call('POST', '/api/auth/login', { body: { email, password: 'brand password 1' } }),
          200,
        )
      ).body as Signed;
    },
  };
}

/** `Api.openDrop`: the operator signs in, creates a brand, and the brand creates its drop (and opens it). */
async function openDrop(
  call: Call,
  signIn: ReturnType<typeof signIns>,
  body: Record<string, unknown> = {},
  { open = true } = {},
) {
  const operator = await signIn.operator();
  const brand = await signIn.brand(operator.token);
  const created = await expectOk(
    call('POST', '/api/drops', {
      token: brand.token,
      body: {
        title: 'Test drop',
        sku: 'T-1',
        priceCents: 1000,
        stock: 10,
        opensAt: new Date(Date.now() + 3600_000).toISOString(),
        ...body,
      },
    }),
    201,
  );
  const drop = created.body as DropJson;
  if (open) await expectOk(call('POST', `/api/drops/${drop.id}/open`, { token: brand.token }), 200);
  return { operator, brand, drop };
}

export function api(app: Hono<EdgeEnv>, config: Config) {
  const call: Call = (method, path, options) => request(app, method, path, options);
  const signIn = signIns(call, config);
  return {
    call,
    get: (path: string, options?: CallOptions) => call('GET', path, options),
    post: (path: string, options?: CallOptions) => call('POST', path, options),
    patch: (path: string, options?: CallOptions) => call('PATCH', path, options),
    put: (path: string, options?: CallOptions) => call('PUT', path, options),
    delete: (path: string, options?: CallOptions) => call('DELETE', path, options),
    ...signIn,
    /**
     * A drop of a new brand, open (set `open: false` to leave it scheduled an hour ahead). `body` overrides the
     * defaults of the drop created; the operator and the brand come back with it.
     */
    openDrop: (body?: Record<string, unknown>, options?: { open?: boolean }) =>
      openDrop(call, signIn, body, options),
  };
}
