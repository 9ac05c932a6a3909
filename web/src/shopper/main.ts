/**
 * The shopper's pages: the drops with their countdowns (#/), one drop with its waiting room and checkout
 * (#/drops/<id>), the shopper's orders (#/orders) and an order's receipt (#/orders/<id>).
 */
import { io } from 'socket.io-client';
import { currentUser, signOut } from '../api.js';
import { alert, errorText, h, mount, topBar } from '../ui.js';
import type { DropSocket, ShopperApp } from './app.js';
import { dropPage } from './drop-page.js';
import { listPage } from './list-page.js';
import { ordersPage } from './orders-page.js';
import { receiptPage } from './receipt-page.js';
import { guestSignOut, guestSignUp } from './sign-in.js';
import '../styles.css';

function createApp(root: HTMLElement): ShopperApp {
  let socket: DropSocket | null = null;
  const leaving: (() => void)[] = [];

  // What a guest's sign-up kept, shown under the top bar until the shopper goes to another page.
  let notice: { text: string; hash: string } | null = null;
  // A new session (signed out, or a guest now signed up) needs a socket of its own: the cookie authenticates it.
  const newSession = (note: string | null = null) => {
    notice = note ? { text: note, hash: location.hash } : null;
    socket?.disconnect();
    socket = null;
    return app.route();
  };
  const guestActions = {
    signOut: () =>
      signOut().then(() => {
        app.me = null;
        return newSession();
      }),
    signedIn: newSession,
  };

  const header = (): HTMLElement => {
    const me = app.me;
    const who = me ? (me.guest ? 'Guest' : (me.email ?? 'Signed in')) : null;
    const bar = topBar(
      [{ href: '#/', text: 'Drops' }, ...(me ? [{ href: '#/orders', text: 'Your orders' }] : [])],
      who,
      me
        ? () => {
            if (app.me?.guest) void guestSignOut(app, guestActions);
            else void guestActions.signOut();
          }
        : undefined,
    );
    // A guest may sign up at any time, mid-hold too, and keep its places, holds and orders.
    if (me?.guest)
      bar
        .querySelector('nav')
        ?.append(h('button', { type: 'button', onclick: () => guestSignUp(app, guestActions) }, 'Sign up'));
    return bar;
  };

  const app: ShopperApp = {
    root,
    me: null,
    page: (...children) =>
      mount(
        root,
        header(),
        h(
          'main',
          { id: 'main' },
          notice && notice.hash === location.hash ? alert('ok', notice.text) : null,
          ...children,
        ),
      ),
    socket: () => (socket ??= io('/drops', { withCredentials: true, transports: ['websocket', 'polling'] })),
    onLeave: (stop) => void leaving.push(stop),
    async route() {
      for (const stop of leaving.splice(0)) stop();
      const hash = location.hash.replace(/^#/, '') || '/';
      const drop = /^\/drops\/([0-9a-f-]{36})$/i.exec(hash);
      const receipt = /^\/orders\/(rsv_[A-Za-z0-9_-]{43})$/.exec(hash);
      try {
        if (drop) await dropPage(app, drop[1]!);
        else if (hash === '/orders') await ordersPage(app);
        else if (receipt) await receiptPage(app, receipt[1]!);
        else await listPage(app);
      } catch (error) {
        app.page(
          alert('error', errorText(error)),
          h('button', { type: 'button', onclick: () => void app.route() }, 'Try again'),
        );
      }
    },
  };
  return app;
}

const app = createApp(document.getElementById('app')!);
window.addEventListener('hashchange', () => void app.route());
void currentUser()
  .catch(() => null)
  .then((user) => {
    app.me = user;
    return app.route();
  });
