/**
 * Signing in, signing up or continuing as a guest, before joining a line or seeing one's orders; and, for a guest,
 * signing up later (its places, holds and orders become the account's) or signing out after a warning of what that
 * loses.
 */
import { api, ApiError, continueAsGuest, signIn, signUp } from '../api.js';
import { proofHeader } from '../proof-of-work.js';
import { alert, errorText, field, h, mount, showFieldErrors } from '../ui.js';
import type { ShopperApp } from './app.js';

function credentialsForm(): HTMLFormElement {
  return h(
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
}

/** What a guest's sign-up or sign-in handed to the account (the answer's `merged`). */
export interface Merged {
  places: number;
  holds: number;
  orders: number;
}

const count = (value: unknown) =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;

/** The answer's `merged`, read field by field: zeros for whatever is missing or not a count. */
function mergedOf(answer: unknown): Merged {
  const m: unknown =
    typeof answer === 'object' && answer !== null ? Reflect.get(answer, 'merged') : undefined;
  const get = (key: string) => count(typeof m === 'object' && m !== null ? Reflect.get(m, key) : undefined);
  return { places: get('places'), holds: get('holds'), orders: get('orders') };
}

const many = (n: number, one: string, several: string) => `${n} ${n === 1 ? one : several}`;

/** "your hold on a unit and 2 orders": what a guest has, in words; '' for nothing. */
function things({ holds, orders }: { holds: number; orders: number }): string {
  const parts = [
    ...(holds > 0 ? [holds === 1 ? 'your hold' : `your ${many(holds, 'hold', 'holds')}`] : []),
    ...(orders > 0 ? [orders === 1 ? 'your order' : `your ${many(orders, 'order', 'orders')}`] : []),
  ];
  return parts.join(' and ');
}

export interface SignInOptions {
  /** The card's heading. */
  title?: string;
  /** Whether to offer "Continue as guest" (not to a guest signing up). */
  offerGuest?: boolean;
  /** What a guest's session handed to the account, once signed in. */
  onMerged?: (merged: Merged) => void;
}

/** The sign-in card; `onDone` runs once `app.me` is set. */
export function signInCard(
  app: ShopperApp,
  onDone: () => void,
  { title = 'Sign in to join', offerGuest = true, onMerged }: SignInOptions = {},
): HTMLElement {
  const status = h('div', {});
  const form = credentialsForm();
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
        app.me = r.user;
        onMerged?.(mergedOf(r));
        onDone();
      },
      (error: unknown) => {
        const rest = error instanceof ApiError ? showFieldErrors(form, error.errors) : [];
        if (!(error instanceof ApiError) || error.errors.length === 0 || rest.length > 0)
          mount(status, alert('error', errorText(error)));
      },
    );
  });
  const guestButton = h('button', { type: 'button' }, 'Continue as guest');
  // When guests need a proof of work, the button shows how far the browser got with it.
  const solveFor = (path: string) =>
    proofHeader(path, ({ share }) => {
      guestButton.disabled = true;
      guestButton.textContent = `Checking… ${Math.min(99, Math.floor(share * 100))}%`;
    });
  const asGuest = () =>
    void continueAsGuest(solveFor).then(
      (r) => ((app.me = r.user), onDone()),
      (error: unknown) => {
        guestButton.disabled = false;
        guestButton.textContent = 'Continue as guest';
        mount(status, alert('error', errorText(error)));
      },
    );
  guestButton.onclick = asGuest;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'signin-title' },
    h('h2', { id: 'signin-title' }, title),
    offerGuest ? h('p', {}, guestButton) : null,
    offerGuest ? h('p', { class: 'muted' }, 'or with your account:') : null,
    status,
    form,
  );
}

/** A modal dialog over the page, removed from the document once closed. */
function modal(labelledBy: string, ...children: (Node | null)[]): HTMLDialogElement {
  const dialog = h('dialog', { class: 'card stack', 'aria-labelledby': labelledBy }, ...children);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

export interface GuestActions {
  /** Signs out now (clears the session and shows the page signed out). */
  signOut: () => Promise<void>;
  /** After the guest signed up or signed in: shows the page again as the account's, with `note` above it. */
  signedIn: (note: string | null) => Promise<void>;
}

/**
 * A guest signs up (or signs in) without losing anything: the account keeps the guest's places, holds and orders.
 * The page, shown again, says what was kept.
 */
export function guestSignUp(app: ShopperApp, actions: GuestActions): void {
  let kept: Merged | null = null;
  const dialog = modal(
    'signin-title',
    signInCard(
      app,
      () => {
        dialog.close();
        const what = kept ? things(kept) : '';
        const one = kept !== null && kept.holds + kept.orders === 1;
        void actions.signedIn(what ? `Signed in: ${what} ${one ? 'is' : 'are'} now your account’s.` : null);
      },
      {
        title: 'Sign up to keep what you have',
        offerGuest: false,
        onMerged: (merged) => {
          kept = merged;
        },
      },
    ),
    h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
  );
}

/** The guest's live holds and orders, from its reservations; null when they could not be read. */
async function guestHas(): Promise<{ holds: number; orders: number } | null> {
  try {
    const answer = await api<unknown>('/api/reservations?limit=200');
    const list: unknown =
      typeof answer === 'object' && answer !== null ? Reflect.get(answer, 'reservations') : undefined;
    if (!Array.isArray(list)) return null;
    const now = Date.now();
    let holds = 0;
    let orders = 0;
    for (const r of list as unknown[]) {
      const status: unknown = typeof r === 'object' && r !== null ? Reflect.get(r, 'status') : undefined;
      const expiresAt: unknown =
        typeof r === 'object' && r !== null ? Reflect.get(r, 'expiresAt') : undefined;
      if (status === 'paid') orders++;
      else if (status === 'held' && typeof expiresAt === 'string' && Date.parse(expiresAt) > now) holds++;
    }
    return { holds, orders };
  } catch {
    return null;
  }
}

/**
 * Signing out a guest: a guest session cannot be signed in to again, so one that holds a unit or has an order is
 * warned first, and may sign up to keep them, sign out anyway or stay. Nothing to lose: signed out at once.
 */
export async function guestSignOut(app: ShopperApp, actions: GuestActions): Promise<void> {
  const has = await guestHas();
  if (has && has.holds === 0 && has.orders === 0) return actions.signOut();
  const what = has ? things(has) : 'whatever you hold or bought';
  const dialog = modal(
    'signout-title',
    h('h2', { id: 'signout-title' }, 'Sign out?'),
    h(
      'p',
      { id: 'signout-warning' },
      `You are signed in as a guest: signing out loses ${what} — sign up to keep ${has && has.holds + has.orders === 1 ? 'it' : 'them'}.`,
    ),
    h(
      'div',
      { class: 'row' },
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            dialog.close();
            guestSignUp(app, actions);
          },
        },
        'Sign up to keep them',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            dialog.close();
            void actions.signOut();
          },
        },
        'Sign out anyway',
      ),
      h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
    ),
  );
}
