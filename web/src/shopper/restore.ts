/**
 * Restores the shopper's state on the drop from the server, on load and whenever the socket reconnects, so every
 * tab and device shows the same thing: the place, a live hold with its pay form and time left (the server's
 * `expiresAt`), or a hold paid or given back elsewhere.
 */
import type { MyReservationsResponse, QueueMeJson, ReservationJson } from '../../index.js';
import { api } from '../api.js';
import { setQueue, type DropPage } from './drop-state.js';

const notInLine = (): QueueMeJson => ({
  status: 'none',
  position: null,
  ahead: null,
  queueLength: 0,
  etaSeconds: null,
  paused: false,
  pauseMessage: null,
  hold: null,
});

/** Reads `GET …/queue/me` and, should the hold the page shows be gone from it, what became of that hold. */
export async function restoreState({ dropId, s }: DropPage): Promise<void> {
  const me = await api<QueueMeJson>(`/api/drops/${dropId}/queue/me`).catch(notInLine);
  const { hold, ...queue } = me;
  setQueue(s, queue);
  if (hold) {
    s.reservation = {
      id: hold.reservationId,
      dropId,
      quantity: hold.quantity,
      status: 'held',
      expiresAt: hold.expiresAt,
    };
    s.orderId = null;
    return;
  }
  const shown = s.reservation;
  if (!shown && !s.orderId) return restorePaid(dropId, s);
  if (shown?.status !== 'held') return;
  const now = await api<ReservationJson>(`/api/reservations/${shown.id}`).catch(() => null);
  if (now?.status === 'paid') {
    s.orderId = now.orderId ?? now.id;
    s.admission = null;
  } else if (now?.status === 'expired') s.reservation = now;
  else s.reservation = null;
}

/** A page opened after paying shows the order: the shopper's latest paid reservation on this drop, if any. */
async function restorePaid(dropId: string, s: DropPage['s']): Promise<void> {
  const mine = await api<MyReservationsResponse>('/api/reservations?limit=50').catch(() => null);
  const paid = mine?.reservations.find((r) => r.dropId === dropId && r.status === 'paid');
  if (paid) s.orderId = paid.orderId ?? paid.id;
}
