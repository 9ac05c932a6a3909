/** Signing in, signing up or continuing as a guest, before joining a line or seeing one's orders. */
import { ApiError, continueAsGuest, signIn, signUp } from '../api.js';
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

/** The sign-in card; `onDone` runs once `app.me` is set. */
export function signInCard(app: ShopperApp, onDone: () => void): HTMLElement {
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
    h('h2', { id: 'signin-title' }, 'Sign in to join'),
    h('p', {}, guestButton),
    h('p', { class: 'muted' }, 'or with your account:'),
    status,
    form,
  );
}
