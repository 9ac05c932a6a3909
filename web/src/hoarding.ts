/** The operator console's table of suspected hoarding: addresses and devices with several accounts holding units. */
import type { HoardingJson } from '../index.js';
import { api } from './api.js';
import { h, mount, table } from './ui.js';

const short = (ids: string[]) =>
  ids
    .slice(0, 5)
    .map((id) => id.slice(0, 8))
    .join(', ') + (ids.length > 5 ? ` and ${ids.length - 5} more` : '');

/** Loaded with the console's other panels; `load` reads the report again. */
export function hoardingReport(dropId: string) {
  const body = h('div', {});
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh the report');
  const element = h('div', { id: 'hoarding', class: 'stack' }, body, refresh);
  const load = async () => {
    const report = await api<HoardingJson>(`/api/admin/drops/${dropId}/hoarding`);
    const rows = [
      ...report.addresses.map((a) => ['Address', a.address, String(a.accounts), short(a.shopperIds)]),
      ...report.devices.map((d) => [
        'Device',
        d.device.slice(0, 12),
        String(d.accounts),
        short(d.shopperIds),
      ]),
    ];
    mount(
      body,
      rows.length === 0
        ? h(
            'p',
            { class: 'muted' },
            `No address or device has ${report.minAccounts} or more accounts holding units.`,
          )
        : table(['Kind', 'Address or device', 'Accounts holding', 'Accounts'], rows),
    );
  };
  refresh.addEventListener('click', () => void load().catch(() => {}));
  return { element, load };
}
