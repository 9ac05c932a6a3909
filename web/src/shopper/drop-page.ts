/**
 * One drop (#/drops/<id>): its figures, the shopper's place in its line and the checkout. The controller loads the
 * drop, owns its state, picks the state module that draws each card, and keeps countdowns and holds current.
 */
import type { DropJson, StockSnapshot } from '../../index.js';
import { api, ApiError } from '../api.js';
import {
  alert,
  badge,
  countdown,
  errorText,
  h,
  money,
  mount,
  stat,
  tickCountdowns,
  when,
  type Child,
} from '../ui.js';
import type { ShopperApp } from './app.js';
import { createDropActions } from './drop-actions.js';
import { createWatch } from './drop-socket.js';
import { initialState, type DropActions, type DropPage, type DropState, type Part } from './drop-state.js';
import { restoreState } from './restore.js';
import { signInCard } from './sign-in.js';
import { admittedCard, reserveCard, turnPassedCard } from './states/admitted.js';
import { closedCard } from './states/closed.js';
import { holdExpiredCard, holdingCard } from './states/holding.js';
import { joiningCard } from './states/joining.js';
import { finishedCard, paidCard } from './states/paid.js';
import { soldOutCard } from './states/sold-out.js';
import { prequeueCard, waitingCard } from './states/waiting.js';

function infoCard({ drop: d, stock }: DropState): Child[] {
  return [
    h('div', { class: 'spread' }, h('h1', { id: 'drop-title' }, d.title), badge(d.status)),
    d.description ? h('p', {}, d.description) : null,
    h(
      'div',
      { class: 'stats' },
      stat('Price', money(d.priceCents, d.currency)),
      stat('Available', stock ? `${stock.available} of ${stock.total}` : '…', 'stat-stock-available'),
      stat('Per shopper', String(d.perUserLimit)),
      d.status === 'scheduled'
        ? stat('Opens in', countdown(new Date(d.opensAt)), 'stat-opens-in')
        : stat('Opened', when(d.opensAt)),
    ),
  ];
}

function queueCard(app: ShopperApp, s: DropState, actions: DropActions): Child[] {
  const { drop: d, queue: q } = s;
  if (!app.me) return [signInCard(app, () => void app.route())];
  if (d.status === 'closed' || d.status === 'cancelled') return closedCard(d);
  if (!q || q.status === 'none' || q.status === 'left')
    return joiningCard(d, () => void actions.join(), s.solving);
  const leaveLine = () => void actions.leaveLine();
  if (q.status === 'prequeue') return prequeueCard(d);
  if (q.status === 'waiting') return waitingCard(s, q, leaveLine);
  if (q.status === 'sold_out') return soldOutCard(s, q, leaveLine);
  if (q.status === 'admitted') return admittedCard();
  if (q.status === 'expired') return turnPassedCard(() => void actions.leaveLine(true));
  return finishedCard();
}

/** The checkout card's content, or null to leave it as it is (a reservation in no state the card draws). */
function checkoutCard(s: DropState, actions: DropActions): Child[] | null {
  if (s.orderId) return paidCard(s.orderId);
  const r = s.reservation;
  if (r?.status === 'held')
    return holdingCard(
      s.drop,
      r,
      (card, form) => void actions.pay(card, form),
      () => void actions.release(),
    );
  if (r?.status === 'expired') return holdExpiredCard(s.admission ? () => actions.retry() : null);
  if (s.admission) return reserveCard(s.drop, s.admission, (quantity) => void actions.reserve(quantity));
  return null;
}

async function loadDrop(app: ShopperApp, dropId: string): Promise<DropJson | null> {
  try {
    return await api<DropJson>(`/api/drops/${dropId}`);
  } catch (error) {
    app.page(
      alert(
        'error',
        error instanceof ApiError && error.status === 404 ? 'This drop does not exist.' : errorText(error),
      ),
      h('a', { href: '#/' }, 'See all drops'),
    );
    return null;
  }
}

export async function dropPage(app: ShopperApp, dropId: string): Promise<void> {
  app.page(h('p', { class: 'muted' }, 'Loading…'));
  const drop = await loadDrop(app, dropId);
  if (!drop) return;
  const s = initialState(drop);
  const cards: Record<Part, HTMLElement> = {
    notice: h('div', {}),
    info: h('section', { class: 'card', 'aria-labelledby': 'drop-title' }),
    queue: h('section', { class: 'card', 'aria-live': 'polite', 'aria-labelledby': 'queue-title' }),
    checkout: h('section', { class: 'card', 'aria-labelledby': 'checkout-title', hidden: true }),
  };
  app.page(cards.notice, cards.info, cards.queue, cards.checkout);

  const draw: Record<Part, () => void> = {
    notice: () =>
      mount(
        cards.notice,
        s.connected ? null : alert('info', 'Connection lost. Reconnecting… your place is kept.'),
        s.notice ? alert(s.notice.kind, s.notice.text) : null,
      ),
    info: () => mount(cards.info, ...infoCard(s)),
    queue: () => mount(cards.queue, ...queueCard(app, s, actions)),
    checkout: () => {
      cards.checkout.hidden = !s.admission && !s.reservation && !s.orderId;
      const content = cards.checkout.hidden ? null : checkoutCard(s, actions);
      if (content) mount(cards.checkout, ...content);
    },
  };
  const page: DropPage = {
    app,
    dropId,
    s,
    render: (...parts) => {
      for (const part of parts.length > 0 ? parts : (['notice', 'info', 'queue', 'checkout'] as const))
        draw[part]();
    },
  };
  const watch = createWatch(page);
  const actions = createDropActions(page, watch);

  const timer = setInterval(() => {
    tickCountdowns(app.root);
    const opens = app.root.querySelector<HTMLElement>('#stat-opens-in');
    if (opens) opens.textContent = countdown(new Date(s.drop.opensAt));
    // The server expires the hold on its own; the page shows it at the same moment rather than at the next request.
    if (s.reservation?.status === 'held' && new Date(s.reservation.expiresAt).getTime() <= Date.now()) {
      s.reservation = { ...s.reservation, status: 'expired' };
      page.render('checkout');
    }
  }, 1000);
  app.onLeave(() => clearInterval(timer));

  s.stock = await api<StockSnapshot>(`/api/drops/${dropId}/stock`).catch(() => null);
  if (app.me && app.me.role === 'shopper') {
    await restoreState(page);
    watch();
  }
  page.render();
}
