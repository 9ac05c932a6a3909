/**
 * Join storm: CLIENTS shoppers open a Socket.IO connection at once, join a drop's waiting room over it and watch.
 *
 * Measures, per client, the time from the WebSocket being open to the ack of the socket `join` event (Trend
 * `join_ack`: Engine.IO handshake, namespace connect with the JWT check, and the join itself), and counts the
 * `queue` events pushed while the clients stay connected for HOLD seconds (Counter `queue_events`). Failed joins
 * (a refused namespace connect, an ack with `{error}`, no ack within 60 s, a failed sign-in) are counted in
 * `join_failed`; the threshold wants none.
 *
 * k6 has no Socket.IO client, so this speaks the protocol over `k6/ws` by hand (Engine.IO v4, WebSocket transport):
 *   server `0{"sid":…,"pingInterval":…}` (Engine.IO open)  → client `40/drops,{"token":"…"}` (namespace connect)
 *   server `40/drops,{"sid":…}` (connected)               → client `42/drops,0["join",{"dropId":"…"}]`
 *   server `43/drops,0[{created,status,position,…}]` (ack of the join, id 0)
 *   server `42/drops,["queue",{…}]` (place updates), `2` (ping) → client `3` (pong)
 * Each VU first signs in as a guest (POST /api/auth/guest) for the token.
 *
 * Run against Dropline started with RATE_LIMITS=off (guest sign-ins and joins are limited per address, and every
 * client comes from this one address), with the drop open or scheduled:
 *   k6 run -e BASE_URL=http://localhost:3000 -e DROP_ID=<drop id> infra/k6/join-storm.ts
 *   k6 run -e BASE_URL=https://dropline.example -e DROP_ID=<drop id> -e CLIENTS=2000 -e HOLD=60 infra/k6/join-storm.ts
 * (10,000 connections from one machine may need a higher open-file limit: `ulimit -n 65536`.)
 *
 * Environment variables:
 *   BASE_URL  the API's origin, for the guest sign-in (default http://localhost:3000)
 *   WS_URL    the Socket.IO origin (default BASE_URL with http → ws, https → wss)
 *   DROP_ID   the drop to join (required)
 *   CLIENTS   how many clients, one VU each (default 10000)
 *   HOLD      seconds each client stays connected after its join is acknowledged (default 30)
 */
import { check } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import ws from 'k6/ws';
import type { Socket, Response as WsResponse } from 'k6/ws';
import { baseUrl, dropId, env, envInt, guest } from './lib.ts';

const BASE_URL = baseUrl();
const WS_URL = env('WS_URL', BASE_URL.replace(/^http/, 'ws')).replace(/\/+$/, '');
const DROP_ID = dropId();
const CLIENTS = envInt('CLIENTS', 10000);
const HOLD = envInt('HOLD', 30);

/** A client that has no ack this long after its socket opened gives up. */
const JOIN_TIMEOUT_SECONDS = 60;
const NAMESPACE = '/drops';
/** The ack id of the one `join` each client sends. */
const JOIN_ACK_ID = 0;

export const options: Options = {
  scenarios: {
    storm: {
      executor: 'per-vu-iterations',
      vus: CLIENTS,
      iterations: 1,
      // Sign-in, connect and join, the hold, and slack for a slow start of many VUs.
      maxDuration: `${JOIN_TIMEOUT_SECONDS + HOLD + 120}s`,
    },
  },
  thresholds: {
    join_failed: ['count==0'],
  },
};

const joinAck = new Trend('join_ack', true);
const queueEvents = new Counter('queue_events');
const joinFailed = new Counter('join_failed');

/** Socket.IO v5 protocol packet types (carried in Engine.IO `4` message packets). */
const SocketIO = { CONNECT: 0, DISCONNECT: 1, EVENT: 2, ACK: 3, CONNECT_ERROR: 4 } as const;

interface Packet {
  type: number;
  nsp: string;
  id: number | undefined;
  data: unknown;
}

/** Decodes a Socket.IO packet: `<type>[/<nsp>,][<ack id>][<JSON>]`; undefined for binary or malformed ones. */
function decode(text: string): Packet | undefined {
  const type = Number(text.charAt(0));
  if (!Number.isInteger(type) || type > SocketIO.CONNECT_ERROR) return undefined;
  let i = 1;
  let nsp = '/';
  if (text.charAt(i) === '/') {
    const comma = text.indexOf(',', i);
    nsp = comma === -1 ? text.slice(i) : text.slice(i, comma);
    i = comma === -1 ? text.length : comma + 1;
  }
  let digits = '';
  while (i < text.length && text.charAt(i) >= '0' && text.charAt(i) <= '9') digits += text.charAt(i++);
  let data: unknown;
  if (i < text.length) {
    try {
      data = JSON.parse(text.slice(i));
    } catch {
      return undefined;
    }
  }
  return { type, nsp, id: digits === '' ? undefined : Number(digits), data };
}

/** Encodes a Socket.IO packet for the `/drops` namespace inside an Engine.IO message (`4`). */
function encode(type: number, data: unknown, id?: number): string {
  return `4${type}${NAMESPACE},${id ?? ''}${JSON.stringify(data)}`;
}

/** One client's way through the connect and the join. */
interface Client {
  token: string;
  /** When its WebSocket opened (ms since the epoch): `join_ack` is measured from there. */
  openedAt: number;
  connected: boolean;
  joined: boolean;
  failed: boolean;
}

/** Counts the client's join as failed, once, unless it was acknowledged already. */
function fail(client: Client): void {
  if (!client.failed && !client.joined) joinFailed.add(1);
  client.failed = true;
}

/** Engine.IO's framing: open, close, ping, and messages (`4`) that carry a Socket.IO packet. */
function onMessage(socket: Socket, client: Client, message: string): void {
  switch (message.charAt(0)) {
    case '0': // Engine.IO open: connect to the namespace with the session token
      socket.send(encode(SocketIO.CONNECT, { token: client.token }));
      return;
    case '1': // Engine.IO close
      socket.close();
      return;
    case '2': // Engine.IO ping (the server pings in v4): answer pong
      socket.send('3');
      return;
    case '4': {
      // Engine.IO message: a Socket.IO packet
      const packet = decode(message.slice(1));
      if (packet && packet.nsp === NAMESPACE) onPacket(socket, client, packet);
      return;
    }
  }
}

function onPacket(socket: Socket, client: Client, packet: Packet): void {
  switch (packet.type) {
    case SocketIO.CONNECT:
      client.connected = true;
      socket.send(encode(SocketIO.EVENT, ['join', { dropId: DROP_ID }], JOIN_ACK_ID));
      break;
    case SocketIO.CONNECT_ERROR: // e.g. {"message":…,"data":{"code":"unauthorized",…}}
    case SocketIO.DISCONNECT:
      fail(client);
      socket.close();
      break;
    case SocketIO.ACK:
      if (packet.id === JOIN_ACK_ID && !client.joined && !client.failed)
        onJoinAck(socket, client, packet.data);
      break;
    case SocketIO.EVENT:
      if (Array.isArray(packet.data) && packet.data[0] === 'queue') queueEvents.add(1);
      break;
  }
}

/** The join's ack: the client's place, or `{error: {code, message}}` (drop_not_open, rate_limited, …). */
function onJoinAck(socket: Socket, client: Client, data: unknown): void {
  const answer: unknown = Array.isArray(data) ? data[0] : undefined;
  if (typeof answer !== 'object' || answer === null || 'error' in answer) {
    fail(client);
    socket.close();
    return;
  }
  client.joined = true;
  joinAck.add(Date.now() - client.openedAt);
  socket.setTimeout(() => socket.close(), HOLD * 1000);
}

/** Connects, joins and holds; returns when the socket is closed. */
function connect(client: Client): WsResponse {
  return ws.connect(
    `${WS_URL}/socket.io/?EIO=4&transport=websocket`,
    { tags: { name: 'WS /socket.io' } },
    (socket) => {
      socket.on('open', () => {
        client.openedAt = Date.now();
        socket.setTimeout(() => {
          if (!client.joined) {
            fail(client);
            socket.close();
          }
        }, JOIN_TIMEOUT_SECONDS * 1000);
      });
      socket.on('message', (message) => onMessage(socket, client, message));
      socket.on('error', () => fail(client));
      socket.on('close', () => {
        if (!client.joined) fail(client);
      });
    },
  );
}

export default function (): void {
  const { token } = guest(BASE_URL);
  if (!token) {
    joinFailed.add(1);
    return;
  }
  const client: Client = { token, openedAt: 0, connected: false, joined: false, failed: false };
  let res: WsResponse | undefined;
  try {
    res = connect(client);
  } catch {
    fail(client); // could not connect (refused, bad handshake) with k6's `throw` option on
  }
  check(res, { 'ws: status 101': (r) => r?.status === 101 });
  check(null, {
    'socket.io: namespace connected': () => client.connected,
    'socket.io: join acknowledged': () => client.joined,
  });
}
