import { connect } from 'node:net';
import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import type { EdgeEnv } from './context.js';
import { startServer } from './server.js';

/** Connects, sends `request`, then stalls; resolves with what the server sent before it closed the connection. */
function stall(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe('request timeouts', () => {
  test('a client that stalls mid-body, or mid-headers, gets 408 and loses the connection', async () => {
    const app = new Hono<EdgeEnv>();
    app.post('/echo', async (c) => c.text(await c.req.text()));
    // The stalled body's read fails (aborted) once the server gives up on it; nobody is left to answer.
    app.onError((_error, c) => c.body(null, 500));
    const server = await startServer(app, { port: 0, host: '127.0.0.1', requestTimeoutMs: 1000 });
    try {
      const body = stall(
        server.port,
        'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly part',
      );
      const headers = stall(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      // Both connections end by the server's hand, long before Node's default of 300 s.
      expect(await body).toMatch(/^HTTP\/1\.1 408 /);
      expect(await headers).toMatch(/^HTTP\/1\.1 408 /);
      // A request that arrives whole is served as before.
      const ok = await fetch(`http://127.0.0.1:${server.port}/echo`, { method: 'POST', body: 'hello' });
      expect(await ok.text()).toBe('hello');
    } finally {
      await server.stop(1000);
    }
  }, 15_000);
});
