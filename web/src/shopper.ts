/**
 * The shopper's pages: the drops with their countdowns (#/), one drop with its waiting room and checkout
 * (#/drops/<id>), and the shopper's orders (#/orders).
 */
import { io, type Socket } from 'socket.io-client';
import type {
  DropJson,
  OrderListResponse,
  QueueStateJson,
  ReservationJson,
  StockSnapshot,
} from '../index.js';
import { api, ApiError, continueAsGuest, currentUser, signIn, signOut, signUp, type Me } from './api.js';
import {
  alert,
  badge,
  countdown,
  errorText,
  field,
  h,
  money,
  mount,
  showFieldErrors,
  table,
  topBar,
  when,
} from './ui.js';
import './styles.css';

const root = document.getElementById('app')!;
let me: Me | null = null;
let socket: Socket | null = null;
let leave: (() => void) | null = null;

function header(): HTMLElement {
  const who = me ? (me.guest ? 'Guest' : (me.email ?? 'Signed in')) : null;
  return topBar(
    [{ href: '#/', text: 'Drops' }, ...(me ? [{ href: '#/orders', text: 'Your orders' }] : [])],
    who,
    me
      ? () => {
          void signOut().then(() => {
            me = null;
            socket?.disconnect();
            socket = null;
            void route();
          });
        }
      : undefined,
  );
}

function page(...children: (Node | null)[]): void {
  mount(root, header(), h('main', { id: 'main' }, ...children));
}

/** The socket, opened once signed in (the session cookie authenticates it). */
function connectSocket(): Socket {
  socket ??= io('/drops', { withCredentials: true, transports: ['websocket', 'polling'] });
  return socket;
}

// ---------------------------------------------------------------- the list of drops
async function listPage(): Promise<void> {
  page(h('h1', {}, 'Drops'), h('p', { class: 'muted' }, 'Loading…'));
  const { drops } = await api<{ drops: DropJson[] }>('/api/drops?limit=100');
  const visible = drops.filter((d) => d.status !== 'cancelled');
  const cards = visible.map((d) => {
    const timer = h('span', { class: 'muted', 'data-countdown': d.opensAt });
    return h(
      'article',
      { class: 'card' },
      h(
        'div',
        { class: 'spread' },
        h('h2', {}, h('a', { href: `#/drops/${d.id}` }, d.title)),
        badge(d.status),
      ),
      h('p', { class: 'muted' }, d.description || d.sku),
      h(
        'div',
        { class: 'spread' },
        h('strong', {}, money(d.priceCents, d.currency)),
        h('span', {}, `${d.stock} made`),
      ),
      d.status === 'scheduled'
        ? h('p', {}, 'Opens in ', timer)
        : h('p', { class: 'muted' }, `Opened ${when(d.opensAt)}`),
    );
  });
  page(
    h('h1', {}, 'Drops'),
    visible.length === 0
      ? h('p', { class: 'muted' }, 'No drops yet. Come back soon.')
      : h('div', { class: 'grid' }, ...cards),
  );
  const tick = () => {
    for (const el of root.querySelectorAll<HTMLElement>('[data-countdown]'))
      el.textContent = countdown(new Date(el.dataset.countdown!));
  };
  tick();
  const timer = setInterval(tick, 1000);
  leave = () => clearInterval(timer);
}

// ---------------------------------------------------------------- signing in
function signInCard(onDone: () => void): HTMLElement {
  const status = h('div', {});
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h(
      'div',
      { class: 'fields' },
      field('Email', 'email', { type: 'email', autocomplete: 'email', required: true }),
      field('Password', 'password', {
        type: 'password',
        autocomplete: 'current-password',
        required: true,
        minlength: 8,
      }),
    ),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', name: 'signin' }, 'Sign in'),
      h('button', { type: 'submit', name: 'signup', class: 'secondary' }, 'Create account'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const submitter = event.submitter as HTMLButtonElement | null;
    const email = (form.elements.namedItem('email') as HTMLInputElement).value.trim();
    const password = (form.elements.namedItem('password') as HTMLInputElement).value;
    const errors = [
      ...(/^\S+@\S+\.\S+$/.test(email) ? [] : [{ field: 'email', message: 'Enter your email address.' }]),
      ...(password.length >= 8 ? [] : [{ field: 'password', message: 'At least 8 characters.' }]),
    ];
    if (showFieldErrors(form, errors).length > 0 || errors.length > 0) return;
    const act = submitter?.name === 'signup' ? signUp : signIn;
    act(email, password).then(
      (r) => {
        me = r.user;
        onDone();
      },
      (error: unknown) => {
        const rest = error instanceof ApiError ? showFieldErrors(form, error.errors) : [];
        if (!(error instanceof ApiError) || error.errors.length === 0 || rest.length > 0)
          mount(status, alert('error', errorText(error)));
      },
    );
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'signin-title' },
    h('h2', { id: 'signin-title' }, 'Sign in to join'),
    h(
      'p',
      {},
      h(
        'button',
        { type: 'button', onclick: () => void continueAsGuest().then((r) => ((me = r.user), onDone())) },
        'Continue as guest',
      ),
    ),
    h('p', { class: 'muted' }, 'or with your account:'),
    status,
    form,
  );
}

// ---------------------------------------------------------------- one drop
interface DropState {
  drop: DropJson;
  stock: StockSnapshot | null;
  queue: QueueStateJson | null;
  /** The furthest a waiting shopper was from the front, for the progress bar. */
  startAhead: number | null;
  admission: { token: string; expiresAt: string } | null;
  reservation: ReservationJson | null;
  orderId: string | null;
  notice: { kind: 'error' | 'info' | 'ok'; text: string } | null;
  connected: boolean;
}

async function dropPage(dropId: string): Promise<void> {
  page(h('p', { class: 'muted' }, 'Loading…'));
  let drop: DropJson;
  try {
    drop = await api<DropJson>(`/api/drops/${dropId}`);
  } catch (error) {
    page(
      alert(
        'error',
        error instanceof ApiError && error.status === 404 ? 'This drop does not exist.' : errorText(error),
      ),
      h('a', { href: '#/' }, 'See all drops'),
    );
    return;
  }
  const s: DropState = {
    drop,
    stock: null,
    queue: null,
    startAhead: null,
    admission: null,
    reservation: null,
    orderId: null,
    notice: null,
    connected: true,
  };
  const info = h('section', { class: 'card', 'aria-labelledby': 'drop-title' });
  const queueCard = h('section', { class: 'card', 'aria-live': 'polite', 'aria-labelledby': 'queue-title' });
  const checkout = h('section', { class: 'card', 'aria-labelledby': 'checkout-title', hidden: true });
  const notice = h('div', {});
  page(notice, info, queueCard, checkout);

  const renderNotice = () =>
    mount(
      notice,
      s.connected ? null : alert('info', 'Connection lost. Reconnecting… your place is kept.'),
      s.notice ? alert(s.notice.kind, s.notice.text) : null,
    );
  const renderInfo = () => {
    const d = s.drop;
    mount(
      info,
      h('div', { class: 'spread' }, h('h1', { id: 'drop-title' }, d.title), badge(d.status)),
      d.description ? h('p', {}, d.description) : null,
      h(
        'div',
        { class: 'stats' },
        stat('Price', money(d.priceCents, d.currency)),
        stat('Available', s.stock ? `${s.stock.available} of ${s.stock.total}` : '…', 'stock-available'),
        stat('Per shopper', String(d.perUserLimit)),
        d.status === 'scheduled'
          ? stat('Opens in', countdown(new Date(d.opensAt)), 'opens-in')
          : stat('Opened', when(d.opensAt)),
      ),
    );
  };
  const renderQueue = () => {
    const q = s.queue;
    const d = s.drop;
    if (!me)
      return mount(
        queueCard,
        signInCard(() => void route()),
      );
    if (d.status === 'closed' || d.status === 'cancelled') {
      return mount(
        queueCard,
        h('h2', { id: 'queue-title' }, 'This drop has ended'),
        h('p', {}, d.status === 'closed' ? 'It is closed: thanks for coming.' : 'It was cancelled.'),
        h('a', { href: '#/' }, 'See other drops'),
      );
    }
    if (!q || q.status === 'none' || q.status === 'left') {
      return mount(
        queueCard,
        h(
          'h2',
          { id: 'queue-title' },
          d.status === 'scheduled' ? 'Get in line before it opens' : 'Join the line',
        ),
        h(
          'p',
          { class: 'muted' },
          d.status === 'scheduled'
            ? 'Everyone who joins before the opening gets a random place ahead of later joiners: there is no need to refresh at the opening second.'
            : 'Places are first come, first served.',
        ),
        h('button', { type: 'button', id: 'join', onclick: () => void join() }, 'Join the queue'),
      );
    }
    if (q.status === 'prequeue') {
      return mount(
        queueCard,
        h('h2', { id: 'queue-title' }, 'You are in line'),
        h(
          'p',
          {},
          'Your place is drawn at random when the drop opens, in ',
          h('strong', { 'data-countdown': d.opensAt }, countdown(new Date(d.opensAt))),
          '.',
        ),
      );
    }
    if (q.status === 'waiting' || q.status === 'sold_out') {
      const ahead = q.ahead ?? 0;
      s.startAhead = Math.max(s.startAhead ?? ahead, ahead);
      const done = s.startAhead === 0 ? 100 : Math.round(((s.startAhead - ahead) / s.startAhead) * 100);
      return mount(
        queueCard,
        h('h2', { id: 'queue-title' }, q.status === 'sold_out' ? 'Sold out for now' : 'You are in line'),
        q.status === 'sold_out'
          ? alert('info', 'Every unit is held or sold. Keep your place: units come back when holds expire.')
          : null,
        h(
          'div',
          { class: 'stats' },
          stat('Your place', String(q.position ?? '…'), 'position'),
          stat('Ahead of you', String(ahead), 'ahead'),
          stat(
            'Estimated wait',
            q.etaSeconds === null ? '—' : countdown(new Date(Date.now() + q.etaSeconds * 1000)),
            'eta',
          ),
          stat('In line', String(q.queueLength)),
        ),
        h(
          'div',
          {
            class: 'progress',
            role: 'progressbar',
            'aria-label': 'Progress to the front',
            'aria-valuemin': 0,
            'aria-valuemax': 100,
            'aria-valuenow': done,
          },
          h('div', { style: `width:${done}%` }),
        ),
        h(
          'p',
          {},
          h(
            'button',
            { type: 'button', class: 'secondary', onclick: () => void leaveQueue() },
            'Leave the line',
          ),
        ),
      );
    }
    if (q.status === 'admitted')
      return mount(
        queueCard,
        h('h2', { id: 'queue-title' }, 'It’s your turn'),
        h('p', {}, 'You were admitted. Reserve below before your window closes.'),
      );
    if (q.status === 'expired') {
      return mount(
        queueCard,
        h('h2', { id: 'queue-title' }, 'Your turn has passed'),
        h('p', {}, 'Your admission window ended without a reservation.'),
        h('button', { type: 'button', onclick: () => void leaveQueue(true) }, 'Join again at the back'),
      );
    }
    mount(
      queueCard,
      h('h2', { id: 'queue-title' }, 'You are done here'),
      h('p', {}, 'Thanks for shopping this drop.'),
      h('a', { href: '#/orders' }, 'See your orders'),
    );
  };
  const renderCheckout = () => {
    checkout.hidden = !s.admission && !s.reservation && !s.orderId;
    if (checkout.hidden) return;
    if (s.orderId) {
      return mount(
        checkout,
        h('h2', { id: 'checkout-title' }, 'Order confirmed'),
        alert('ok', `Thank you! Your order ${s.orderId.slice(0, 12)}… is paid.`),
        h('a', { href: '#/orders' }, 'See your orders'),
      );
    }
    const r = s.reservation;
    if (r && r.status === 'held') {
      const form = h(
        'form',
        { class: 'stack', novalidate: true },
        field('Card number', 'card', {
          inputmode: 'numeric',
          autocomplete: 'cc-number',
          placeholder: '4242 4242 4242 4242',
          required: true,
        }),
        h(
          'p',
          { class: 'muted' },
          'Test cards: a number ending 4242 is approved, one ending 0002 is declined.',
        ),
        h(
          'div',
          { class: 'row' },
          h('button', { type: 'submit' }, `Pay ${money(s.drop.priceCents * r.quantity, s.drop.currency)}`),
          h('button', { type: 'button', class: 'secondary', onclick: () => void release() }, 'Give it back'),
        ),
      );
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const card = (form.elements.namedItem('card') as HTMLInputElement).value.replace(/[\s-]/g, '');
        if (!/^\d{12,19}$/.test(card))
          return void showFieldErrors(form, [
            { field: 'card', message: 'Enter a card number of 12 to 19 digits.' },
          ]);
        void pay(card, form);
      });
      return mount(
        checkout,
        h('h2', { id: 'checkout-title' }, `${r.quantity} held for you`),
        h(
          'p',
          {},
          'Pay within ',
          h('strong', { 'data-countdown': r.expiresAt }, countdown(new Date(r.expiresAt))),
          ' or the units go back on sale.',
        ),
        form,
      );
    }
    if (r && r.status === 'expired') {
      return mount(
        checkout,
        h('h2', { id: 'checkout-title' }, 'Your hold expired'),
        alert('error', 'It was not paid in time and the units went back on sale.'),
        s.admission
          ? h(
              'button',
              { type: 'button', onclick: () => ((s.reservation = null), renderCheckout()) },
              'Try again',
            )
          : h('a', { href: '#/' }, 'See other drops'),
      );
    }
    if (s.admission) {
      const max = s.drop.perUserLimit;
      const form = h(
        'form',
        { class: 'stack' },
        h(
          'label',
          { for: 'f-quantity' },
          'How many',
          h(
            'select',
            { id: 'f-quantity', name: 'quantity' },
            ...Array.from({ length: max }, (_, i) => h('option', { value: i + 1 }, String(i + 1))),
          ),
        ),
        h('button', { type: 'submit' }, 'Reserve'),
      );
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        void reserve(Number((form.elements.namedItem('quantity') as HTMLSelectElement).value));
      });
      mount(
        checkout,
        h('h2', { id: 'checkout-title' }, 'Reserve now'),
        h(
          'p',
          {},
          'Your window closes in ',
          h(
            'strong',
            { 'data-countdown': s.admission.expiresAt },
            countdown(new Date(s.admission.expiresAt)),
          ),
          '.',
        ),
        form,
      );
    }
  };
  const render = () => {
    renderNotice();
    renderInfo();
    renderQueue();
    renderCheckout();
  };

  const setQueue = (q: QueueStateJson) => {
    s.queue = q;
    if (q.admission) s.admission = q.admission;
  };
  const fail = (error: unknown) => {
    s.notice = { kind: 'error', text: errorText(error) };
    if (error instanceof ApiError && error.code === 'drop_not_open')
      void api<DropJson>(`/api/drops/${dropId}`).then((d) => ((s.drop = d), render()));
    render();
  };
  async function join() {
    s.notice = null;
    try {
      setQueue(await api<QueueStateJson>(`/api/drops/${dropId}/queue`, { method: 'POST' }));
      watch();
    } catch (error) {
      fail(error);
    }
    render();
  }
  async function leaveQueue(rejoin = false) {
    try {
      await api(`/api/drops/${dropId}/queue/me`, { method: 'DELETE' });
      s.queue = null;
      s.startAhead = null;
      s.admission = null;
      if (rejoin) await join();
    } catch (error) {
      fail(error);
    }
    render();
  }
  async function reserve(quantity: number) {
    s.notice = null;
    try {
      s.reservation = await api<ReservationJson>(`/api/drops/${dropId}/reservations`, {
        body: { quantity },
        headers: { 'x-admission-token': s.admission!.token, 'idempotency-key': crypto.randomUUID() },
      });
    } catch (error) {
      fail(error);
    }
    render();
  }
  async function release() {
    try {
      s.reservation = await api<ReservationJson>(`/api/reservations/${s.reservation!.id}`, {
        method: 'DELETE',
      });
      s.reservation = null;
    } catch (error) {
      fail(error);
    }
    render();
  }
  async function pay(card: string, form: HTMLFormElement) {
    s.notice = null;
    try {
      const paid = await api<{ orderId: string }>(`/api/reservations/${s.reservation!.id}/pay`, {
        body: { card },
        headers: { 'idempotency-key': `${s.reservation!.id}:${card}` },
      });
      s.orderId = paid.orderId;
      s.admission = null;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'payment_declined') {
        showFieldErrors(form, [{ field: 'card', message: `${error.message}. Try another card.` }]);
        return;
      }
      if (error instanceof ApiError && error.code === 'hold_expired')
        s.reservation = { ...s.reservation!, status: 'expired' };
      else fail(error);
    }
    render();
  }

  let watching = false;
  function watch() {
    const sock = connectSocket();
    const ask = () =>
      sock.emit('watch', { dropId }, (state: QueueStateJson | { error: { message: string } }) => {
        if ('error' in state) return;
        setQueue(state);
        renderQueue();
        renderCheckout();
      });
    if (watching) return ask();
    watching = true;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler types its own payload
    const handlers: [string, (...args: any[]) => void][] = [
      ['connect', () => ((s.connected = true), renderNotice(), ask())],
      [
        'disconnect',
        (reason: string) => {
          s.connected = false;
          renderNotice();
          // Socket.IO reconnects by itself unless the server closed the connection (an edge shutting down).
          if (reason === 'io server disconnect') setTimeout(() => sock.connect(), 500);
        },
      ],
      [
        'queue',
        (p: QueueStateJson & { dropId: string }) => {
          if (
            p.dropId === dropId &&
            s.queue &&
            (s.queue.status === 'waiting' || s.queue.status === 'sold_out' || s.queue.status === 'prequeue')
          ) {
            s.queue = { ...s.queue, ...p };
            renderQueue();
          }
        },
      ],
      [
        'admitted',
        (p: { dropId: string; token: string; expiresAt: string }) => {
          if (p.dropId === dropId) {
            s.admission = { token: p.token, expiresAt: p.expiresAt };
            if (s.queue) s.queue = { ...s.queue, status: 'admitted' };
            renderQueue();
            renderCheckout();
          }
        },
      ],
      [
        'stock',
        (p: StockSnapshot) => {
          if (p.dropId === dropId) {
            s.stock = { ...(s.stock ?? p), ...p };
            renderInfo();
          }
        },
      ],
      [
        'status',
        (p: { dropId: string; status: DropJson['status'] }) => {
          if (p.dropId === dropId) {
            s.drop = { ...s.drop, status: p.status };
            ask();
            render();
          }
        },
      ],
    ];
    for (const [name, fn] of handlers) sock.on(name, fn);
    leave = () => {
      for (const [name, fn] of handlers) sock.off(name, fn);
      clearInterval(timer);
    };
    if (sock.connected) ask();
  }

  async function start() {
    s.stock = await api<StockSnapshot>(`/api/drops/${dropId}/stock`).catch(() => null);
    if (me && me.role === 'shopper') {
      setQueue(
        await api<QueueStateJson>(`/api/drops/${dropId}/queue/me`).catch(() => ({
          status: 'none',
          position: null,
          ahead: null,
          queueLength: 0,
          etaSeconds: null,
        })),
      );
      watch();
    }
    render();
  }
  const timer = setInterval(() => {
    for (const el of root.querySelectorAll<HTMLElement>('[data-countdown]'))
      el.textContent = countdown(new Date(el.dataset.countdown!));
    const opens = root.querySelector<HTMLElement>('#stat-opens-in');
    if (opens) opens.textContent = countdown(new Date(s.drop.opensAt));
    if (s.reservation?.status === 'held' && new Date(s.reservation.expiresAt).getTime() <= Date.now()) {
      s.reservation = { ...s.reservation, status: 'expired' };
      renderCheckout();
    }
  }, 1000);
  leave = () => clearInterval(timer);
  await start();
}

function stat(label: string, value: string, id?: string): HTMLElement {
  return h(
    'div',
    { class: 'stat' },
    h('div', { class: 'value', ...(id ? { id: `stat-${id}` } : {}) }, value),
    h('div', { class: 'label' }, label),
  );
}

// ---------------------------------------------------------------- orders
async function ordersPage(): Promise<void> {
  if (!me)
    return page(
      h('h1', {}, 'Your orders'),
      signInCard(() => void route()),
    );
  const { orders } = await api<OrderListResponse>('/api/orders?limit=50');
  page(
    h('h1', {}, 'Your orders'),
    orders.length === 0
      ? h('p', { class: 'muted' }, 'No orders yet. Paid orders appear here within a second or two.')
      : h(
          'div',
          { class: 'card' },
          table(
            ['Order', 'Quantity', 'Amount', 'Status', 'Placed'],
            orders.map((o) => [
              `${o.id.slice(0, 14)}…`,
              String(o.quantity),
              money(o.amountCents),
              badge(o.status),
              when(o.createdAt),
            ]),
          ),
        ),
  );
}

async function route(): Promise<void> {
  leave?.();
  leave = null;
  const hash = location.hash.replace(/^#/, '') || '/';
  const drop = /^\/drops\/([0-9a-f-]{36})$/i.exec(hash);
  try {
    if (drop) await dropPage(drop[1]!);
    else if (hash === '/orders') await ordersPage();
    else await listPage();
  } catch (error) {
    page(
      alert('error', errorText(error)),
      h('button', { type: 'button', onclick: () => void route() }, 'Try again'),
    );
  }
}

window.addEventListener('hashchange', () => void route());
void currentUser()
  .catch(() => null)
  .then((user) => {
    me = user;
    return route();
  });
