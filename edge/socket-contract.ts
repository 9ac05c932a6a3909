/**
 * The Socket.IO contract of namespace `/drops`, typed once: the gateway (`Server<…>`), the pages and the tests
 * (`Socket<ServerToClientEvents, ClientToServerEvents>` from socket.io-client) and the bench's bare server all
 * use these types. docs/api.md ("Socket.IO") describes the client events in words.
 *
 * Types only: what arrives from a client or from another edge is still validated on receipt, since the other
 * side may run other code (an older edge during a deploy, or anyone's client).
 */
import type { TickResult } from '../queue/index.js';
import type { QueueStateJson } from './queue-state.js';

/** A socket error, as `error` events, refused handshakes (`connect_error.data`) and failed acks carry it. */
export interface SocketErrorJson {
  code: string;
  message: string;
}

/** What `watch` and `join` take. */
export interface DropRequest {
  dropId: string;
  /** `join` only, when the drop asks for a proof of work: `<challenge>.<nonce>` (see POST …/queue/challenge). */
  proof?: string;
}

/** The ack of a failed `watch` or `join`. */
export interface SocketFailure {
  error: SocketErrorJson;
}

export type WatchAck = QueueStateJson | SocketFailure;
export type JoinAck = (QueueStateJson & { created: boolean }) | SocketFailure;

/** `queue`: a waiting shopper's place, derived from the leader's summary (`ahead` is an upper bound). */
export interface QueuePush {
  dropId: string;
  /**
   * `sold_out`: every unit is held or sold right now, keep your place (admission resumes if held units return);
   * `all_sold`: every unit is sold and none held: the line is closed, this is the last push for it.
   */
  status: 'waiting' | 'sold_out' | 'all_sold';
  position: number;
  ahead: number;
  queueLength: number;
  etaSeconds: number | null;
  /** Admission is paused by the drop's operator (etaSeconds is then null). */
  paused: boolean;
  /** The operator's word to waiting shoppers while paused (at most 200 characters); null when none or not paused. */
  pauseMessage: string | null;
  /** When the line was measured (ms since the epoch). */
  at: number;
}

/** `admitted`: to the admitted shopper only, on every one of its connections. */
export interface AdmittedPush {
  dropId: string;
  token: string;
  expiresAt: string;
}

export interface StatusPush {
  dropId: string;
  status: string;
}

export interface StockPush {
  dropId: string;
  available: number;
  held: number;
  sold: number;
  /** The earliest deadline of a live hold (ISO time); null when nothing is held. See GET …/stock. */
  nextReturnAt: string | null;
  /** The latest deadline of a live hold (ISO time); null when nothing is held. */
  heldUntil: string | null;
}

/**
 * `place`: to the shopper only, on every one of its connections but the one that acted, when the shopper joined or
 * left a drop's line (through any tab or device): ask again (`watch`), as the push does not carry the state.
 */
export interface PlacePush {
  dropId: string;
}

/**
 * `hold`: to the shopper only, on every one of its connections, when one of its holds is made, paid or given back
 * (through any tab or device), so every tab shows the same state.
 */
export interface HoldPush {
  dropId: string;
  reservationId: string;
  status: 'held' | 'paid' | 'released' | 'expired';
  quantity: number;
  expiresAt: string;
  /** Once paid: the order's id. */
  orderId?: string;
}

export interface ServerToClientEvents {
  queue: (push: QueuePush) => void;
  hold: (push: HoldPush) => void;
  place: (push: PlacePush) => void;
  admitted: (push: AdmittedPush) => void;
  status: (push: StatusPush) => void;
  stock: (push: StockPush) => void;
  error: (error: SocketErrorJson) => void;
}

export interface ClientToServerEvents {
  watch: (request: DropRequest, ack?: (answer: WatchAck) => void) => void;
  join: (request: DropRequest, ack?: (answer: JoinAck) => void) => void;
}

/** `admitted` between edges: one admission tick's admissions, which the drop's leader hands to the other edges. */
export interface AdmittedBatch {
  dropId: string;
  admissions: { shopperId: string; token: string; expiresAt: string }[];
}

/** `tick` between edges: the per-drop summary the drop's leader shares once a second, from its admission tick. */
export type AdmissionSummary = Pick<
  TickResult,
  'dropId' | 'dropStatus' | 'nowServing' | 'queueLength' | 'perMinute' | 'paused' | 'pauseMessage'
> & {
  /** How fast the line moves (shoppers a minute; see TickResult); absent from an edge that predates it. */
  pacePerMinute?: number;
  soldOut: boolean;
  /** Sold out for good: every unit sold, none held; the line is closed. */
  allSold: boolean;
  /** When the leader made the summary (ms since the epoch): pushes carry it, so clients can tell how fresh they are. */
  at: number;
};

/** What edges send each other through the Socket.IO adapter (`serverSideEmit`). */
export interface InterServerEvents {
  admitted: (batch: AdmittedBatch) => void;
  tick: (summary: AdmissionSummary) => void;
}
