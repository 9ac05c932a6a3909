/**
 * Baselines on Dropline's own stack (Socket.IO, and Hono on @hono/node-server), listening with the backlog Dropline's
 * edge has, doing nothing but answering. Prints `listening <port>` when ready.
 *
 * - `storm` (the default), the join storm's: accepts clients and acknowledges each one's `join` with a place.
 * - `rush`, the order rush's floor: acknowledges `join` with an admission at once, answers
 *   POST /api/drops/:id/reservations with a held reservation and POST /api/reservations/:id/pay with a paid order,
 *   as Dropline's bodies look: the most shoppers a second this machine serves with these libraries and the rush's
 *   load generator, before any Redis, NATS or PostgreSQL work.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { Server } from 'socket.io';
import type { ClientToServerEvents, JoinAck, ServerToClientEvents } from '../../edge/index.js';
import { DEFAULT_LISTEN_BACKLOG } from '../config.js';

const mode = process.argv[2] ?? 'storm';
if (mode !== 'storm' && mode !== 'rush') {
  process.stderr.write('usage: bare-socket-server.ts [storm|rush]\n');
  process.exit(2);
}

const app = new Hono();
let reservations = 0;
app.post('/api/drops/:id/reservations', async (c) => {
  await c.req.json();
  const id = `rsv_${++reservations}`;
  const expiresAt = new Date(Date.now() + 600_000).toISOString();
  return c.json({ id, dropId: c.req.param('id'), quantity: 1, status: 'held', expiresAt }, 201);
});
app.post('/api/reservations/:id/pay', async (c) => {
  await c.req.json();
  return c.json({ orderId: c.req.param('id'), status: 'paid' });
});

const listener = getRequestListener(app.fetch);
const http = createServer(mode === 'rush' ? (req, res) => void listener(req, res) : undefined);
const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, {
  path: '/socket.io',
  serveClient: false,
});

/** The `join` ack of the `position`th shopper, in the shape the gateway gives it. */
function joinAck(position: number): JoinAck {
  if (mode === 'storm')
    return {
      created: true,
      status: 'waiting',
      position,
      ahead: position - 1,
      queueLength: position,
      etaSeconds: null,
      paused: false,
      pauseMessage: null,
    };
  return {
    created: true,
    status: 'admitted',
    position,
    ahead: 0,
    queueLength: position,
    etaSeconds: null,
    paused: false,
    pauseMessage: null,
    admission: {
      token: `admission-${position}`,
      expiresAt: new Date(Date.now() + 300_000).toISOString(),
    },
  };
}

let next = 0;
io.of('/drops').on('connection', (socket) => {
  socket.on('join', (_request, ack) => {
    // A client may emit without asking for an ack: there is nothing to answer then.
    if (typeof ack !== 'function') return;
    ack(joinAck(++next));
  });
});
http.listen({ port: 0, host: '127.0.0.1', backlog: DEFAULT_LISTEN_BACKLOG }, () =>
  process.stdout.write(`listening ${(http.address() as AddressInfo).port}\n`),
);
process.on('SIGTERM', () => {
  void io.close();
  process.exit(0);
});
