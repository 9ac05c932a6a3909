/**
 * Reads the session from `Authorization: Bearer <JWT>` or, for browsers, the httpOnly session cookie. A request
 * without either is anonymous; the routes decide what an anonymous caller may do (requireSession, requireRole).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Role, Session, TokenService } from '../auth/tokens.js';
import type { EdgeEnv } from '../context.js';
import { HttpProblem } from '../problems.js';

export const SESSION_COOKIE = 'dropline_session';

/**
 * A bad Bearer token is refused (the client sent it on purpose); a bad or expired cookie counts as no session, so a
 * browser holding a stale cookie can still sign in again or continue as a guest. On `lenientPaths` (signing out,
 * which always answers 204) a bad Bearer token counts as no session too.
 */
export function session({
  tokens,
  lenientPaths = [],
}: {
  tokens: TokenService;
  lenientPaths?: string[];
}): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    const authorization = c.req.header('authorization');
    let current: Session | undefined;
    if (authorization && lenientPaths.includes(c.req.path)) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      current = match ? await tokens.verify(match[1]!).catch(() => undefined) : undefined;
    } else if (authorization) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match) throw new HttpProblem('unauthorized', 'use the header "Authorization: Bearer <token>"');
      current = await tokens.verify(match[1]!);
    } else {
      const cookie = getCookie(c, SESSION_COOKIE);
      current = cookie ? await tokens.verify(cookie).catch(() => undefined) : undefined;
    }
    c.set('session', current);
    await next();
  };
}

/** The caller's session, or 401. */
export function requireSession(c: Context<EdgeEnv>): Session {
  const s = c.get('session');
  if (!s) throw new HttpProblem('unauthorized', 'sign in first');
  return s;
}

/** The caller's session if it has one of `roles`; 401 when anonymous, 403 otherwise. */
export function requireRole(c: Context<EdgeEnv>, ...roles: Role[]): Session {
  const s = requireSession(c);
  if (!roles.includes(s.role))
    throw new HttpProblem('forbidden', `only ${roles.join(' or ')} users may do this`);
  return s;
}
