/** The list of drops (#/), with a countdown to each scheduled opening. */
import type { DropJson, DropListResponse } from '../../index.js';
import { api } from '../api.js';
import { badge, h, money, tickCountdowns, when } from '../ui.js';
import type { ShopperApp } from './app.js';
import { brandNames } from './brand-names.js';

/** The lead image, sized by its attributes before it loads, fetched only as it nears the screen. */
function leadImage(d: DropJson): HTMLElement | null {
  const lead = d.images[0];
  return lead
    ? h('img', {
        src: lead.url,
        alt: lead.alt,
        width: lead.width,
        height: lead.height,
        loading: 'lazy',
        decoding: 'async',
        class: 'card-image',
      })
    : null;
}

function dropCard(d: DropJson): HTMLElement {
  return h(
    'article',
    { class: 'card' },
    leadImage(d),
    h('div', { class: 'spread' }, h('h2', {}, h('a', { href: `#/drops/${d.id}` }, d.title)), badge(d.status)),
    h('p', { class: 'muted brands' }, brandNames(d)),
    // Text, never markup: line breaks kept by CSS.
    h('p', { class: 'muted description' }, d.description || d.sku),
    h(
      'div',
      { class: 'spread' },
      h('strong', {}, money(d.priceCents, d.currency)),
      h('span', {}, `${d.stock} made`),
    ),
    d.status === 'scheduled'
      ? h('p', {}, 'Opens in ', h('span', { class: 'muted', 'data-countdown': d.opensAt }))
      : h('p', { class: 'muted' }, `Opened ${when(d.opensAt)}`),
  );
}

export async function listPage(app: ShopperApp): Promise<void> {
  app.page(h('h1', {}, 'Drops'), h('p', { class: 'muted' }, 'Loading…'));
  const { drops } = await api<DropListResponse>('/api/drops?limit=100');
  const visible = drops.filter((d) => d.status !== 'cancelled');
  app.page(
    h('h1', {}, 'Drops'),
    visible.length === 0
      ? h('p', { class: 'muted' }, 'No drops yet. Come back soon.')
      : h('div', { class: 'grid' }, ...visible.map(dropCard)),
  );
  tickCountdowns(app.root);
  const timer = setInterval(() => tickCountdowns(app.root), 1000);
  app.onLeave(() => clearInterval(timer));
}
