/**
 * One drop (#/drops/<id>): its figures, the shopper's place in its line and the checkout. The controller loads the
 * drop, owns its state, picks the state module that draws each card, and keeps countdowns and holds current.
 */
import type { DropImageJson, DropJson, StockSnapshot } from '../../index.js';
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
import { brandNames } from './brand-names.js';
import { createDropActions } from './drop-actions.js';
import { createWatch } from './drop-socket.js';
import { initialState, type DropActions, type DropPage, type DropState, type Part } from './drop-state.js';
import { restoreState } from './restore.js';
import { shopperState, type ShopperState } from './shopper-state.js';
import { signInCard } from './sign-in.js';
import { admittedCard, expiredCard } from './states/admitted.js';
import { cancelledCard, closedCard, leftCard, soldOutForGoodCard } from './states/closed.js';
import { holdingCard } from './states/holding.js';
import { joiningCard } from './states/joining.js';
import { paidCard } from './states/paid.js';
import { soldOutForNowLead } from './states/sold-out.js';
import { pausedLead, prequeueCard, updateWaiting, waitingCard, waitingLead } from './states/waiting.js';

/** The lead image large, the others as a row of thumbnails; each sized by its attributes before it loads. */
function gallery(images: DropJson['images']): Child {
  const [lead, ...others] = images;
  if (!lead) return null;
  const img = (i: DropImageJson, cls: string) =>
    h('img', { src: i.url, alt: i.alt, width: i.width, height: i.height, class: cls, decoding: 'async' });
  return h(
    'div',
    { class: 'gallery' },
    img(lead, 'drop-image'),
    others.length > 0 ? h('div', { class: 'thumbs' }, ...others.map((i) => img(i, 'thumb'))) : null,
  );
}

function infoCard({ drop: d, stock }: DropState): Child[] {
  return [
    h('div', { class: 'spread' }, h('h1', { id: 'drop-title' }, d.title), badge(d.status)),
    h('p', { class: 'muted brands', id: 'drop-brands' }, brandNames(d)),
    gallery(d.images),
    // Text, never markup: line breaks kept by CSS (white-space: pre-line).
    d.description ? h('p', { class: 'description', id: 'drop-description' }, d.description) : null,
    h(
      'div',
      { class: 'stats' },
      stat('Price', money(d.priceCents, d.currency)),
      stat('Available', stock ? `${stock.available} of ${stock.total}` : '…', 'stat-stock-available'),
      stat('Per shopper', String(d.perUserLimit)),
      d.status === 'scheduled'
        ? stat('Opens in', countdown(new Date(d.opensAt)), 'stat-opens-in')
        : stat(
            'Opened',
            // Opened ahead of its time by its brand: the scheduled time would be in the future.
            new Date(d.opensAt).getTime() <= Date.now() ? when(d.opensAt) : 'Early',
            undefined,
            'text',
          ),
    ),
    d.status === 'scheduled' ? h('p', { class: 'muted' }, `Opens ${when(d.opensAt)}`) : null,
  ];
}

/** The waiting states, whose card stays up while pushes move its figures. */
const WAITING: ReadonlySet<ShopperState> = new Set(['waiting', 'paused', 'sold_out_for_now']);

/** The card of one state: its heading, its one message and its one next action. */
function stateCard(state: ShopperState, app: ShopperApp, s: DropState, actions: DropActions): Child[] {
  const { drop: d, queue: q } = s;
  const leaveLine = () => void actions.leaveLine();
  const joinAgain = () => void actions.leaveLine(true);
  switch (state) {
    case 'signed_out':
      // The sign-in card's content, not the card: no card inside the state's card.
      return [...signInCard(app, () => void app.route()).childNodes];
    case 'none':
      return joiningCard(d, () => void actions.join(), s.solving);
    case 'prequeue':
      return prequeueCard(d, leaveLine);
    case 'waiting':
      return waitingCard(leaveLine, waitingLead());
    case 'paused':
      return waitingCard(leaveLine, pausedLead(q!));
    case 'sold_out_for_now':
      return waitingCard(leaveLine, soldOutForNowLead(s));
    case 'admitted':
      return admittedCard(d, s.admission!, (quantity) => void actions.reserve(quantity));
    case 'holding':
      return holdingCard(
        d,
        s.reservation!,
        (card, form) => void actions.pay(card, form),
        () => void actions.release(),
      );
    case 'paid':
      return paidCard(s.orderId!);
    case 'expired':
      return expiredCard(
        s.reservation?.status === 'expired' || s.reservation?.status === 'held',
        s.admission && new Date(s.admission.expiresAt).getTime() > Date.now()
          ? { reserveAgain: () => actions.retry() }
          : { joinAgain },
      );
    case 'left':
      return leftCard(() => void actions.join());
    case 'closed':
      return closedCard();
    case 'sold_out_for_good':
      return soldOutForGoodCard(d);
    case 'cancelled':
      return cancelledCard();
  }
}

/**
 * What must be the same for a card to stay up: the state, and what its content was built from (the hold, the
 * admission, the organiser's message, the held units coming back). Anything else a push changes is updated in place.
 */
function cardKey(state: ShopperState, s: DropState): string {
  return JSON.stringify([
    state,
    s.reservation?.id ?? null,
    s.admission?.expiresAt ?? null,
    s.orderId,
    state === 'paused' ? (s.queue?.pauseMessage ?? null) : null,
    state === 'sold_out_for_now' ? [s.stock?.held ?? null, s.stock?.heldUntil ?? null] : null,
    state === 'none' ? [s.drop.status, s.solving === null ? null : Math.floor(s.solving * 100)] : null,
  ]);
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

/** Milestones of the number ahead worth announcing to a screen reader: not every move, only these crossings. */
const MILESTONES = [1000, 500, 200, 100, 50, 20, 10, 5, 3, 2, 1, 0];

/**
 * The page's voice for screen readers: one polite live region that speaks only when something meaningful changed
 * (the state: admitted, paused, sold out…; the number ahead crossing a milestone), never on every push.
 */
function createAnnouncer() {
  const region = h('div', { class: 'sr-only', 'aria-live': 'polite', id: 'announcer' });
  let lastState: ShopperState | null = null;
  let lastMilestone: number | null = null;
  return {
    region,
    update(state: ShopperState, s: DropState) {
      const title = document.getElementById('state-title')?.textContent ?? '';
      if (lastState !== null && state !== lastState) region.textContent = title;
      lastState = state;
      if (state !== 'waiting' || s.queue?.ahead === null || s.queue?.ahead === undefined) {
        lastMilestone = null;
        return;
      }
      // The smallest milestone at or above the number ahead: it changes only when a milestone is crossed.
      const ahead = s.queue.ahead;
      const reached = MILESTONES.filter((m) => ahead <= m).at(-1) ?? null;
      if (lastMilestone !== null && reached !== lastMilestone)
        region.textContent = ahead === 0 ? 'You are next.' : `${ahead.toLocaleString()} ahead of you now.`;
      lastMilestone = reached;
    },
  };
}

export async function dropPage(app: ShopperApp, dropId: string): Promise<void> {
  app.page(h('p', { class: 'muted' }, 'Loading…'));
  const drop = await loadDrop(app, dropId);
  if (!drop) return;
  const s = initialState(drop);
  const announcer = createAnnouncer();
  const cards: Record<Part, HTMLElement> = {
    notice: h('div', {}),
    info: h('section', { class: 'card', 'aria-labelledby': 'drop-title' }),
    state: h('section', { class: 'card', 'aria-labelledby': 'state-title', id: 'state-card' }),
  };
  app.page(cards.notice, cards.info, cards.state, announcer.region);

  let shown: string | null = null;
  const drawState = () => {
    const state = shopperState(s, app.me !== null);
    const key = cardKey(state, s);
    if (key !== shown) {
      // Focus inside the old card goes to the new card's heading, never to the page's top.
      const hadFocus = cards.state.contains(document.activeElement);
      shown = key;
      cards.state.dataset.state = state;
      mount(cards.state, ...stateCard(state, app, s, actions));
      const heading = cards.state.querySelector('h2');
      if (heading && !heading.id) heading.id = 'state-title';
      cards.state.setAttribute('aria-labelledby', heading?.id ?? 'state-title');
      if (hadFocus && heading) {
        heading.tabIndex = -1;
        heading.focus();
      }
    }
    if (WAITING.has(state) && s.queue) updateWaiting(s, s.queue);
    announcer.update(state, s);
  };
  const draw: Record<Part, () => void> = {
    notice: () =>
      mount(
        cards.notice,
        s.connected ? null : alert('info', 'Connection lost. Reconnecting… your place is kept.'),
        s.notice ? alert(s.notice.kind, s.notice.text) : null,
      ),
    info: () => mount(cards.info, ...infoCard(s)),
    state: drawState,
  };
  const page: DropPage = {
    app,
    dropId,
    s,
    render: (...parts) => {
      for (const part of parts.length > 0 ? parts : (['notice', 'info', 'state'] as const)) draw[part]();
    },
  };
  const watch = createWatch(page);
  const actions = createDropActions(page, watch);

  let checkingOpen = false;
  const timer = setInterval(() => {
    tickCountdowns(app.root);
    const opens = app.root.querySelector<HTMLElement>('#stat-opens-in');
    if (opens) opens.textContent = countdown(new Date(s.drop.opensAt));
    // Past the opening time, the page asks until the drop says it opened: a visitor with no socket sees it too.
    if (s.drop.status === 'scheduled' && new Date(s.drop.opensAt).getTime() <= Date.now() && !checkingOpen) {
      checkingOpen = true;
      void api<DropJson>(`/api/drops/${dropId}`)
        .then((d) => {
          if (d.status === s.drop.status) return;
          s.drop = d;
          page.render();
        })
        .catch(() => {})
        .finally(() => setTimeout(() => (checkingOpen = false), 2000));
    }
    // The server ends holds and admissions on its own; the page shows it at the same moment.
    const state = shopperState(s, app.me !== null);
    if (cardKey(state, s) !== shown) page.render('state');
  }, 1000);
  app.onLeave(() => clearInterval(timer));

  s.stock = await api<StockSnapshot>(`/api/drops/${dropId}/stock`).catch(() => null);
  if (app.me && app.me.role === 'shopper') {
    await restoreState(page);
    watch();
  }
  page.render();
}
