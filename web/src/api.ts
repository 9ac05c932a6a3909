/** The pages' HTTP client: JSON in and out, the session cookie, problem+json turned into ApiError. */
import type { FieldError, Problem } from '../index.js';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
  }
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      // Every write says JSON, bodiless ones too: the edge refuses cookie-signed writes that do not.
      headers: {
        ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch {
    throw new ApiError(0, 'network', 'We could not reach Dropline. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const body: unknown = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const p = (body ?? {}) as Partial<Problem>;
    throw new ApiError(
      res.status,
      p.code ?? 'error',
      p.detail ?? `Request failed (${res.status})`,
      p.errors ?? [],
    );
  }
  return body as T;
}

export interface Me {
  id: string;
  email: string | null;
  role: 'shopper' | 'brand' | 'operator';
  guest: boolean;
  brandId?: string;
}

export async function currentUser(): Promise<Me | null> {
  try {
    return (await api<{ user: Me }>('/api/auth/me')).user;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export const signIn = (email: string, password: string) =>
  api<{ user: Me }>('/api/auth/login', { body: { email, password } });
export const signUp = (email: string, password: string) =>
  api<{ user: Me }>('/api/auth/signup', { body: { email, password } });
/** A guest session; when guests need a proof of work, `solveFor` solves the challenge and gives its header. */
export async function continueAsGuest(
  solveFor?: (challengePath: string) => Promise<Record<string, string>>,
): Promise<{ user: Me }> {
  try {
    return await api<{ user: Me }>('/api/auth/guest', { method: 'POST' });
  } catch (error) {
    if (!(solveFor && error instanceof ApiError && error.code === 'challenge_failed')) throw error;
  }
  const headers = await solveFor('/api/auth/guest/challenge');
  return api<{ user: Me }>('/api/auth/guest', { method: 'POST', headers });
}
export const signOut = () => api<void>('/api/auth/logout', { method: 'POST' });
