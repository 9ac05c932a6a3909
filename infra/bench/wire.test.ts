/** The load generators' lean clients against Node's own HTTP server and the `ws` server. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { openWebSocket } from './wire-websocket.js';
import { HttpPool } from './wire.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

const bodyOf = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });

describe('HttpPool', () => {
  test('answers every request over at most `size` kept connections, chunked or with a length', async () => {
    const sockets = new Set<unknown>();
    const port = await listen(
      createServer((req, res) => {
        sockets.add(req.socket);
        void bodyOf(req).then((body) => {
          const answer = JSON.stringify({ path: req.url, body, auth: req.headers.authorization });
          if (req.url === '/chunked') {
            res.write(answer.slice(0, 5));
            res.end(answer.slice(5));
          } else res.writeHead(201, { 'content-length': Buffer.byteLength(answer) }).end(answer);
        });
      }),
    );
    const pool = new HttpPool('127.0.0.1', port, 4);
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        pool.request('POST', i % 2 ? '/chunked' : `/n/${i}`, { authorization: `Bearer ${i}` }, `{"i":${i}}`),
      ),
    );
    answers.forEach((a, i) => {
      expect(a.status).toBe(i % 2 ? 200 : 201);
      expect(JSON.parse(a.body)).toEqual({
        path: i % 2 ? '/chunked' : `/n/${i}`,
        body: `{"i":${i}}`,
        auth: `Bearer ${i}`,
      });
    });
    expect(sockets.size).toBe(4);
  });

  test('a connection the server closes is replaced; a request it dropped fails', async () => {
    let served = 0;
    const port = await listen(
      createServer((req, res) => {
        served++;
        if (req.url === '/drop') return req.socket.destroy();
        res.setHeader('connection', 'close');
        res.end('bye');
      }),
    );
    const pool = new HttpPool('127.0.0.1', port, 1);
    await expect(pool.request('GET', '/drop', {})).rejects.toThrow(/closed the connection/);
    const answers = await Promise.all([1, 2, 3].map(() => pool.request('GET', '/', {})));
    expect(answers.map((a) => a.body)).toEqual(['bye', 'bye', 'bye']);
    expect(served).toBe(4);
  });
});

describe('openWebSocket', () => {
  test('exchanges text messages (fragmented too), answers pings, and ends with the closing handshake', async () => {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    const port = await listen(http);
    const serverClosed = vi.fn();
    const pongs = vi.fn();
    wss.on('connection', (ws) => {
      ws.on('message', (data: Buffer) => {
        ws.ping('are you there');
        ws.send(`echo ${data.toString()}`);
        ws.send('x'.repeat(70_000)); // a 64-bit length
      });
      ws.on('pong', (data: Buffer) => pongs(data.toString()));
      ws.on('close', (code: number) => serverClosed(code));
    });
    const got: string[] = [];
    const closed = new Promise<Error | undefined>((resolve) => {
      const socket = openWebSocket('127.0.0.1', port, '/', {
        message: (text) => {
          got.push(text.length > 1000 ? `${text.length} chars` : text);
          if (got.length === 1) socket.send('é'.repeat(200)); // a 16-bit length, masked
          if (got.length === 3) socket.close();
        },
        closed: resolve,
      });
      // One message in two frames: a first without FIN, then a continuation.
      wss.once('connection', (ws) => {
        ws.send('hel', { fin: false });
        ws.send('lo', { fin: true });
      });
    });
    expect(await closed).toBeUndefined();
    expect(got).toEqual(['hello', `echo ${'é'.repeat(200)}`, '70000 chars']);
    expect(pongs).toHaveBeenCalledWith('are you there');
    await vi.waitFor(() => expect(serverClosed).toHaveBeenCalledWith(1000));
    wss.close();
  });

  test('a refused upgrade ends with an error', async () => {
    const port = await listen(createServer((_req, res) => res.writeHead(404).end()));
    const error = await new Promise<Error | undefined>((resolve) =>
      openWebSocket('127.0.0.1', port, '/', { message: () => {}, closed: resolve }),
    );
    expect(error?.message).toMatch(/refused|ended|closed/);
  });
});
