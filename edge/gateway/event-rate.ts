/**
 * A per-socket event rate: a token bucket of `burst` messages refilled at `perSecond`. A message past it is not
 * handled: the socket gets an `error` push (`rate_limited`) and is disconnected, and its connection is no longer
 * read, so a flooding client costs the edge only the framing of what it had already read.
 *
 * The bucket counts Engine.IO messages as they come off the connection, before Socket.IO decodes them: a WebSocket
 * reads up to 64 KB at a time, about a thousand small events, and hands them over in one go. Counted after decoding
 * (Socket.IO middleware runs a tick later), every event of that read would be parsed and queued before the first
 * refusal. Counted here, the refusal closes the Engine.IO connection at once, and the rest of the read is dropped
 * unparsed (Engine.IO ignores messages on a connection that is closing).
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
  const count = (packet: { type: string }) => {
    if (packet.type !== 'message') return;
    const now = clock.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * perSecond);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return;
    }
    socket.conn.off('packet', count);
    const limit = `more than ${perSecond} events a second (${burst} at once): disconnected`;
    log.warn(
      { socket: socket.id, user: socket.data.session.userId },
      'socket over its event rate: disconnected',
    );
    socket.emit('error', socketError(new HttpProblem('rate_limited', limit)));
    hangUp(socket);
    socket.disconnect(true);
  };
  socket.conn.on('packet', count);
}

/** How long a flooder's connection may linger, unread, for its refusal to reach it before it is dropped. */
const LINGER_MS = 1000;

/** What of a `ws` WebSocket the hang-up uses: its own pause stays paused when its parser drains. */
interface PausableWebSocket {
  pause(): void;
}

/**
 * Stops reading the flooder's connection at once: what it has sent but the edge has not read is never parsed. A
 * WebSocket is paused through `ws`, which would otherwise resume the TCP socket as soon as its parser drains. The
 * refusal and the close still go out (Engine.IO flushes them before it closes, then `end` sends FIN); the connection
 * is destroyed after LINGER_MS whatever the client does.
 */
function hangUp(socket: DropsSocket): void {
  const tcp = socket.request.socket;
  const transport = socket.conn.transport as { name: string; socket?: PausableWebSocket };
  if (transport.name === 'websocket' && transport.socket) transport.socket.pause();
  else tcp.pause();
  // Once Engine.IO has flushed the refusal and closed its side: FIN after what is written.
  socket.conn.once('close', () => tcp.end());
  setTimeout(() => tcp.destroy(), LINGER_MS).unref();
}
