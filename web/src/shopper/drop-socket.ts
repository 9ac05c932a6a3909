/** The drop page's live updates over the socket: the place, admission, stock and the drop's status. */
import type { Socket } from 'socket.io-client';
import type {
  AdmittedPush,
  DropJson,
  HoldPush,
  PlacePush,
  QueuePush,
  StatusPush,
  StockPush,
  WatchAck,
} from '../../index.js';
import type { DropSocket } from './app.js';
import { setQueue, type DropPage } from './drop-state.js';
import { restoreState } from './restore.js';

/** Every status a drop can have; a record so that a status added to `DropJson` fails to compile here. */
const DROP_STATUSES: Record<DropJson['status'], true> = {
  scheduled: true,
  open: true,
  sold_out: true,
  closed: true,
  cancelled: true,
};
// The contract gives a status push's status as a plain string (read from Redis); the page keeps its typed status.
const isDropStatus = (status: string): status is DropJson['status'] => Object.hasOwn(DROP_STATUSES, status);

/**
 * Returns `watch`: the first call listens to the socket for as long as the shopper stays on the page; every call
 * asks for the place again (the `watch` ack).
 */
export function createWatch(page: DropPage): () => void {
  let watching = false;
  return () => {
    const socket = page.app.socket();
    const ask = () => socket.emit('watch', { dropId: page.dropId }, (answer) => onWatchAck(page, answer));
    if (watching) return ask();
    watching = true;
    listen(page, socket, ask);
    if (socket.connected) ask();
  };
}

function onWatchAck({ s, render }: DropPage, answer: WatchAck): void {
  if ('error' in answer) return;
  setQueue(s, answer);
  render('state');
}

/** What the page does with each event; each handler ignores other drops' pushes (one socket serves every page). */
function handlers(page: DropPage, socket: DropSocket, ask: () => void) {
  const { s, render, dropId } = page;
  return {
    // Back after a break: what happened meanwhile (a hold paid or given back in another tab) comes from the server.
    connect: () => {
      s.connected = true;
      render('notice');
      void restoreState(page).then(() => render());
      ask();
    },
    disconnect: (reason: Socket.DisconnectReason) => {
      s.connected = false;
      render('notice');
      // Socket.IO reconnects by itself unless the server closed the connection (an edge shutting down).
      if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 500);
    },
    queue: (p: QueuePush) => {
      const q = s.queue;
      // Pushes only move a place along; they never take a shopper out of line or admit one.
      if (
        p.dropId === dropId &&
        q &&
        (q.status === 'waiting' || q.status === 'sold_out' || q.status === 'prequeue')
      ) {
        s.queue = { ...q, ...p };
        render('state');
      }
    },
    admitted: (p: AdmittedPush) => {
      if (p.dropId !== dropId) return;
      s.admission = { token: p.token, expiresAt: p.expiresAt };
      if (s.queue) s.queue = { ...s.queue, status: 'admitted' };
      render('state');
    },
    // A hold made, paid or given back in another tab or device of the shopper: this tab shows the same.
    hold: (p: HoldPush) => {
      if (p.dropId !== dropId) return;
      const { reservationId: id, quantity, expiresAt } = p;
      if (p.status === 'paid') {
        s.orderId = p.orderId ?? id;
        s.admission = null;
      } else if (p.status === 'released') {
        if (s.reservation?.id === id) s.reservation = null;
      } else s.reservation = { id, dropId, quantity, status: p.status, expiresAt };
      render('state');
    },
    // Joined or left in another tab or device: this tab asks for its place again.
    place: (p: PlacePush) => {
      if (p.dropId !== dropId) return;
      // Joining elsewhere brings no admission, and leaving ends one: the ack tells what there is now.
      s.admission = null;
      ask();
    },
    stock: (p: StockPush) => {
      if (p.dropId !== dropId) return;
      // A push carries no total: it updates the snapshot the page read, it cannot stand in for one.
      if (s.stock) s.stock = { ...s.stock, ...p };
      render('info', 'state');
    },
    status: (p: StatusPush) => {
      if (p.dropId !== dropId) return;
      if (isDropStatus(p.status)) s.drop = { ...s.drop, status: p.status };
      ask();
      render();
    },
  };
}

function listen(page: DropPage, socket: DropSocket, ask: () => void): void {
  const on = handlers(page, socket, ask);
  socket
    .on('connect', on.connect)
    .on('disconnect', on.disconnect)
    .on('queue', on.queue)
    .on('admitted', on.admitted)
    .on('hold', on.hold)
    .on('place', on.place)
    .on('stock', on.stock)
    .on('status', on.status);
  page.app.onLeave(() =>
    socket
      .off('connect', on.connect)
      .off('disconnect', on.disconnect)
      .off('queue', on.queue)
      .off('admitted', on.admitted)
      .off('hold', on.hold)
      .off('place', on.place)
      .off('stock', on.stock)
      .off('status', on.status),
  );
}
