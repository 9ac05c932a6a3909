/**
 * What the brand's dashboard and the operator's console share: the page frame, signing in with an account of the
 * right role, and starting up. Each page gives its title and its dashboard.
 */
import { currentUser, signIn, signOut, type Me } from './api.js';
import { alert, errorText, field, h, mount, showFieldErrors, topBar } from './ui.js';

export interface StaffPage {
  title: string;
  role: Me['role'];
  /** Shown under the sign-in heading. */
  note?: string;
  /** Builds the signed-in page; `layout` frames it. Called again after every sign-in. */
  dashboard(me: Me, layout: (...children: (Node | null)[]) => void): Promise<void>;
  /** Called before leaving the dashboard (sign-out, another account), to stop its timers. */
  leave(): void;
}

export function startStaffPage(page: StaffPage): void {
  const root = document.getElementById('app')!;
  let me: Me | null = null;

  const layout = (...children: (Node | null)[]) =>
    mount(
      root,
      topBar(
        [{ href: '/', text: 'Shop' }],
        me ? (me.email ?? page.role) : null,
        me ? () => void signOut().then(() => ((me = null), render())) : undefined,
      ),
      h('main', { id: 'main' }, ...children),
    );

  function signInPage(message?: string) {
    const status = h('div', {}, message ? alert('error', message) : null);
    const form = h(
      'form',
      { class: 'stack', novalidate: true },
      h(
        'div',
        { class: 'fields' },
        field('Email', 'email', { type: 'email', autocomplete: 'email', required: true }),
        field('Password', 'password', { type: 'password', autocomplete: 'current-password', required: true }),
      ),
      h('div', {}, h('button', { type: 'submit' }, 'Sign in')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const email = (form.elements.namedItem('email') as HTMLInputElement).value.trim();
      const password = (form.elements.namedItem('password') as HTMLInputElement).value;
      const missing = [
        ...(email ? [] : [{ field: 'email', message: 'Enter your email.' }]),
        ...(password ? [] : [{ field: 'password', message: 'Enter your password.' }]),
      ];
      if (missing.length > 0) return void showFieldErrors(form, missing);
      signIn(email, password).then(
        (r) => ((me = r.user), render()),
        (error: unknown) => mount(status, alert('error', errorText(error))),
      );
    });
    layout(
      h('h1', {}, page.title),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'signin' },
        h('h2', { id: 'signin' }, 'Sign in'),
        page.note ? h('p', { class: 'muted' }, page.note) : null,
        status,
        form,
      ),
    );
  }

  function render() {
    page.leave();
    if (!me) return signInPage();
    if (me.role !== page.role) return signInPage(`This page is for ${page.role} accounts. Sign in with one.`);
    page.dashboard(me, layout).catch((error: unknown) => layout(alert('error', errorText(error))));
  }

  void currentUser()
    .catch(() => null)
    .then((user) => {
      me = user;
      render();
    });
}
