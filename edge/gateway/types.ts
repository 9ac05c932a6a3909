/** The gateway's Socket.IO types, from the socket contract and what a socket carries once authenticated. */
import type { Namespace, Server, Socket } from 'socket.io';
import type { Session } from '../auth/tokens.js';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents } from '../socket-contract.js';

/** What the handshake stores on a socket: every `/drops` socket past the handshake has a session. */
export interface SocketData {
  session: Session;
}

export type DropsServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type DropsNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
export type DropsSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
