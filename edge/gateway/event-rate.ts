/**
 * A per-socket event rate: a token bucket of `burst` events refilled at `perSecond`. An event past it is not
 * handled: the socket gets an `error` push (`rate_limited`) and is disconnected, and its connection is no longer
 * read, so a flooding client costs the edge only the parsing of what it had already read.
 */
import type { Logger } from 'pino';
import { HttpProblem } from '../problems.js';
import { socketError } from './socket-error.js';
import type { DropsSocket } from './types.js';

export interface EventRate {
  perSecond: number;
  burst: number;
}

export function limitEvents(
  socket: DropsSocket,
  { perSecond, burst }: EventRate,
  { clock, log }: { clock: Pick<DateConstructor, 'now'>; log: Logger },
): void {
  let tokens = burst;
  let last = clock.now();
  socket.use((_event, next) => {
    const now = clock.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * perSecond);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return next();
    }
    if (!socket.connected) return;
    const limit = `more than ${perSecond} events a second (${burst} at once): disconnected`;
    log.warn(
      { socket: socket.id, user: socket.data.session.userId },
      'socket over its event rate: disconnected',
    );
    socket.emit('error', socketError(new HttpProblem('rate_limited', limit)));
    socket.disconnect(true);
    hangUp(socket);
  });
}

/** How long a flooder's connection may linger, unread, for its refusal to reach it before it is dropped. */
const LINGER_MS = 1000;

/**
 * Stops reading the flooder's TCP connection at once: what it has sent but the edge has not read is never parsed.
 * The refusal and the close still go out (Engine.IO flushes them before it closes, then `end` sends FIN); the
 * connection is destroyed after LINGER_MS whatever the client does.
 */
function hangUp(socket: DropsSocket): void {
  const tcp = socket.request.socket;
  tcp.pause();
  // Once Engine.IO has flushed the refusal and closed its side: FIN after what is written.
  socket.conn.once('close', () => tcp.end());
  setTimeout(() => tcp.destroy(), LINGER_MS).unref();
}
