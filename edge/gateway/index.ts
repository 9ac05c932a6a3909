/**
 * The Socket.IO gateway: path `/socket.io`, namespace `/drops`, typed by the socket contract. It composes four
 * parts: the connections (`connections.ts`: a cap per address, no default namespace), the handshake (`handshake.ts`:
 * who may connect), the client requests (`requests.ts`: `watch` and `join`, answered to one socket, at a bounded
 * rate per socket) and the per-edge fan-out (`fan-out.ts`: the admission leader's ticks, turned into
 * `queue`, `status`, `stock` and `admitted` pushes on every edge). The requests record which sockets watch which
 * drop (`watchers.ts`); the fan-out reads that to push places without a Redis call per shopper.
 */
import type { Server as HttpServer } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import type { TickResult, WaitingRoom } from '../../queue/index.js';
import type { AdmissionTokens } from '../auth/admission.js';
import type { TokenService } from '../auth/tokens.js';
import { unlimited, type RateLimiter } from '../middleware/rate-limit.js';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents } from '../socket-contract.js';
import { connectionCap, CONNECT_TIMEOUT_MS, refuseDefaultNamespace } from './connections.js';
import type { EventRate } from './event-rate.js';
import { createFanOut, type FanOutDeps } from './fan-out.js';
import { authenticate } from './handshake.js';
import { serveRequests } from './requests.js';
import type { DropsNamespace, DropsServer, SocketData } from './types.js';
import { createWatchers } from './watchers.js';

export interface Gateway {
  io: DropsServer;
  drops: DropsNamespace;
  /** Hands one admission tick (this edge leads the drop) to every edge's shoppers. */
  onTick(result: TickResult): Promise<void>;
  /**
   * Disconnects every client, closes the adapters and stops accepting connections: the HTTP server's listener
   * closes too. Resolves without waiting for HTTP requests in flight: `RunningServer.stop` drains those, within
   * its deadline.
   */
  close(): Promise<void>;
}

export interface GatewayDeps {
  tokens: TokenService;
  admissionTokens: AdmissionTokens;
  waitingRoom: WaitingRoom;
  log: Logger;
  /** Socket.IO adapter factory (the Redis adapter, so events reach sockets on every edge). */
  adapter?: Parameters<DropsServer['adapter']>[0];
  clock?: Pick<DateConstructor, 'now'>;
  /** How many drops one socket may watch. */
  maxWatchesPerSocket?: number;
  /** The per-address limit on joins, shared with POST …/queue. */
  joinLimiter?: RateLimiter;
  trustProxy?: number;
  /** The pages' origin, which a handshake signed by the cookie must come from; undefined: the address reached. */
  publicOrigin?: string;
  /** Each socket's event rate (default 10 a second, 40 at once); past it the socket is disconnected. */
  eventRate?: EventRate;
  /** Connections one address may hold on this edge; undefined: no cap. */
  connectionsPerAddress?: number;
  /** When a drop's held units return, for its `stock` pushes (fan-out.ts). */
  heldReturns?: FanOutDeps['heldReturns'];
}

/** Attaches the gateway to the edge's HTTP server. */
export function attachGateway(server: HttpServer, deps: GatewayDeps): Gateway {
  const { waitingRoom, admissionTokens, log } = deps;
  const clock = deps.clock ?? Date;
  const trustProxy = deps.trustProxy ?? 0;
  const cap = connectionCap({ perAddress: deps.connectionsPerAddress, trustProxy });
  const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(server, {
    path: '/socket.io',
    serveClient: false,
    connectTimeout: CONNECT_TIMEOUT_MS,
    allowRequest: cap.allowRequest,
  });
  cap.count(io);
  refuseDefaultNamespace(io);
  if (deps.adapter) io.adapter(deps.adapter);
  const drops = io.of('/drops');
  const watchers = createWatchers();

  drops.use(authenticate(deps.tokens, deps.publicOrigin));
  serveRequests(drops, {
    waitingRoom,
    admissionTokens,
    watchers,
    log,
    clock,
    maxWatches: deps.maxWatchesPerSocket ?? 20,
    joinLimiter: deps.joinLimiter ?? unlimited,
    trustProxy,
    eventRate: deps.eventRate ?? { perSecond: 10, burst: 40 },
  });
  const fanOut = createFanOut(drops, {
    waitingRoom,
    admissionTokens,
    watchers,
    log,
    clock,
    ...(deps.heldReturns ? { heldReturns: deps.heldReturns } : {}),
  });

  return {
    io,
    drops,
    onTick: (result) => fanOut.onTick(result),
    close: () => closeGateway(io, server, log),
  };
}

/**
 * `io.close()` disconnects every socket of every namespace, closes each namespace's adapter, stops engine.io, then
 * closes the HTTP server's listener, and settles only once the HTTP server's last connection has ended. That last
 * wait is the HTTP server's drain, which `RunningServer.stop` bounds with its deadline: awaiting it here would hold
 * shutdown on a slow request with no deadline at all. So this resolves once the listener is closed; then
 * `RunningServer.stop`, finding it closed, only drains (closing it again would be ERR_SERVER_NOT_RUNNING).
 */
async function closeGateway(io: DropsServer, server: HttpServer, log: Logger): Promise<void> {
  let settled = false;
  void io
    .close()
    .catch((error: unknown) => log.error({ err: error }, 'closing Socket.IO failed'))
    .finally(() => (settled = true));
  // io.close() closes the listener once the adapters have closed, a turn of the event loop or two (the Redis
  // adapter's close() only unsubscribes). Should it fail first, the listener is left to RunningServer.stop.
  while (server.listening && !settled) await nextTurn();
}
