/**
 * The join storm's baseline: a bare Socket.IO server that accepts clients and acknowledges each one's `join` with a
 * place, doing nothing else, listening with the backlog Dropline's edge has. Prints `listening <port>` when ready.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { DEFAULT_LISTEN_BACKLOG } from '../config.js';

const http = createServer();
const io = new Server(http, { path: '/socket.io', serveClient: false });
let next = 0;
io.of('/drops').on('connection', (socket) => {
  socket.on('join', (_payload: unknown, ack: unknown) => {
    if (typeof ack === 'function')
      (ack as (answer: unknown) => void)({ status: 'waiting', position: ++next });
  });
});
http.listen({ port: 0, host: '127.0.0.1', backlog: DEFAULT_LISTEN_BACKLOG }, () =>
  process.stdout.write(`listening ${(http.address() as AddressInfo).port}\n`),
);
process.on('SIGTERM', () => {
  void io.close();
  process.exit(0);
});
