/**
 * This edge's watchers: which of its sockets watch which drop, and what each was last told. Client requests add
 * and remove them; the fan-out reads them to derive each socket's `queue` pushes from the leader's summary.
 */
import type { QueueView } from '../../queue/index.js';
import type { DropsSocket } from './types.js';

/** One socket watching one drop. */
export interface Watcher {
  socket: DropsSocket;
  shopperId: string;
  /** null while in the pre-queue (the place comes at opening) or when not queued. */
  position: number | null;
  waiting: boolean;
  /** `status|ahead|etaSeconds|paused|pauseMessage` last told: a change of any is worth telling at once. */
  lastMove: string;
  /** The whole payload last told (the queue length too), refreshed at most every REFRESH_MS. */
  lastPayload: string;
  lastPushAt: number;
}

export interface Watchers {
  /** Records that `socket` watches `dropId`, in the state its ack tells it exactly (at `now`). */
  watch(dropId: string, socket: DropsSocket, view: QueueView, now: number): void;
  /** Forgets a disconnected socket's watches. */
  forget(socketId: string, dropIds: Iterable<string>): void;
  /** This edge's watchers of one drop, if any. */
  of(dropId: string): ReadonlyMap<string, Watcher> | undefined;
}

/** The key of what moves a shopper's place, or stops it: a change of any part is worth telling at once. */
export const moveKey = (
  status: string,
  ahead: number | null,
  eta: number | null,
  paused: boolean,
  pauseMessage: string | null,
) => `${status}|${ahead}|${eta}|${paused}|${pauseMessage}`;

export function createWatchers(): Watchers {
  /** dropId → socket id → watcher, for this edge's sockets only. */
  const byDrop = new Map<string, Map<string, Watcher>>();
  return {
    watch(dropId, socket, view, now) {
      const watchers = byDrop.get(dropId) ?? new Map<string, Watcher>();
      byDrop.set(dropId, watchers);
      watchers.set(socket.id, {
        socket,
        shopperId: socket.data.session.userId,
        position: view.position,
        waiting: view.status === 'waiting' || view.status === 'sold_out' || view.status === 'prequeue',
        // The ack tells the shopper the exact state: no push is due until the line moves.
        lastMove: moveKey(view.status, view.ahead, view.etaSeconds, view.paused, view.pauseMessage),
        lastPayload: '',
        lastPushAt: now,
      });
    },
    forget(socketId, dropIds) {
      for (const dropId of dropIds) {
        const watchers = byDrop.get(dropId);
        watchers?.delete(socketId);
        if (watchers?.size === 0) byDrop.delete(dropId);
      }
    },
    of: (dropId) => byDrop.get(dropId),
  };
}
