/**
 * The Socket.IO gateway: path `/socket.io`, namespace `/drops`. The handshake is authenticated with
 * `auth: {token}` or the session cookie; a refused handshake gets a `connect_error` whose `data.code` is the
 * contract's problem code.
 */
import type { Server as HttpServer } from 'node:http';
import { parse as parseCookies } from 'hono/utils/cookie';
import type { Logger } from 'pino';
import { Server, type Namespace } from 'socket.io';
import type { Session, TokenService } from './auth/tokens.js';
import { SESSION_COOKIE } from './middleware/session.js';
import { toProblem } from './problems.js';

export interface SocketData {
  session: Session;
}

export interface Gateway {
  io: Server;
  drops: Namespace;
  /** Disconnects every client and stops accepting new ones. */
  close(): void;
}

export interface GatewayDeps {
  tokens: TokenService;
  log: Logger;
}

/** A socket error as the contract gives it: `{code, message}`. */
export function socketError(error: unknown): { code: string; message: string } {
  const { problem } = toProblem(error);
  return { code: problem.code, message: problem.detail };
}

export function attachGateway(server: HttpServer, { tokens, log }: GatewayDeps): Gateway {
  const io = new Server(server, { path: '/socket.io', serveClient: false });
  const drops = io.of('/drops');
  drops.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const given = typeof auth?.token === 'string' ? auth.token : undefined;
    const cookie = parseCookies(socket.handshake.headers.cookie ?? '', SESSION_COOKIE)[SESSION_COOKIE];
    const token = given ?? cookie;
    if (!token) {
      next(
        Object.assign(new Error('sign in first'), {
          data: { code: 'unauthorized', message: 'sign in first' },
        }),
      );
      return;
    }
    tokens.verify(token).then(
      (session) => {
        (socket.data as SocketData).session = session;
        next();
      },
      (error: unknown) => {
        const data = socketError(error);
        next(Object.assign(new Error(data.message), { data }));
      },
    );
  });
  io.engine.on('connection_error', (error: { code: number; message: string }) =>
    log.debug({ code: error.code, message: error.message }, 'socket connection refused'),
  );
  return {
    io,
    drops,
    close() {
      io.disconnectSockets(true);
      io.engine.close();
    },
  };
}
