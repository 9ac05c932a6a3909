/**
 * The brand's dashboard: the drops it takes part in (as lead or partner), one drop at a time with its live stock and
 * sales (pushed over the socket), the lead's changes and steps, its images (the lead's) and orders; the form to
 * schedule a drop, and the brand's webhooks. The drop picked is kept in the address (`?drop=<id>`), so a reload comes
 * back to it.
 */
import type { DropJson, DropListResponse } from '../index.js';
import { api, type Me } from './api.js';
import { imagesSection } from './brand-images.js';
import { ordersSection } from './brand-orders.js';
import { webhooksSection } from './brand-webhooks.js';
import { brandNames, dropView, isLead, type DropView } from './brand/drop-view.js';
import { dropForm } from './brand/drop-form.js';
import { watchDrop } from './brand/live.js';
import './brand/brand.css';
import { startStaffPage } from './staff.js';
import { alert, badge, errorText, h, mount, when } from './ui.js';
import './styles.css';

let leaveDrop: (() => void) | undefined;

const pickedInAddress = () => new URLSearchParams(location.search).get('drop');

function keepInAddress(dropId: string | null) {
  const url = new URL(location.href);
  if (dropId) url.searchParams.set('drop', dropId);
  else url.searchParams.delete('drop');
  history.replaceState(null, '', url);
}

async function dashboard(me: Me, layout: (...children: (Node | null)[]) => void) {
  const list = h('section', { class: 'card', 'aria-labelledby': 'your-drops' });
  const detail = h(
    'section',
    { class: 'card', 'aria-labelledby': 'drop-title' },
    h('p', { class: 'muted' }, 'Pick a drop to see its sales.'),
  );
  const created = h('div', {});
  let drops: DropJson[] = [];

  const loadList = async () => {
    ({ drops } = await api<DropListResponse>(
      `/api/drops?brand=${encodeURIComponent(me.brandId ?? '')}&limit=100`,
    ));
    mount(
      list,
      h('h2', { id: 'your-drops' }, 'Your drops'),
      drops.length === 0
        ? h('p', { class: 'muted' }, 'None yet: schedule your first below.')
        : h(
            'ul',
            { class: 'drop-list' },
            ...drops.map((d) =>
              h(
                'li',
                {},
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    'aria-current': pickedInAddress() === d.id ? 'true' : undefined,
                    onclick: () => void show(d.id),
                  },
                  d.title,
                ),
                h(
                  'span',
                  { class: 'muted' },
                  `${brandNames(d)} · ${isLead(d, me) ? 'you lead' : 'partner'} · opens ${when(d.opensAt)} · ${d.stock.toLocaleString()} units`,
                ),
                badge(d.status),
              ),
            ),
          ),
    );
  };

  /** Shows the drop and follows it live until another is picked or the page is left. */
  const show = async (dropId: string) => {
    leaveDrop?.();
    keepInAddress(dropId);
    let view: DropView | undefined;
    const orders = h('div', {});
    const render = (drop: DropJson) => {
      view?.stop();
      view = dropView(drop, me, {
        changed: (changed) => {
          render(changed);
          void loadList();
        },
        // Images are the lead's to change; orders every brand of the drop reads (only the lead ships them).
        extra: (shown, lead) => {
          mount(orders, ordersSection(shown, me));
          return [lead ? imagesSection(shown, () => void loadList()) : null, orders];
        },
        // New sales list again, unless the brand is at work in the orders (a tracking reference half typed).
        sold: () => {
          if (!orders.contains(document.activeElement)) mount(orders, ordersSection(drop, me));
        },
      });
      mount(detail, view.element);
    };
    const reread = () =>
      api<DropJson>(`/api/drops/${dropId}`).then(render, (error: unknown) =>
        mount(detail, alert('error', errorText(error))),
      );
    const stopWatching = watchDrop(dropId, {
      stock: (push) => view?.stock(push),
      status: () => void reread().then(loadList),
      reconnected: () => void reread(),
    });
    leaveDrop = () => {
      stopWatching();
      view?.stop();
    };
    await reread();
    void loadList();
  };

  const formSlot = h('div', {});
  /** A blank form, again after every drop scheduled. */
  const blankForm = () =>
    mount(
      formSlot,
      dropForm(me.brandId ?? '', undefined, (drop) => {
        mount(created, alert('ok', `“${drop.title}” is scheduled for ${when(drop.opensAt)}.`));
        blankForm();
        void show(drop.id);
      }),
    );
  blankForm();

  layout(
    h('h1', {}, 'Brand dashboard'),
    list,
    detail,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'new-drop' },
      h('h2', { id: 'new-drop' }, 'Schedule a drop'),
      created,
      formSlot,
    ),
    webhooksSection(),
  );
  await loadList();
  const picked = pickedInAddress();
  if (picked && drops.some((d) => d.id === picked)) await show(picked);
}

startStaffPage({
  title: 'Brand dashboard',
  role: 'brand',
  note: 'Brand accounts are created by a Dropline operator.',
  dashboard,
  leave: () => {
    leaveDrop?.();
    leaveDrop = undefined;
  },
});
