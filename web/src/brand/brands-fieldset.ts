/**
 * The brands releasing a drop, in its form: the lead's share, the partners found by name (`GET /api/brands?q=`) with
 * theirs, read as the API takes them and checked in the page (whole percent, 1–100, adding up to 100).
 */
import type { DropJson } from '../../index.js';
import { api } from '../api.js';
import { alert, field, h, mount } from '../ui.js';

interface BrandName {
  id: string;
  name: string;
}

/**
 * Gives the ids under `root` (and the `for` and `aria-describedby` naming them) the form's prefix: the page holds
 * the new drop's form and a drop's change form at once, and ids are unique in a page.
 */
export function prefixIds(root: Element, prefix: string): void {
  if (!prefix) return;
  const named = (value: string) => value.replace(/(^|\s)f-/g, `$1${prefix}f-`);
  for (const el of [root, ...root.querySelectorAll('[id], [for], [aria-describedby]')]) {
    for (const attr of ['id', 'for', 'aria-describedby']) {
      const value = el.getAttribute(attr);
      if (value?.match(/(^|\s)f-/)) el.setAttribute(attr, named(value));
    }
  }
}

/** The partner brands and their shares, the lead's share, and a search to add partners. */
export function brandsFieldset(leadId: string, drop: DropJson | undefined, prefix: string) {
  const partners = new Map<string, BrandName & { share: string }>();
  for (const b of drop?.brands ?? [])
    if (!b.lead) partners.set(b.id, { id: b.id, name: b.name, share: String(b.sharePercent) });
  const leadShare = field('Your share (%)', 'share-lead', {
    type: 'number',
    min: 1,
    max: 100,
    step: 1,
    value: String(drop?.brands.find((b) => b.lead)?.sharePercent ?? 100),
  });
  const list = h('ul', { class: 'partners' });
  const results = h('div', { class: 'row', 'aria-live': 'polite' });
  const search = h('input', {
    id: 'f-brand-search',
    type: 'search',
    autocomplete: 'off',
    'aria-describedby': 'f-brands-error',
  });
  const errorSlot = h('span', { class: 'field-error', id: 'f-brands-error', 'aria-live': 'polite' });

  const renderList = () => {
    mount(
      list,
      ...[...partners.values()].map((p) => {
        const share = field(`${p.name}’s share (%)`, `share-${p.id}`, {
          type: 'number',
          min: 1,
          max: 100,
          step: 1,
          value: p.share,
        });
        share.querySelector('input')!.addEventListener('input', (e) => {
          p.share = (e.target as HTMLInputElement).value;
        });
        return h(
          'li',
          { class: 'row' },
          share,
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () => (partners.delete(p.id), renderList()),
            },
            `Remove ${p.name}`,
          ),
        );
      }),
    );
    prefixIds(list, prefix);
  };

  let asked = 0;
  const find = async () => {
    const q = search.value.trim();
    const mine = ++asked;
    if (!q) return mount(results);
    const { brands } = await api<{ brands: BrandName[] }>(`/api/brands?q=${encodeURIComponent(q)}&limit=10`);
    if (mine !== asked) return;
    const found = brands.filter((b) => b.id !== leadId && !partners.has(b.id));
    mount(
      results,
      found.length === 0 ? h('span', { class: 'muted' }, 'No other brand by that name.') : null,
      ...found.map((b) =>
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              partners.set(b.id, { ...b, share: '' });
              search.value = '';
              mount(results);
              renderList();
              list.querySelector<HTMLElement>(`[name="share-${CSS.escape(b.id)}"]`)?.focus();
            },
          },
          `Add ${b.name}`,
        ),
      ),
    );
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => void find().catch(() => mount(results, alert('error', 'Brands could not be searched.'))),
      250,
    );
  });
  renderList();

  const element = h(
    'fieldset',
    { class: 'brands stack' },
    h('legend', {}, 'Brands and shares of the takings'),
    leadShare,
    list,
    h('label', { for: 'f-brand-search' }, 'Find a partner brand', search),
    results,
    errorSlot,
  );

  /** The brands as the API takes them, or the page's objection (shares whole, 1–100, adding up to 100). */
  const read = (
    form: HTMLFormElement,
  ): { brands: { brandId: string; sharePercent: number }[]; error?: string } => {
    const lead = Number((form.elements.namedItem('share-lead') as HTMLInputElement).value);
    const brands = [
      { brandId: leadId, sharePercent: lead },
      ...[...partners.values()].map((p) => ({ brandId: p.id, sharePercent: Number(p.share) })),
    ];
    if (brands.some((b) => !Number.isInteger(b.sharePercent) || b.sharePercent < 1 || b.sharePercent > 100))
      return { brands, error: 'Give every brand a whole percent from 1 to 100.' };
    const total = brands.reduce((sum, b) => sum + b.sharePercent, 0);
    if (total !== 100) return { brands, error: `The shares add up to ${total}%: make them 100%.` };
    return { brands };
  };
  return { element, read, hasPartners: () => partners.size > 0, errorSlot };
}
