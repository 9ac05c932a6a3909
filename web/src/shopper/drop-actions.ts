/** The drop page's requests: join and leave the line, reserve, give back, pay. */
import type { DropJson, PayResponse, QueueStateJson, ReservationJson } from '../../index.js';
import { api, ApiError } from '../api.js';
import { deviceId, proofHeader } from '../proof-of-work.js';
import { errorText, showFieldErrors } from '../ui.js';
import { setQueue, type DropActions, type DropPage } from './drop-state.js';
import { readCheckout, showCheckoutErrors } from './states/holding.js';
import { forgetProgress } from './states/waiting.js';

/** `watch` follows the place live once the shopper is in line. */
export function createDropActions(page: DropPage, watch: () => void): DropActions {
  const { dropId, s, render } = page;
  const fail = (error: unknown) => {
    s.notice = { kind: 'error', text: errorText(error) };
    // The page's idea of the drop is stale: show its status now.
    if (error instanceof ApiError && error.code === 'drop_not_open')
      void api<DropJson>(`/api/drops/${dropId}`).then((d) => ((s.drop = d), render()));
    render();
  };

  const actions: DropActions = {
    async join() {
      s.notice = null;
      try {
        setQueue(s, await joinQueue(page));
        watch();
      } catch (error) {
        fail(error);
      }
      s.solving = null;
      render();
    },
    async leaveLine(rejoin = false) {
      try {
        await api(`/api/drops/${dropId}/queue/me`, { method: 'DELETE' });
        s.queue = rejoin || !s.queue ? null : { ...s.queue, status: 'left' };
        s.startAhead = null;
        forgetProgress(dropId);
        s.admission = null;
        if (rejoin) await actions.join();
      } catch (error) {
        fail(error);
      }
      render();
    },
    async reserve(quantity) {
      s.notice = null;
      try {
        s.reservation = await api<ReservationJson>(`/api/drops/${dropId}/reservations`, {
          body: { quantity },
          headers: {
            'x-admission-token': s.admission!.token,
            'idempotency-key': crypto.randomUUID(),
            'x-device-id': deviceId(),
          },
        });
      } catch (error) {
        fail(error);
      }
      render();
    },
    async release() {
      const units = s.reservation!.quantity === 1 ? 'the unit' : `the ${s.reservation!.quantity} units`;
      if (
        !confirm(
          `Give back ${units} you hold? Someone else in line can then buy ${s.reservation!.quantity === 1 ? 'it' : 'them'}.`,
        )
      )
        return;
      try {
        await api<ReservationJson>(`/api/reservations/${s.reservation!.id}`, { method: 'DELETE' });
        s.reservation = null;
      } catch (error) {
        fail(error);
      }
      render();
    },
    pay: (card, form) => pay(page, fail, card, form),
    retry() {
      s.reservation = null;
      render('state');
    },
  };
  return actions;
}

/**
 * Joins; when the drop asks for a proof of work (the join is refused with `challenge_failed`), solves a challenge
 * in a worker, the join button showing how far it got, and joins with it.
 */
async function joinQueue({ dropId, s, render }: DropPage): Promise<QueueStateJson> {
  const path = `/api/drops/${dropId}/queue`;
  try {
    return await api<QueueStateJson>(path, { method: 'POST' });
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'challenge_failed')) throw error;
  }
  const headers = await proofHeader(`${path}/challenge`, ({ share }) => {
    // Redrawn when the shown percentage moves, not after every batch of hashes.
    const moved = s.solving === null || Math.floor(s.solving * 100) !== Math.floor(share * 100);
    s.solving = share;
    if (moved) render('state');
  });
  return api<QueueStateJson>(path, { method: 'POST', headers });
}

async function pay(
  { s, render }: DropPage,
  fail: (error: unknown) => void,
  card: string,
  form: HTMLFormElement,
) {
  s.notice = null;
  // The form was checked before `pay` was called; read again here for the buyer and the card's other fields.
  const body = readCheckout(form);
  if ('errors' in body) return void showFieldErrors(form, body.errors);
  try {
    const paid = await api<PayResponse>(`/api/reservations/${s.reservation!.id}/pay`, {
      body,
      // A double click or a retry with the same card is one payment; the key holds no more of the card than its end.
      headers: { 'idempotency-key': `${s.reservation!.id}:${card.slice(-4)}` },
    });
    s.orderId = paid.orderId;
    s.admission = null;
  } catch (error) {
    // A declined card keeps the hold: the shopper tries another at the card field.
    if (error instanceof ApiError && error.code === 'payment_declined') {
      showFieldErrors(form, [{ field: 'card.number', message: `${error.message}. Try another card.` }]);
      return;
    }
    // Refused fields are shown where they were typed; the hold stays.
    if (error instanceof ApiError && error.code === 'validation_failed') {
      showCheckoutErrors(form, error.errors, error.message);
      return;
    }
    if (error instanceof ApiError && error.code === 'hold_expired')
      s.reservation = { ...s.reservation!, status: 'expired' };
    else fail(error);
  }
  render();
}
