/**
 * Who may hold a connection: at most `perAddress` Engine.IO connections from one client address on this edge (the
 * address read as the HTTP rate limiter reads it, honouring TRUST_PROXY), and nobody on a namespace we do not
 * serve. The default namespace `/` refuses every socket and closes its connection; a client that joins no
 * namespace at all is closed by Socket.IO after CONNECT_TIMEOUT_MS.
 */
import type { IncomingMessage } from 'node:http';
import type { ServerOptions } from 'socket.io';
import { addressFrom } from '../middleware/rate-limit.js';
import type { DropsServer, DropsSocket } from './types.js';

/** How long a connection may stay without joining a namespace (Socket.IO's default is 45 s). */
export const CONNECT_TIMEOUT_MS = 10_000;

export interface ConnectionLimits {
  /** Connections one address may hold on this edge; undefined: no cap (rate limits off). */
  perAddress: number | undefined;
  trustProxy: number;
}

function addressOf(req: IncomingMessage, trustProxy: number): string {
  const forwarded = req.headers['x-forwarded-for'];
  return addressFrom(
    Array.isArray(forwarded) ? forwarded.join(',') : forwarded,
    req.socket.remoteAddress,
    trustProxy,
  );
}

/**
 * The cap, in two places: `allowRequest` refuses a new connection's handshake with 403 once the address holds its
 * share (cheap: nothing is opened), and the count, taken when a connection opens, closes any that got past it
 * (handshakes in flight at the same time).
 */
export function connectionCap({ perAddress, trustProxy }: ConnectionLimits) {
  const open = new Map<string, number>();
  const allowRequest: NonNullable<ServerOptions['allowRequest']> = (req, callback) => {
    if (perAddress === undefined) return callback(null, true);
    callback(null, (open.get(addressOf(req, trustProxy)) ?? 0) < perAddress);
  };
  const count = (io: DropsServer) => {
    if (perAddress === undefined) return;
    io.engine.on('connection', (conn: DropsSocket['conn']) => {
      const address = addressOf(conn.request, trustProxy);
      const held = (open.get(address) ?? 0) + 1;
      open.set(address, held);
      conn.once('close', () => {
        const left = (open.get(address) ?? 1) - 1;
        if (left > 0) open.set(address, left);
        else open.delete(address);
      });
      if (held > perAddress) conn.close();
    });
  };
  return { allowRequest, count };
}

/** Refuses the default namespace: the socket gets `connect_error` (`not_found`), then its connection is closed. */
export function refuseDefaultNamespace(io: DropsServer): void {
  io.of('/').use((socket, next) => {
    const data = { code: 'not_found', message: 'this server serves the namespace /drops only' };
    next(Object.assign(new Error(data.message), { data }));
    // After the refusal is written (Socket.IO sends it on the next tick); closing waits for it to drain.
    setImmediate(() => socket.conn.close());
  });
}
