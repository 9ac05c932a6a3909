/**
 * The `/drops` handshake: a socket is let in with a valid session token, given as `auth: {token}` or as the session
 * cookie. A handshake that uses the cookie must come from our own pages (the cross-site check of cookie-signed HTTP
 * writes): another site's page can open a WebSocket that carries the cookie. A refused handshake gets a
 * `connect_error` whose `data` is `{code, message}`, as every socket error.
 */
import { parse as parseCookies } from 'hono/utils/cookie';
import type { ExtendedError } from 'socket.io';
import { z } from 'zod';
import type { TokenService } from '../auth/tokens.js';
import { crossSiteRefusal } from '../middleware/cross-site.js';
import { SESSION_COOKIE } from '../middleware/session.js';
import { HttpProblem } from '../problems.js';
import { socketError } from './socket-error.js';
import type { DropsSocket } from './types.js';

/** The client's `auth` object: a token that is not a string counts as none given (the cookie may hold one). */
const authSchema = z.object({ token: z.string().optional() });

/** The token the client presents: `auth.token` first, else the session cookie. */
function presentedToken(socket: DropsSocket): { token: string | undefined; cookie: boolean } {
  const auth = authSchema.safeParse(socket.handshake.auth);
  const given = auth.success ? auth.data.token : undefined;
  if (given !== undefined) return { token: given, cookie: false };
  const cookie = parseCookies(socket.handshake.headers.cookie ?? '', SESSION_COOKIE)[SESSION_COOKIE];
  return { token: cookie, cookie: cookie !== undefined };
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** Why a cookie handshake is refused as cross-site, or undefined. */
function crossSite(socket: DropsSocket, publicOrigin: string | undefined): string | undefined {
  const { headers, secure } = socket.handshake;
  return crossSiteRefusal(
    { origin: header(headers.origin), secFetchSite: header(headers['sec-fetch-site']) },
    publicOrigin,
    `${secure ? 'https' : 'http'}://${header(headers.host) ?? ''}`,
  );
}

/** The middleware that authenticates every `/drops` socket and stores its session in `socket.data`. */
export function authenticate(tokens: TokenService, publicOrigin: string | undefined) {
  return (socket: DropsSocket, next: (error?: ExtendedError) => void): void => {
    const refuse = (error: unknown) => {
      const data = socketError(error);
      next(Object.assign(new Error(data.message), { data }));
    };
    const { token, cookie } = presentedToken(socket);
    if (!token) return refuse(new HttpProblem('unauthorized', 'sign in first'));
    const refusal = cookie ? crossSite(socket, publicOrigin) : undefined;
    if (refusal) return refuse(new HttpProblem('cross_site', refusal));
    tokens.verify(token).then((session) => {
      socket.data.session = session;
      next();
    }, refuse);
  };
}
