/** The shopper's orders (#/orders). */
import type { OrderListResponse } from '../../index.js';
import { api } from '../api.js';
import { badge, h, money, table, when } from '../ui.js';
import type { ShopperApp } from './app.js';
import { signInCard } from './sign-in.js';

export async function ordersPage(app: ShopperApp): Promise<void> {
  if (!app.me)
    return app.page(
      h('h1', {}, 'Your orders'),
      signInCard(app, () => void app.route()),
    );
  const { orders } = await api<OrderListResponse>('/api/orders?limit=50');
  app.page(
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
