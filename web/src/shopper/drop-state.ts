/**
 * One drop's page (#/drops/<id>): what it knows, what the shopper can do, and how its parts are redrawn. The
 * controller (drop-page.ts) owns what the page knows; shopper-state.ts reduces it to the one state the shopper is
 * in, and each module in states/ draws the card of some of those states.
 */
import type { DropJson, QueueStateJson, ReservationJson, StockSnapshot } from '../../index.js';
import type { ShopperApp } from './app.js';

export interface DropState {
  drop: DropJson;
  stock: StockSnapshot | null;
  queue: QueueStateJson | null;
  /** The furthest a waiting shopper was from the front, for the progress bar (kept across reloads). */
  startAhead: number | null;
  admission: { token: string; expiresAt: string } | null;
  reservation: ReservationJson | null;
  orderId: string | null;
  notice: { kind: 'error' | 'info' | 'ok'; text: string } | null;
  connected: boolean;
  /** While the drop's challenge is being solved before joining: how far it got (0..1). */
  solving: number | null;
}

export const initialState = (drop: DropJson): DropState => ({
  drop,
  stock: null,
  queue: null,
  startAhead: null,
  admission: null,
  reservation: null,
  orderId: null,
  notice: null,
  connected: true,
  solving: null,
});

/** An admitted place carries its admission, which outlives the place's later states until it is used. */
export function setQueue(s: DropState, q: QueueStateJson): void {
  s.queue = q;
  if (q.admission) s.admission = q.admission;
}

/**
 * The page's parts, each redrawn on its own: `state` is the one card of the shopper's state, rebuilt only when the
 * state changes and otherwise brought up to date in place (so focus and a half-filled form survive a push).
 */
export type Part = 'notice' | 'info' | 'state';

export interface DropPage {
  readonly app: ShopperApp;
  readonly dropId: string;
  readonly s: DropState;
  /** Redraws the named parts, or every part when none is named. */
  readonly render: (...parts: Part[]) => void;
}

/** What the shopper can do on the page; each one redraws what it changed. */
export interface DropActions {
  join(): Promise<void>;
  /** Gives up the place for good; `rejoin` joins again at the back. */
  leaveLine(rejoin?: boolean): Promise<void>;
  reserve(quantity: number): Promise<void>;
  /** Gives the held units back. */
  release(): Promise<void>;
  pay(card: string, form: HTMLFormElement): Promise<void>;
  /** After a hold expired while the admission still runs: back to reserving. */
  retry(): void;
}
