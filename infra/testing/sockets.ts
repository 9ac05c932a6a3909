/** A Socket.IO client for tests, typed by the socket contract, that records every push it receives and can wait for one. */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, DropRequest, ServerToClientEvents } from '../../edge/index.js';

/** A push's name and payload, as the contract types them. */
export type PushName = keyof ServerToClientEvents;
export type Push<E extends PushName> = Parameters<ServerToClientEvents[E]>[0];
/** A request's name and the answer its ack carries. */
export type RequestName = keyof ClientToServerEvents;
export type Answer<E extends RequestName> = Parameters<
  NonNullable<Parameters<ClientToServerEvents[E]>[1]>
>[0];

export type DropSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface RecordingSocket {
  socket: DropSocket;
  /**
   * The same socket without the contract's types, to send what the contract forbids (a malformed payload, an
   * unknown event) and see the server refuse it.
   */
  untyped: Socket;
  /** Every push of this name received so far, in order. */
  received<E extends PushName>(name: E): Push<E>[];
  /** Resolves with the first push `name` (already received or to come) that `match` accepts. */
  next<E extends PushName>(
    name: E,
    match?: (payload: Push<E>) => boolean,
    timeoutMs?: number,
  ): Promise<Push<E>>;
  /** Emits a request with an ack and resolves with the ack's answer. */
  call<E extends RequestName>(event: E, request: DropRequest, timeoutMs?: number): Promise<Answer<E>>;
  close(): void;
}

export async function connectSocket(
  baseUrl: string,
  token: string | undefined,
  options: { cookie?: string } = {},
): Promise<RecordingSocket> {
  const socket: DropSocket = io(`${baseUrl}/drops`, {
    transports: ['websocket'],
    reconnection: false,
    ...(token ? { auth: { token } } : {}),
    ...(options.cookie ? { extraHeaders: { cookie: options.cookie } } : {}),
  });
  const untyped: Socket = socket;
  const pushes = recordPushes(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error: Error & { data?: unknown }) =>
      reject(Object.assign(new Error(`connect_error: ${error.message}`), { data: error.data })),
    );
  });
  return {
    socket,
    untyped,
    received: (name) => pushes.events[name],
    next(name, match = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = pushes.events[name].find(match);
          if (found !== undefined) {
            clearTimeout(timer);
            pushes.waiters.delete(check);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          pushes.waiters.delete(check);
          const got = JSON.stringify(pushes.events[name]);
          reject(new Error(`no matching "${name}" event within ${timeoutMs} ms; got ${got}`));
        }, timeoutMs);
        pushes.waiters.add(check);
        check();
      });
    },
    // Through the untyped view: Socket.IO's types cannot resolve one request's ack for a generic event name. The
    // answer is the server's, as sent: the contract's type is what the tests expect of it, and they check it.
    call: (event, request, timeoutMs = 5000) => untyped.timeout(timeoutMs).emitWithAck(event, request),
    close: () => socket.disconnect(),
  };
}

/** Records every push of the contract, by name, and wakes the waiters on each. */
function recordPushes(socket: DropSocket) {
  const events: { [E in PushName]: Push<E>[] } = {
    queue: [],
    admitted: [],
    status: [],
    stock: [],
    hold: [],
    place: [],
    error: [],
  };
  const waiters = new Set<() => void>();
  const record =
    <E extends PushName>(name: E) =>
    (push: Push<E>) => {
      events[name].push(push);
      for (const w of waiters) w();
    };
  socket.on('queue', record('queue'));
  socket.on('admitted', record('admitted'));
  socket.on('status', record('status'));
  socket.on('stock', record('stock'));
  socket.on('hold', record('hold'));
  socket.on('place', record('place'));
  socket.on('error', record('error'));
  return { events, waiters };
}
