/** A Socket.IO client for tests that records every event it receives and can wait for one. */
import { io, type Socket } from 'socket.io-client';

export interface RecordingSocket {
  socket: Socket;
  /** Every event received so far, by name, in order. */
  events: Map<string, unknown[]>;
  received(name: string): unknown[];
  /** Resolves with the first event `name` (already received or to come) that `match` accepts. */
  next<T = unknown>(name: string, match?: (payload: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Emits with an ack and resolves with the ack's answer. */
  call<T = unknown>(event: string, payload: unknown, timeoutMs?: number): Promise<T>;
  close(): void;
}

export async function connectSocket(
  baseUrl: string,
  token: string | undefined,
  options: { cookie?: string } = {},
): Promise<RecordingSocket> {
  const socket = io(`${baseUrl}/drops`, {
    transports: ['websocket'],
    reconnection: false,
    ...(token ? { auth: { token } } : {}),
    ...(options.cookie ? { extraHeaders: { cookie: options.cookie } } : {}),
  });
  const events = new Map<string, unknown[]>();
  const waiters = new Set<() => void>();
  socket.onAny((name: string, payload: unknown) => {
    const list = events.get(name) ?? [];
    list.push(payload);
    events.set(name, list);
    for (const w of waiters) w();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error: Error & { data?: unknown }) =>
      reject(Object.assign(new Error(`connect_error: ${error.message}`), { data: error.data })),
    );
  });
  const received = (name: string) => events.get(name) ?? [];
  return {
    socket,
    events,
    received,
    next<T>(name: string, match: (payload: T) => boolean = () => true, timeoutMs = 10_000) {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const found = (received(name) as T[]).find(match);
          if (found !== undefined) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching "${name}" event within ${timeoutMs} ms; got ${JSON.stringify(received(name))}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    call<T>(event: string, payload: unknown, timeoutMs = 5000) {
      return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
    },
    close: () => socket.disconnect(),
  };
}
