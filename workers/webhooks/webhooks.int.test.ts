/**
 * Webhooks end to end against the real services and a real receiver (node:http on a loopback port): events of a
 * drop and its orders become signed deliveries to every brand of the drop; a receiver that fails is tried again
 * until it answers 2xx, and gets the event once; one that always fails ends failed with its attempts recorded, and
 * "send again" delivers once it is fixed; an event seen twice is delivered once; a delivery left without a job (a
 * process killed between the insert and the enqueue) is enqueued by the sweep. The retry schedule is made short.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { describe, expect, vi } from 'vitest';
import {
  createDropline,
  payBody,
  silentLog,
  test,
  type Api,
  type Dropline,
} from '../../infra/testing/index.js';
import { WEBHOOKS_DROPS_DURABLE, type RetrySchedule } from './index.js';

const FAST: RetrySchedule = { firstMs: 100, maxMs: 400, giveUpAfterMs: 2_500 };
const WAIT = { timeout: 20_000, interval: 50 };

/** What the receiver answers to its n-th request (from 1): a status, or `close` to drop the connection. */
type Answer = (n: number) => number | 'close';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number | 'close';
}

async function receiver(answer: Answer) {
  const received: Received[] = [];
  let respond = answer;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answered = respond(received.length + 1);
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
      if (answered === 'close') req.socket.destroy();
      else res.writeHead(answered, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/dropline`,
    received,
    /** Requests answered 2xx. */
    accepted: () => received.filter((r) => typeof r.answered === 'number' && r.answered < 300),
    answerWith(next: Answer) {
      respond = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A receiver's check, as docs/api.md tells brands to write it: node:crypto only. */
function verify(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const timestamp = String(headers['dropline-timestamp']);
  const given = String(headers['dropline-signature']);
  const expected = `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

interface DeliveryRow {
  id: string;
  brand_id: string;
  event_id: string;
  type: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
}

const deliveriesOf = (dropline: Dropline, brandId: string) =>
  dropline.sql<
    DeliveryRow[]
  >`SELECT * FROM webhook_deliveries WHERE brand_id = ${brandId} ORDER BY created_at`;

/** A scheduled drop of a new brand whose webhook points at `url`; returns the secret shown once. */
async function brandWithWebhook(api: Api, url: string) {
  const { operator, brand, drop } = await api.openDrop(
    { title: 'Hook Lamp', sku: 'HL-1', priceCents: 2_500, stock: 5, perUserLimit: 2 },
    { open: false },
  );
  const put = await api.put('/api/webhook', { token: brand.token, body: { url } });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  return { operator, brand, drop, secret: put.body.secret as string };
}

// The sender's retries are made short: 100 ms doubling to 400 ms, for 2.5 s.
test.override('dropline', async ({ config }, { onCleanup }) => {
  const dropline = await createDropline({
    config,
    log: silentLog,
    roles: { edge: true, workers: true },
    webhookRetry: FAST,
  });
  onCleanup(() => dropline.close());
  return dropline;
});

describe('webhooks', () => {
  test('a failing receiver is tried again until it answers 2xx, and gets the event once, signed', async ({
    api,
    dropline,
  }) => {
    // A dropped connection, then a 500, then 200.
    const hook = await receiver((n) => (n === 1 ? 'close' : n === 2 ? 500 : 200));
    try {
      const { brand, drop, secret } = await brandWithWebhook(api, hook.url);
      expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      expect((await api.post(`/api/drops/${drop.id}/open`, { token: brand.token })).status).toBe(200);

      await vi.waitFor(async () => {
        const [row] = await deliveriesOf(dropline, brand.user.brandId!);
        expect(row).toMatchObject({ status: 'delivered', attempts: 3, last_status: 200, last_error: null });
      }, WAIT);
      expect(hook.received.map((r) => r.answered)).toEqual(['close', 500, 200]);
      const [delivered] = hook.accepted();
      const [row] = await deliveriesOf(dropline, brand.user.brandId!);
      expect(delivered!.headers['dropline-event']).toBe('drop.opened');
      expect(delivered!.headers['dropline-delivery']).toBe(row!.id);
      expect(delivered!.headers['content-type']).toBe('application/json');
      expect(Math.abs(Number(delivered!.headers['dropline-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(verify(secret, delivered!.headers, delivered!.body)).toBe(true);
      // A body changed on the way, or another secret, fails the check.
      expect(verify(secret, delivered!.headers, delivered!.body.replace('Hook Lamp', 'Hook Lamq'))).toBe(
        false,
      );
      expect(verify(`${secret}x`, delivered!.headers, delivered!.body)).toBe(false);

      const body = JSON.parse(delivered!.body);
      expect(body).toEqual({
        id: row!.event_id,
        type: 'drop.opened',
        createdAt: expect.any(String),
        data: {
          drop: expect.objectContaining({
            id: drop.id,
            title: 'Hook Lamp',
            sku: 'HL-1',
            status: 'open',
            brandIds: [brand.user.brandId],
          }),
        },
      });
      // Every attempt carried the same event and delivery; each was signed afresh.
      expect(new Set(hook.received.map((r) => r.headers['dropline-delivery']))).toEqual(new Set([row!.id]));
    } finally {
      await hook.close();
    }
  });

  test('a receiver that always fails ends failed with its attempts; sent again once fixed, it is delivered', async ({
    api,
    dropline,
  }) => {
    const hook = await receiver(() => 503);
    try {
      const { brand, drop } = await brandWithWebhook(api, hook.url);
      expect((await api.post(`/api/drops/${drop.id}/open`, { token: brand.token })).status).toBe(200);
      await vi.waitFor(async () => {
        const [row] = await deliveriesOf(dropline, brand.user.brandId!);
        expect(row?.status).toBe('failed');
      }, WAIT);
      const [failed] = await deliveriesOf(dropline, brand.user.brandId!);
      expect(failed!.attempts).toBeGreaterThanOrEqual(3);
      expect(failed!.attempts).toBe(hook.received.length);
      expect(failed).toMatchObject({ last_status: 503, last_error: 'answered 503' });

      const listed = await api.get('/api/webhook/deliveries', { token: brand.token });
      expect(listed.body.deliveries).toEqual([
        expect.objectContaining({
          id: failed!.id,
          status: 'failed',
          attempts: failed!.attempts,
          lastStatus: 503,
        }),
      ]);

      hook.answerWith(() => 204);
      const again = await api.post(`/api/webhook/deliveries/${failed!.id}/retry`, { token: brand.token });
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect(again.body).toMatchObject({ id: failed!.id, status: 'pending' });
      await vi.waitFor(async () => {
        const [row] = await deliveriesOf(dropline, brand.user.brandId!);
        expect(row).toMatchObject({ status: 'delivered', last_status: 204, attempts: failed!.attempts + 1 });
      }, WAIT);
      expect(hook.accepted()).toHaveLength(1);
    } finally {
      await hook.close();
    }
  });

  test('an event of a collaboration drop goes to each of its brands, signed with each one’s secret', async ({
    api,
    dropline,
  }) => {
    const [leadHook, partnerHook] = await Promise.all([receiver(() => 200), receiver(() => 200)]);
    try {
      const { operator, brand, drop, secret } = await brandWithWebhook(api, leadHook.url);
      const partner = await api.brand(operator.token, 'Partner Brand');
      const partnerPut = await api.put('/api/webhook', {
        token: partner.token,
        body: { url: partnerHook.url },
      });
      expect(partnerPut.status).toBe(200);
      const patched = await api.patch(`/api/drops/${drop.id}`, {
        token: brand.token,
        body: {
          brands: [
            { brandId: brand.user.brandId, sharePercent: 60 },
            { brandId: partner.user.brandId, sharePercent: 40 },
          ],
        },
      });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect((await api.post(`/api/drops/${drop.id}/open`, { token: brand.token })).status).toBe(200);

      await vi.waitFor(() => {
        expect(leadHook.accepted()).toHaveLength(1);
        expect(partnerHook.accepted()).toHaveLength(1);
      }, WAIT);
      const [toLead] = leadHook.accepted();
      const [toPartner] = partnerHook.accepted();
      expect(verify(secret, toLead!.headers, toLead!.body)).toBe(true);
      expect(verify(partnerPut.body.secret, toPartner!.headers, toPartner!.body)).toBe(true);
      // The same event (one id) in two deliveries.
      expect(JSON.parse(toLead!.body).id).toBe(JSON.parse(toPartner!.body).id);
      expect(toLead!.headers['dropline-delivery']).not.toBe(toPartner!.headers['dropline-delivery']);
      expect(JSON.parse(toPartner!.body).data.drop.brandIds).toEqual([
        brand.user.brandId,
        partner.user.brandId,
      ]);
      expect(await deliveriesOf(dropline, partner.user.brandId!)).toHaveLength(1);
    } finally {
      await Promise.all([leadHook.close(), partnerHook.close()]);
    }
  });

  test('an event stored twice in the stream is delivered once', async ({ api, dropline, config }) => {
    const hook = await receiver(() => 200);
    try {
      const { brand, drop } = await brandWithWebhook(api, hook.url);
      const event = {
        v: 1 as const,
        id: `${drop.id}:status:99`,
        type: 'drop.closed',
        at: Date.now(),
        dropId: drop.id,
        status: 'closed',
        version: 99,
      };
      // Two messages of their own (distinct message ids), as a publisher retried past the duplicate window.
      const js = jetstream(dropline.nats);
      const subject = `${config.events.subjectPrefix}.drops.${drop.id}.drop.closed`;
      await js.publish(subject, JSON.stringify(event), { msgID: 'first' });
      await js.publish(subject, JSON.stringify(event), { msgID: 'second' });
      const jsm = await jetstreamManager(dropline.nats);
      await vi.waitFor(async () => {
        const info = await jsm.consumers.info(config.events.stream, WEBHOOKS_DROPS_DURABLE);
        expect(info.num_pending + info.num_ack_pending).toBe(0);
        expect(hook.accepted()).toHaveLength(1);
      }, WAIT);
      // The service asked directly for the same event adds nothing either.
      await dropline.webhooks.dropStatus({ ...event });
      await dropline.webhooks.sweep({ graceMs: 0 });
      const rows = await deliveriesOf(dropline, brand.user.brandId!);
      expect(rows.map((r) => [r.event_id, r.status])).toEqual([[event.id, 'delivered']]);
      expect(hook.received).toHaveLength(1);
    } finally {
      await hook.close();
    }
  });

  test('a delivery written but never enqueued (the process died in between) is sent by the sweep, once', async ({
    api,
    dropline,
  }) => {
    const hook = await receiver(() => 200);
    try {
      const { brand, drop } = await brandWithWebhook(api, hook.url);
      const brandId = brand.user.brandId!;
      const [orphan] = await dropline.sql<{ id: string }[]>`
        INSERT INTO webhook_deliveries (id, brand_id, event_id, type, payload, created_at)
        VALUES (gen_random_uuid(), ${brandId}, ${`${drop.id}:status:42`}, 'drop.opened',
                ${dropline.sql.json({ drop: { id: drop.id } })}, now() - interval '2 minutes')
        RETURNING id`;
      // Nothing sends it until the sweep runs.
      expect(await dropline.webhooks.sweep()).toBe(1);
      await dropline.webhooks.sweep();
      await vi.waitFor(async () => {
        const [row] = await deliveriesOf(dropline, brandId);
        expect(row).toMatchObject({ id: orphan!.id, status: 'delivered', attempts: 1 });
      }, WAIT);
      // Swept again after delivery: nothing pending, nothing sent.
      expect(await dropline.webhooks.sweep({ graceMs: 0 })).toBe(0);
      expect(hook.received.map((r) => r.headers['dropline-delivery'])).toEqual([orphan!.id]);
    } finally {
      await hook.close();
    }
  });

  test('a paid order is sent as order.paid, and order.shipped once it is marked shipped', async ({
    api,
    dropline,
  }) => {
    const hook = await receiver(() => 200);
    try {
      const { brand, drop } = await brandWithWebhook(api, hook.url);
      expect((await api.post(`/api/drops/${drop.id}/open`, { token: brand.token })).status).toBe(200);
      const guest = await api.guest();
      const { hold } = await dropline.holds.reserve({
        dropId: drop.id,
        shopperId: guest.user.id,
        guest: true,
        quantity: 2,
        admissionEndsAt: new Date(Date.now() + 60_000),
      });
      const paid = await api.post(`/api/reservations/${hold.id}/pay`, {
        token: guest.token,
        body: payBody(),
      });
      expect(paid.status, JSON.stringify(paid.body)).toBe(200);
      const types = () => hook.accepted().map((r) => String(r.headers['dropline-event']));
      await vi.waitFor(() => expect(types()).toContain('order.paid'), WAIT);
      const paidBody = JSON.parse(
        hook.accepted().find((r) => r.headers['dropline-event'] === 'order.paid')!.body,
      );
      expect(paidBody.data.order).toMatchObject({
        id: hold.id,
        dropId: drop.id,
        quantity: 2,
        amountCents: 5_000,
        currency: 'USD',
        number: expect.stringMatching(/^DL-/),
      });
      expect(paidBody.data.order).not.toHaveProperty('buyer');

      // The order reaches PostgreSQL through the projector; then the brand marks it shipped, twice.
      await vi.waitFor(async () => expect((await dropline.orders.get(hold.id))?.status).toBe('paid'), WAIT);
      const ship = (tracking: string) =>
        api.post(`/api/drops/${drop.id}/orders/${hold.id}/shipment`, {
          token: brand.token,
          body: { tracking },
        });
      expect((await ship('TRACK-1')).status).toBe(200);
      expect((await ship('TRACK-2')).status).toBe(200);
      await vi.waitFor(() => expect(types().filter((t) => t === 'order.shipped')).toHaveLength(1), WAIT);
      const shipped = JSON.parse(
        hook.accepted().find((r) => r.headers['dropline-event'] === 'order.shipped')!.body,
      );
      expect(shipped.data.order.shipment).toEqual({ shippedAt: expect.any(String), tracking: 'TRACK-1' });
      const rows = await deliveriesOf(dropline, brand.user.brandId!);
      expect(rows.filter((r) => r.type === 'order.shipped')).toHaveLength(1);
    } finally {
      await hook.close();
    }
  });
  test('a shipment committed by a process that died before telling the webhooks is sent by the sweep, once', async ({
    api,
    dropline,
  }) => {
    const hook = await receiver(() => 200);
    try {
      const { brand, drop } = await brandWithWebhook(api, hook.url);
      expect((await api.post(`/api/drops/${drop.id}/open`, { token: brand.token })).status).toBe(200);
      const guest = await api.guest();
      const { hold } = await dropline.holds.reserve({
        dropId: drop.id,
        shopperId: guest.user.id,
        guest: true,
        quantity: 1,
        admissionEndsAt: new Date(Date.now() + 60_000),
      });
      const paid = await api.post(`/api/reservations/${hold.id}/pay`, {
        token: guest.token,
        body: payBody(),
      });
      expect(paid.status, JSON.stringify(paid.body)).toBe(200);
      await vi.waitFor(async () => expect((await dropline.orders.get(hold.id))?.status).toBe('paid'), WAIT);
      // The shipment's commit, and nothing after it: the route's process is gone before onShipped.
      await dropline.sql`
        INSERT INTO order_shipments (order_id, shipped_at, tracking, actor)
        VALUES (${hold.id}, now(), 'LOST-1', ${brand.user.id})`;
      const shippedOnes = () =>
        hook.accepted().filter((r) => r.headers['dropline-event'] === 'order.shipped');
      expect(await dropline.webhooks.sweep({ graceMs: 0 })).toBeGreaterThanOrEqual(1);
      await vi.waitFor(() => expect(shippedOnes()).toHaveLength(1), WAIT);
      expect(JSON.parse(shippedOnes()[0]!.body).data.order.shipment.tracking).toBe('LOST-1');
      // Found again by no later sweep: the delivery now exists.
      await dropline.webhooks.sweep({ graceMs: 0 });
      const rows = await deliveriesOf(dropline, brand.user.brandId!);
      expect(rows.filter((r) => r.type === 'order.shipped')).toHaveLength(1);
    } finally {
      await hook.close();
    }
  });
});
