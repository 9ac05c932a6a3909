/**
 * The brand's webhook on its dashboard: the endpoint's URL (set, changed, removed), its signing secret — shown in
 * full once, when it is made or rotated, with a copy button, masked after — and the latest deliveries (time to the
 * second with its zone, event, status, attempts, last answer) each with "Send again". Fits a 390 px screen: the
 * table scrolls in its own box, the secret wraps.
 */
import type { WebhookDeliveryJson, WebhookDeliveryListResponse, WebhookEndpointJson } from '../index.js';
import { api, ApiError } from './api.js';
import './brand-webhooks.css';
import { alert, badge, errorText, field, h, mount, showProblem, table, whenExact } from './ui.js';

const PAGE = 20;

/** The last answer of a delivery in words: "200", "500 — answered 500", "connection refused". */
function lastAnswer(d: WebhookDeliveryJson): string {
  if (d.attempts === 0) return 'not tried yet';
  if (d.lastError && d.lastStatus !== null && d.lastError !== `answered ${d.lastStatus}`)
    return `${d.lastStatus} — ${d.lastError}`;
  if (d.lastStatus !== null) return String(d.lastStatus);
  return d.lastError ?? '—';
}

export function webhooksSection(): HTMLElement {
  let endpoint: WebhookEndpointJson | null = null;
  let shownSecret: string | null = null;
  let deliveries: WebhookDeliveryJson[] = [];
  let nextCursor: string | null = null;

  const status = h('div', { role: 'status' });
  const endpointBox = h('div', { class: 'stack' });
  const secretBox = h('div', { class: 'stack' });
  const deliveriesBox = h('div', { class: 'stack' });
  const section = h(
    'section',
    { class: 'card stack', 'aria-labelledby': 'webhooks-heading' },
    h('h2', { id: 'webhooks-heading' }, 'Webhooks'),
    h(
      'p',
      { class: 'muted' },
      'Dropline calls your URL when a drop opens, sells out or closes, and when an order is paid or shipped — ' +
        'for every drop your brand takes part in. Each call is signed with your secret.',
    ),
    status,
    endpointBox,
    secretBox,
    deliveriesBox,
  );

  const urlForm = () => {
    const form = h('form', { class: 'stack', novalidate: true });
    const formStatus = h('div');
    form.append(
      field('Endpoint URL', 'url', {
        type: 'url',
        required: true,
        maxlength: 2048,
        placeholder: 'https://example.com/dropline-webhooks',
        value: endpoint?.url ?? '',
        autocomplete: 'url',
      }),
      formStatus,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit' }, endpoint ? 'Save URL' : 'Turn on webhooks'),
        endpoint
          ? h(
              'button',
              { type: 'button', class: 'secondary', onclick: () => void save(form, formStatus, true) },
              'New secret',
            )
          : null,
        endpoint
          ? h('button', { type: 'button', class: 'secondary', onclick: () => void remove() }, 'Turn off')
          : null,
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void save(form, formStatus, false);
    });
    return form;
  };

  async function save(form: HTMLFormElement, formStatus: HTMLElement, rotate: boolean) {
    const url = (form.elements.namedItem('url') as HTMLInputElement).value.trim();
    try {
      endpoint = await api<WebhookEndpointJson>('/api/webhook', {
        method: 'PUT',
        body: rotate ? { url, rotate: true } : { url },
      });
      shownSecret = endpoint.secretShown ? endpoint.secret : null;
      drawEndpoint();
      mount(status, alert('ok', rotate ? 'A new secret is in use.' : 'Webhook URL saved.'));
      if (shownSecret) secretBox.querySelector<HTMLElement>('h3')?.focus();
    } catch (error) {
      showProblem(form, formStatus, error);
    }
  }

  async function remove() {
    try {
      await api('/api/webhook', { method: 'DELETE' });
      endpoint = null;
      shownSecret = null;
      drawEndpoint();
      mount(status, alert('ok', 'Webhooks turned off.'));
    } catch (error) {
      mount(status, alert('error', errorText(error)));
    }
  }

  function drawEndpoint() {
    mount(endpointBox, urlForm());
    if (!endpoint) return mount(secretBox);
    if (shownSecret) {
      const secret = shownSecret;
      const copied = h('span', { role: 'status', class: 'muted' });
      mount(
        secretBox,
        h('h3', { tabindex: -1 }, 'Your signing secret'),
        alert('warn', 'Copy it now: it is shown only this once.'),
        h('code', { class: 'webhook-secret', id: 'webhook-secret' }, secret),
        h(
          'div',
          { class: 'row' },
          h(
            'button',
            {
              type: 'button',
              onclick: () => {
                navigator.clipboard.writeText(secret).then(
                  () => mount(copied, 'Copied.'),
                  () => mount(copied, 'Copying failed: select the secret and copy it.'),
                );
              },
            },
            'Copy secret',
          ),
          copied,
        ),
      );
    } else {
      mount(
        secretBox,
        h('p', {}, 'Signing secret: ', h('code', {}, endpoint.secret)),
        h('p', { class: 'muted' }, 'Lost it? “New secret” makes another; the old one stops working at once.'),
      );
    }
  }

  async function resend(delivery: WebhookDeliveryJson, button: HTMLButtonElement) {
    button.disabled = true;
    try {
      const updated = await api<WebhookDeliveryJson>(`/api/webhook/deliveries/${delivery.id}/retry`, {
        method: 'POST',
      });
      deliveries = deliveries.map((d) => (d.id === updated.id ? updated : d));
      drawDeliveries();
      mount(status, alert('info', `${delivery.type} is being sent again.`));
    } catch (error) {
      button.disabled = false;
      mount(status, alert('error', errorText(error)));
    }
  }

  function drawDeliveries() {
    const heading = h(
      'div',
      { class: 'spread' },
      h('h3', {}, 'Recent deliveries'),
      h(
        'button',
        { type: 'button', class: 'secondary', onclick: () => void loadDeliveries(false) },
        'Refresh',
      ),
    );
    if (deliveries.length === 0) {
      mount(deliveriesBox, heading, h('p', { class: 'muted' }, 'Nothing sent yet.'));
      return;
    }
    const rows = deliveries.map((d) => {
      const button = h('button', { type: 'button', class: 'secondary' }, 'Send again');
      button.setAttribute('aria-label', `Send ${d.type} of ${whenExact(d.createdAt)} again`);
      button.addEventListener('click', () => void resend(d, button));
      return [
        h('time', { datetime: d.createdAt }, whenExact(d.createdAt)),
        d.type,
        badge(d.status),
        d.attempts,
        lastAnswer(d),
        button,
      ];
    });
    mount(
      deliveriesBox,
      heading,
      h(
        'div',
        { class: 'table-scroll figures', tabindex: 0, role: 'region', 'aria-label': 'Recent deliveries' },
        table(['Time', 'Event', 'Status', 'Attempts', 'Last answer', 'Action'], rows),
      ),
      nextCursor
        ? h(
            'button',
            { type: 'button', class: 'secondary', onclick: () => void loadDeliveries(true) },
            'Show older',
          )
        : null,
    );
  }

  async function loadDeliveries(more: boolean) {
    try {
      const query = `limit=${PAGE}${more && nextCursor ? `&cursor=${encodeURIComponent(nextCursor)}` : ''}`;
      const page = await api<WebhookDeliveryListResponse>(`/api/webhook/deliveries?${query}`);
      deliveries = more ? [...deliveries, ...page.deliveries] : page.deliveries;
      nextCursor = page.nextCursor;
      drawDeliveries();
    } catch (error) {
      mount(status, alert('error', errorText(error)));
    }
  }

  void (async () => {
    try {
      endpoint = await api<WebhookEndpointJson>('/api/webhook');
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404))
        mount(status, alert('error', errorText(error)));
    }
    drawEndpoint();
    await loadDeliveries(false);
  })();
  return section;
}
