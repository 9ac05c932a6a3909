/**
 * The shopper's pages: the drops with their countdowns (#/), one drop with its waiting room and checkout
 * (#/drops/<id>), and the shopper's orders (#/orders).
 */
import { io } from 'socket.io-client';
import { currentUser, signOut } from '../api.js';
import { alert, errorText, h, mount, topBar } from '../ui.js';
import type { DropSocket, ShopperApp } from './app.js';
import { dropPage } from './drop-page.js';
import { listPage } from './list-page.js';
import { ordersPage } from './orders-page.js';
import '../styles.css';

function createApp(root: HTMLElement): ShopperApp {
  let socket: DropSocket | null = null;
  const leaving: (() => void)[] = [];

  const header = (): HTMLElement => {
    const me = app.me;
    const who = me ? (me.guest ? 'Guest' : (me.email ?? 'Signed in')) : null;
    return topBar(
      [{ href: '#/', text: 'Drops' }, ...(me ? [{ href: '#/orders', text: 'Your orders' }] : [])],
      who,
      me
        ? () => {
            void signOut().then(() => {
              app.me = null;
              socket?.disconnect();
              socket = null;
              void app.route();
            });
          }
        : undefined,
    );
  };

  const app: ShopperApp = {
    root,
    me: null,
    page: (...children) => mount(root, header(), h('main', { id: 'main' }, ...children)),
    socket: () => (socket ??= io('/drops', { withCredentials: true, transports: ['websocket', 'polling'] })),
    onLeave: (stop) => void leaving.push(stop),
    async route() {
      for (const stop of leaving.splice(0)) stop();
      const hash = location.hash.replace(/^#/, '') || '/';
      const drop = /^\/drops\/([0-9a-f-]{36})$/i.exec(hash);
      try {
        if (drop) await dropPage(app, drop[1]!);
        else if (hash === '/orders') await ordersPage(app);
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
