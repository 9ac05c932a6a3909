/**
 * A drop's live figures over the socket (namespace `/drops`): `watch` subscribes to the drop's `stock` and
 * `status` pushes, which any signed-in account may read. Asked again after every reconnection, so a break loses
 * nothing: the watch's answer is followed by a fresh read of what the page shows.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, StatusPush, StockPush } from '../../index.js';

export interface LiveHandlers {
  stock(push: StockPush): void;
  status(push: StatusPush): void;
  /** Connected again after a break (not the first time): read again what may have changed meanwhile. */
  reconnected(): void;
}

/** Watches one drop until the returned function is called. */
export function watchDrop(dropId: string, on: LiveHandlers): () => void {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io('/drops', {
    withCredentials: true,
    transports: ['websocket', 'polling'],
  });
  let connectedBefore = false;
  socket.on('connect', () => {
    socket.emit('watch', { dropId });
    if (connectedBefore) on.reconnected();
    connectedBefore = true;
  });
  socket.on('disconnect', (reason) => {
    // Socket.IO reconnects by itself unless the server closed the connection (an edge shutting down).
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 500);
  });
  socket.on('stock', (push) => {
    if (push.dropId === dropId) on.stock(push);
  });
  socket.on('status', (push) => {
    if (push.dropId === dropId) on.status(push);
  });
  return () => void socket.disconnect();
}

/**
 * Runs `load` at most once a second however often `ask` is called; while what it loaded trails what a push told
 * (`load` resolves true: behind), it tries again a second later, up to `tries` times. `stop` ends it.
 */
export function throttled(load: () => Promise<boolean>, tries = 15): { ask(): void; stop(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;
  let stopped = false;
  let last = 0;
  let left = 0;
  const schedule = () => {
    if (timer !== undefined || stopped) return;
    timer = setTimeout(() => void run(), Math.max(0, last + 1000 - Date.now()));
  };
  const run = async () => {
    timer = undefined;
    running = true;
    again = false;
    last = Date.now();
    const behind = await load().catch(() => true);
    running = false;
    if (behind && left-- > 0) again = true;
    if (again) schedule();
  };
  return {
    ask() {
      left = tries;
      if (running) again = true;
      else schedule();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
