/** What every shopper page shares: who is signed in, the page frame, the socket and the router. */
import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../index.js';
import type { Me } from '../api.js';

/** The `/drops` socket, typed by the gateway's contract. */
export type DropSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ShopperApp {
  readonly root: HTMLElement;
  /** Who is signed in (a guest too), or null. */
  me: Me | null;
  /** Shows `children` under the top bar. */
  page(...children: (Node | null)[]): void;
  /** The socket, opened on first use once signed in (the session cookie authenticates it). */
  socket(): DropSocket;
  /** Renders the page that the address names. */
  route(): Promise<void>;
  /** Runs `stop` when the shopper leaves the current page, so its timers and socket listeners end with it. */
  onLeave(stop: () => void): void;
}
