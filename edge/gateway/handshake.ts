/**
 * The `/drops` handshake: a socket is let in with a valid session token, given as `auth: {token}` or as the session
 * cookie. A refused handshake gets a `connect_error` whose `data` is `{code, message}`, as every socket error.
 */
import { parse as parseCookies } from 'hono/utils/cookie';
import type { ExtendedError } from 'socket.io';
import { z } from 'zod';
import type { TokenService } from '../auth/tokens.js';
import { SESSION_COOKIE } from '../middleware/session.js';
import { HttpProblem } from '../problems.js';
import { socketError } from './socket-error.js';
import type { DropsSocket } from './types.js';

/** The client's `auth` object: a token that is not a string counts as none given (the cookie may hold one). */
const authSchema = z.object({ token: z.string().optional() });

/** The token the client presents: `auth.token` first, else the session cookie. */
function presentedToken(socket: DropsSocket): string | undefined {
  const auth = authSchema.safeParse(socket.handshake.auth);
  const given = auth.success ? auth.data.token : undefined;
  return given ?? parseCookies(socket.handshake.headers.cookie ?? '', SESSION_COOKIE)[SESSION_COOKIE];
}

/** The middleware that authenticates every `/drops` socket and stores its session in `socket.data`. */
export function authenticate(tokens: TokenService) {
  return (socket: DropsSocket, next: (error?: ExtendedError) => void): void => {
    const refuse = (error: unknown) => {
      const data = socketError(error);
      next(Object.assign(new Error(data.message), { data }));
    };
    const token = presentedToken(socket);
    if (!token) return refuse(new HttpProblem('unauthorized', 'sign in first'));
    tokens.verify(token).then((session) => {
      socket.data.session = session;
      next();
    }, refuse);
  };
}
