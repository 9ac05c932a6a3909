/**
 * The stock-read baselines: a bare Node `http` server (`node`) or a bare Hono server on @hono/node-server (`hono`)
 * answering every GET with the same JSON body and headers a Dropline stock read has, listening with the backlog
 * Dropline's edge has. Prints `listening <port>`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { DEFAULT_LISTEN_BACKLOG } from '../config.js';

const kind = process.argv[2];
const body = process.argv[3] ?? '{}';
const headers = { 'content-type': 'application/json', 'cache-control': 'public, max-age=1' };
const listen = (server: Server) =>
  server.listen({ port: 0, host: '127.0.0.1', backlog: DEFAULT_LISTEN_BACKLOG }, () =>
    process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`),
  );

if (kind === 'node') {
  const server = createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  listen(server);
} else if (kind === 'hono') {
  const app = new Hono();
  app.get('*', (c) => c.body(body, 200, headers));
  listen(createAdaptorServer({ fetch: app.fetch, hostname: '127.0.0.1' }) as Server);
} else {
  process.stderr.write('usage: bare-http.ts node|hono <body>\n');
  process.exit(2);
}
