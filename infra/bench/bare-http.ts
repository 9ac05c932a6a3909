/**
 * The stock-read baselines: a bare Node `http` server (`node`) or a bare Hono server on @hono/node-server (`hono`)
 * answering every GET with the same JSON body and headers a Dropline stock read has. Prints `listening <port>`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const kind = process.argv[2];
const body = process.argv[3] ?? '{}';
const headers = { 'content-type': 'application/json', 'cache-control': 'public, max-age=1' };
const ready = (port: number) => process.stdout.write(`listening ${port}\n`);

if (kind === 'node') {
  const server = createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => ready((server.address() as AddressInfo).port));
} else if (kind === 'hono') {
  const app = new Hono();
  app.get('*', (c) => c.body(body, 200, headers));
  serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => ready(info.port));
} else {
  process.stderr.write('usage: bare-http.ts node|hono <body>\n');
  process.exit(2);
}
