/**
 * The operator's people: create a user (a brand user with a new brand or joining an existing one), find users by
 * email and role, disable or enable one (asked first in a dialog: disabling ends their sessions at once), set a new
 * password, and read a user's audit.
 */
import type { AdminUserJson, AdminUserListResponse, UserAuditJson } from '../index.js';
import { api } from './api.js';
import { alert, errorText, h, mount, showFieldErrors, showProblem, table, whenExact } from './ui.js';

interface BrandOption {
  id: string;
  name: string;
}

/** A labelled input with a place for its error; ids carry `form` so two forms may share a field name. */
function input(
  form: string,
  label: string,
  name: string,
  attrs: Record<string, string | number | boolean> = {},
) {
  const id = `${form}-${name}`;
  return h(
    'label',
    { for: id },
    label,
    h('input', { id, name, 'aria-describedby': `${id}-error`, ...attrs }),
    h('span', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' }),
  );
}

function select(form: string, label: string, name: string, options: [string, string][]) {
  const id = `${form}-${name}`;
  return h(
    'label',
    { for: id },
    label,
    h(
      'select',
      { id, name, 'aria-describedby': `${id}-error` },
      ...options.map(([v, t]) => h('option', { value: v }, t)),
    ),
    h('span', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' }),
  );
}

const value = (form: HTMLFormElement, name: string) =>
  (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null)?.value.trim() ?? '';

/** A modal question; resolves true when the operator confirms. */
function confirmDialog(title: string, text: string, confirm: string): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = false;
    const dialog = h(
      'dialog',
      { class: 'card stack', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' },
      h('h2', { id: 'confirm-title' }, title),
      h('p', { id: 'confirm-text' }, text),
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          { type: 'button', id: 'confirm-yes', onclick: () => ((answer = true), dialog.close()) },
          confirm,
        ),
        h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
      ),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** The brand a new brand user joins: a new one by name, or an existing one found by name. */
function brandChoice() {
  const results = h('select', {
    id: 'new-user-brandId',
    name: 'brandId',
    'aria-describedby': 'new-user-brandId-error',
  });
  const search = h('input', { id: 'new-user-brand-q', type: 'search', autocomplete: 'off' });
  const find = async () => {
    const q = search.value.trim();
    const { brands } = await api<{ brands: BrandOption[] }>(
      `/api/brands?limit=20${q ? `&q=${encodeURIComponent(q)}` : ''}`,
    );
    mount(
      results,
      ...(brands.length === 0
        ? [h('option', { value: '' }, 'No brand found')]
        : brands.map((b) => h('option', { value: b.id }, b.name))),
    );
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void find().catch(() => {}), 250);
  });
  const newBrand = input('new-user', 'New brand’s name', 'brandName', { maxlength: 200 });
  const existing = h(
    'div',
    { class: 'fields', hidden: true },
    h('label', { for: 'new-user-brand-q' }, 'Find a brand by name', search),
    h(
      'label',
      { for: 'new-user-brandId' },
      'Brand',
      results,
      h('span', { class: 'field-error', id: 'new-user-brandId-error', 'aria-live': 'polite' }),
    ),
  );
  const kind = select('new-user', 'The brand', 'brandKind', [
    ['new', 'A new brand'],
    ['existing', 'An existing brand'],
  ]);
  const kindSelect = kind.querySelector('select')!;
  kindSelect.addEventListener('change', () => {
    const joining = kindSelect.value === 'existing';
    newBrand.hidden = joining;
    existing.hidden = !joining;
    if (joining) void find().catch(() => {});
  });
  const element = h('div', { class: 'fields', hidden: true }, kind, newBrand, existing);
  return {
    element,
    body: (): Record<string, string> =>
      kindSelect.value === 'existing'
        ? { brandId: results.value }
        : { brandName: (newBrand.querySelector('input') as HTMLInputElement).value.trim() },
  };
}

function createForm(onCreated: () => void): HTMLElement {
  const status = h('div', { id: 'new-user-status' });
  const brand = brandChoice();
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'new-user-title' },
    h(
      'div',
      { class: 'fields' },
      input('new-user', 'Email', 'email', { type: 'email', required: true, autocomplete: 'off' }),
      input('new-user', 'Password (at least 8 characters)', 'password', {
        type: 'password',
        required: true,
        minlength: 8,
        autocomplete: 'new-password',
      }),
      select('new-user', 'Role', 'role', [
        ['brand', 'Brand'],
        ['operator', 'Operator'],
        ['shopper', 'Shopper'],
      ]),
    ),
    brand.element,
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Create user')),
  );
  const role = form.elements.namedItem('role') as HTMLSelectElement;
  const showBrand = () => (brand.element.hidden = role.value !== 'brand');
  role.addEventListener('change', showBrand);
  showBrand();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = {
      email: value(form, 'email'),
      password: (form.elements.namedItem('password') as HTMLInputElement).value,
      role: role.value,
      ...(role.value === 'brand' ? brand.body() : {}),
    };
    api<{ user: { email: string } }>('/api/admin/users', { body }).then(
      ({ user }) => {
        showFieldErrors(form, []);
        form.reset();
        showBrand();
        mount(status, alert('ok', `Created ${user.email}.`));
        onCreated();
      },
      (error: unknown) => showProblem(form, status, error),
    );
  });
  return h('div', {}, h('h3', { id: 'new-user-title' }, 'New user'), status, form);
}

/** The form that sets a user's new password (their sessions end). */
function passwordForm(user: AdminUserJson, done: (note: string) => void): HTMLElement {
  const status = h('div', {});
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'reset-title' },
    input('reset', 'New password (at least 8 characters)', 'password', {
      type: 'password',
      required: true,
      minlength: 8,
      autocomplete: 'new-password',
    }),
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Set the password')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const password = (form.elements.namedItem('password') as HTMLInputElement).value;
    api<void>(`/api/admin/users/${user.id}/password`, { body: { password } }).then(
      () => done(`${user.email} has a new password; their sessions have ended.`),
      (error: unknown) => showProblem(form, status, error),
    );
  });
  return h(
    'div',
    {},
    h('h3', { id: 'reset-title' }, `New password for ${user.email}`),
    h('p', { class: 'muted' }, 'Every session of theirs ends at once; they sign in with the new password.'),
    status,
    form,
  );
}

const shown = (v: unknown) =>
  v === null || v === undefined
    ? '—'
    : typeof v === 'boolean'
      ? v
        ? 'yes'
        : 'no'
      : typeof v === 'string'
        ? v
        : JSON.stringify(v);

async function auditOf(user: AdminUserJson): Promise<HTMLElement> {
  const { entries } = await api<UserAuditJson>(`/api/admin/users/${user.id}/audit?limit=50`);
  return h(
    'div',
    {},
    h('h3', { id: 'user-audit-title' }, `Changes to ${user.email}`),
    entries.length === 0
      ? h('p', { class: 'muted' }, 'No changes yet.')
      : h(
          'div',
          { class: 'table-scroll', role: 'region', 'aria-labelledby': 'user-audit-title', tabindex: 0 },
          table(
            ['When', 'Who', 'Change'],
            entries.map((e) => [
              whenExact(e.at),
              e.actorEmail ?? e.actor,
              `${e.change.field}: ${shown(e.change.from)} → ${shown(e.change.to)}`,
            ]),
          ),
        ),
  );
}

/** The operator console's section for people. */
export function usersSection(): HTMLElement {
  const status = h('div', { id: 'users-status' });
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const panel = h('div', { id: 'user-panel' });
  const search = h(
    'form',
    { class: 'row', role: 'search', 'aria-label': 'Find users' },
    input('find-users', 'Email contains', 'q', { type: 'search', maxlength: 254 }),
    select('find-users', 'Role', 'role', [
      ['', 'Any'],
      ['brand', 'Brand'],
      ['operator', 'Operator'],
      ['shopper', 'Shopper'],
    ]),
    h('button', { type: 'submit' }, 'Find'),
  );
  let users: AdminUserJson[] = [];
  let nextCursor: string | null = null;

  const query = (cursor: string | null) => {
    const params = new URLSearchParams({ limit: '25' });
    const q = value(search, 'q');
    const role = value(search, 'role');
    if (q) params.set('q', q);
    if (role) params.set('role', role);
    if (cursor) params.set('cursor', cursor);
    return `/api/admin/users?${params.toString()}`;
  };

  const load = async (more = false) => {
    const page = await api<AdminUserListResponse>(query(more ? nextCursor : null));
    users = more ? [...users, ...page.users] : page.users;
    nextCursor = page.nextCursor;
    render();
  };
  const refresh = () => load().catch((error: unknown) => mount(status, alert('error', errorText(error))));

  const toggle = async (user: AdminUserJson) => {
    const disabling = !user.disabled;
    const ok = await confirmDialog(
      disabling ? `Disable ${user.email}?` : `Enable ${user.email}?`,
      disabling
        ? 'Every session of theirs ends at once and they cannot sign in until you enable them again.'
        : 'They can sign in again; sessions that ended stay ended.',
      disabling ? 'Disable' : 'Enable',
    );
    if (!ok) return;
    try {
      await api(`/api/admin/users/${user.id}/${disabling ? 'disable' : 'enable'}`, { method: 'POST' });
      mount(status, alert('ok', `${user.email} is ${disabling ? 'disabled' : 'enabled'}.`));
      mount(panel);
      await load();
    } catch (error) {
      mount(status, alert('error', errorText(error)));
    }
  };

  const actions = (user: AdminUserJson) =>
    h(
      'div',
      { class: 'row' },
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          'aria-label': `${user.disabled ? 'Enable' : 'Disable'} ${user.email}`,
          onclick: () => void toggle(user),
        },
        user.disabled ? 'Enable' : 'Disable',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          'aria-label': `New password for ${user.email}`,
          onclick: () => {
            mount(
              panel,
              passwordForm(user, (note) => {
                mount(panel);
                mount(status, alert('ok', note));
              }),
            );
            panel.querySelector('input')?.focus();
          },
        },
        'New password',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          'aria-label': `Changes to ${user.email}`,
          onclick: () =>
            void auditOf(user).then(
              (audit) => mount(panel, audit),
              (error: unknown) => mount(panel, alert('error', errorText(error))),
            ),
        },
        'Changes',
      ),
    );

  function render() {
    mount(
      list,
      users.length === 0
        ? h('p', { class: 'muted' }, 'No user matches.')
        : h(
            'div',
            { class: 'table-scroll', role: 'region', 'aria-label': 'Users', tabindex: 0 },
            table(
              ['Email', 'Role', 'Brand', 'Status', 'Actions'],
              users.map((u) => [
                u.email,
                u.role,
                u.brand?.name ?? '—',
                h(
                  'span',
                  { class: `badge ${u.disabled ? 'cancelled' : 'open'}` },
                  u.disabled ? 'disabled' : 'active',
                ),
                actions(u),
              ]),
            ),
          ),
      nextCursor
        ? h(
            'button',
            { type: 'button', class: 'secondary', onclick: () => void load(true).catch(() => {}) },
            'More users',
          )
        : null,
    );
  }

  search.addEventListener('submit', (event) => {
    event.preventDefault();
    mount(status);
    void refresh();
  });
  void refresh();

  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'users-title' },
    h('h2', { id: 'users-title' }, 'People'),
    status,
    createForm(() => void refresh()),
    h('h3', {}, 'Users'),
    search,
    list,
    panel,
  );
}
