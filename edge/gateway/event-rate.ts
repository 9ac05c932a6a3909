/**
 * A per-socket event rate: a token bucket of `burst` events refilled at `perSecond`. An event past it is not
 * handled: the socket gets an `error` push (`rate_limited`) and is disconnected, its connection closed, so a
 * flooding client costs the edge only the parsing of what it had already sent.
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
  });
}
