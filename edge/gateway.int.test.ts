import { io as connect, type Socket } from 'socket.io-client';
import { describe, expect } from 'vitest';
import { test } from '../infra/testing/index.js';

type Outcome = { connected: true } | { connected: false; data: unknown };

function handshake(
  url: string,
  options: Parameters<typeof connect>[1],
): Promise<{ socket: Socket; outcome: Outcome }> {
  const socket = connect(`${url}/drops`, { transports: ['websocket'], reconnection: false, ...options });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket, outcome: { connected: true } }));
    socket.once('connect_error', (error: Error & { data?: unknown }) =>
      resolve({ socket, outcome: { connected: false, data: error.data } }),
    );
  });
}

describe('Socket.IO gateway', () => {
  test('the /drops handshake takes a token or the session cookie and refuses anything else', async ({
    dropline,
    api,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${server.port}`;
    const guest = await api.guest();
    const sockets: Socket[] = [];
    try {
      const withToken = await handshake(url, { auth: { token: guest.token } });
      sockets.push(withToken.socket);
      expect(withToken.outcome).toEqual({ connected: true });

      const withCookie = await handshake(url, {
        extraHeaders: { cookie: `dropline_session=${guest.token}` },
      });
      sockets.push(withCookie.socket);
      expect(withCookie.outcome).toEqual({ connected: true });

      for (const options of [{}, { auth: { token: 'forged.token.value' } }, { auth: { token: 42 } }]) {
        const refused = await handshake(url, options);
        sockets.push(refused.socket);
        expect(refused.outcome).toEqual({
          connected: false,
          data: { code: 'unauthorized', message: expect.any(String) },
        });
      }
      // The refused handshakes did not disturb the accepted ones.
      expect(withToken.socket.connected).toBe(true);
    } finally {
      for (const s of sockets) s.disconnect();
    }
  });
});
