/**
 * Payments under faults, against the real services: nothing refused or crashed leaves an authorization open. A pay
 * whose process is killed (kill -9) after authorize and before capture, a pay whose event publish fails after the
 * pay script, concurrent pays, a declined card, and a pay while the event stream is down. The settle job runs here
 * by hand with no grace period (its BullMQ job runs it every few seconds with a grace of SETTLE_GRACE_MS).
 */
import { describe, expect, vi } from 'vitest';
import {
  type Api,
  type Config,
  type Dropline,
  payBody,
  silentLog,
  spawnDropline,
  test,
} from '../../infra/testing/index.js';
import {
  createCheckout,
  createPaymentSettler,
  createPaymentsStore,
  createTestPaymentProvider,
  PaymentDeclinedError,
  PaymentsUnavailableError,
} from './index.js';

const CARD = { number: '4242424242424242' };
const DECLINED = { number: '4000000000000002' };
const PIPELINE = { timeout: 15_000, interval: 100 };

function kit(dropline: Dropline) {
  const payments = createPaymentsStore(dropline.sql);
  const provider = createTestPaymentProvider({ sql: dropline.sql });
  const settler = createPaymentSettler({
    payments,
    provider,
    holds: dropline.holds,
    paidOrders: async (ids) => {
      const found = await Promise.all(ids.map((id) => dropline.orders.get(id)));
      return new Set(found.flatMap((o) => (o?.status === 'paid' ? [o.id] : [])));
    },
    clock: Date,
    log: silentLog,
  });
  const rows = async (reservationId: string) => [
    ...(await dropline.sql<{ id: string; state: string; ending: string | null }[]>`
      SELECT id, state, ending FROM payments WHERE reservation_id = ${reservationId} ORDER BY created_at, id`),
  ];
  const ledger = async (reservationId: string) => [
    ...(await dropline.sql<{ idempotency_key: string; operation: string }[]>`
      SELECT idempotency_key, operation FROM test_provider_ledger WHERE reference = ${reservationId}
      ORDER BY at, operation`),
  ];
  return { payments, provider, settler, rows, ledger };
}

/** An open drop of 10 units and a guest holding one of them. */
async function holding(api: Api, dropline: Dropline) {
  const { drop } = await api.openDrop({ title: 'Lamp', sku: 'LA-1', priceCents: 9_900, stock: 10 });
  const guest = await api.guest();
  const { hold } = await dropline.holds.reserve({
    dropId: drop.id,
    shopperId: guest.user.id,
    guest: true,
    quantity: 1,
    admissionEndsAt: new Date(Date.now() + 60_000),
  });
  return { drop, guest, hold };
}

const orderPaid = (dropline: Dropline, id: string) =>
  vi.waitFor(async () => expect((await dropline.orders.get(id))?.status).toBe('paid'), PIPELINE);

describe('payments that always end', () => {
  test('a pay process killed after authorize, before capture: the retry answers the order; the settle job captures', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const k = kit(dropline);
    const { guest, hold } = await holding(api, dropline);
    const child = spawnDropline('edge', env(config, prefix, { TEST_PROVIDER_HANG: 'capture', PORT: '0' }));
    try {
      const [, port] = await child.waitFor(/listening on http:\/\/localhost:(\d+)/);
      const paying = fetch(`http://127.0.0.1:${port}/api/reservations/${hold.id}/pay`, {
        method: 'POST',
        headers: { authorization: `Bearer ${guest.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(payBody()),
      }).catch(() => null);
      // Authorized, the hold paid and the capture decided: the process is now stuck in capture.
      await vi.waitFor(async () => {
        expect(await k.rows(hold.id)).toEqual([
          { id: expect.any(String), state: 'authorized', ending: 'capture' },
        ]);
      }, PIPELINE);
      child.child.kill('SIGKILL');
      expect(await paying).toBeNull();
    } finally {
      await child.stop('SIGKILL');
    }
    const [payment] = await k.rows(hold.id);
    expect((await k.ledger(hold.id)).map((l) => l.operation)).toEqual(['authorize']);

    // The retry after the lost answer: 200 with the order, and no card authorized again.
    const retry = await api.post(`/api/reservations/${hold.id}/pay`, {
      token: guest.token,
      body: payBody(),
    });
    expect({ status: retry.status, body: retry.body }).toEqual({
      status: 200,
      body: { orderId: hold.id, status: 'paid' },
    });
    await orderPaid(dropline, hold.id);
    expect(await k.settler.runOnce(0)).toEqual({ captured: 1, voided: 0, waiting: 0 });
    expect(await k.rows(hold.id)).toEqual([{ id: payment!.id, state: 'captured', ending: 'capture' }]);
    expect(await k.ledger(hold.id)).toEqual([
      { idempotency_key: payment!.id, operation: 'authorize' },
      { idempotency_key: payment!.id, operation: 'capture' },
    ]);
    expect(await k.settler.runOnce(0)).toEqual({ captured: 0, voided: 0, waiting: 0 });
  }, 60_000);

  test('a publish that fails after the pay script: the relay stores the event, then the settle job captures', async ({
    api,
    dropline,
  }) => {
    const k = kit(dropline);
    const { hold } = await holding(api, dropline);
    const checkout = createCheckout({
      holds: dropline.holds,
      provider: k.provider,
      payments: k.payments,
      publish: () => Promise.reject(new Error('NATS went away')),
    });
    await expect(
      checkout.pay({ reservationId: hold.id, shopperId: hold.shopperId, card: CARD }),
    ).rejects.toThrow('NATS went away');
    expect((await dropline.holds.get(hold.id)).status).toBe('paid');
    expect((await k.rows(hold.id)).map((r) => [r.state, r.ending])).toEqual([['authorized', 'capture']]);
    // Not yet applied to PostgreSQL: nothing is captured before the order is paid there.
    await orderPaid(dropline, hold.id);
    expect(await k.settler.runOnce(0)).toEqual({ captured: 1, voided: 0, waiting: 0 });
    expect((await k.rows(hold.id)).map((r) => r.state)).toEqual(['captured']);
    expect(k.provider.captured).toEqual([hold.id]);
  });

  test('concurrent pays: exactly one captured, the others voided; a crash before the decision captures the earliest', async ({
    api,
    dropline,
  }) => {
    const k = kit(dropline);
    const { hold } = await holding(api, dropline);
    const checkout = createCheckout({
      holds: dropline.holds,
      provider: k.provider,
      payments: k.payments,
      publish: async () => {},
    });
    const pays = await Promise.all(
      Array.from({ length: 8 }, () =>
        checkout.pay({ reservationId: hold.id, shopperId: hold.shopperId, card: CARD }),
      ),
    );
    expect(pays.every((p) => p.orderId === hold.id)).toBe(true);
    const states = (await k.rows(hold.id)).map((r) => r.state);
    expect(states.filter((s) => s === 'captured')).toHaveLength(1);
    expect(states.every((s) => s === 'captured' || s === 'voided')).toBe(true);

    // Two authorizations left open by processes that died between the pay script and the decision: once the order
    // is paid in PostgreSQL, the settle job captures the earliest and voids the other.
    const second = await holding(api, dropline);
    for (const id of ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002']) {
      await k.payments.begin({
        id,
        reservationId: second.hold.id,
        dropId: second.drop.id,
        shopperId: second.hold.shopperId,
        amountCents: 9_900,
      });
      await k.provider.authorize({
        idempotencyKey: id,
        reference: second.hold.id,
        amountCents: 9_900,
        card: CARD,
      });
      await k.payments.authorized(id, true);
    }
    // Still held and not overdue: a pay may be in flight, so nothing is voided yet.
    expect(await k.settler.runOnce(0)).toEqual({ captured: 0, voided: 0, waiting: 2 });
    await dropline.holds.pay(second.hold.id, second.hold.shopperId, undefined, {});
    await dropline.background.runOnce();
    await orderPaid(dropline, second.hold.id);
    expect(await k.settler.runOnce(0)).toEqual({ captured: 1, voided: 1, waiting: 0 });
    expect((await k.rows(second.hold.id)).map((r) => [r.id.slice(-1), r.state])).toEqual([
      ['1', 'captured'],
      ['2', 'voided'],
    ]);
  });

  test('a declined card leaves nothing open; while events are down pay is 503 before anything is recorded', async ({
    api,
    dropline,
  }) => {
    const k = kit(dropline);
    const { hold } = await holding(api, dropline);
    let ready = false;
    const checkout = createCheckout({
      holds: dropline.holds,
      provider: k.provider,
      payments: k.payments,
      publish: async () => {},
      eventsReady: () => ready,
    });
    const pay = (card = CARD) => checkout.pay({ reservationId: hold.id, shopperId: hold.shopperId, card });
    const down = pay();
    await expect(down).rejects.toBeInstanceOf(PaymentsUnavailableError);
    await expect(down).rejects.toMatchObject({ code: 'unavailable' });
    expect(await k.rows(hold.id)).toEqual([]);
    expect(await k.ledger(hold.id)).toEqual([]);

    ready = true;
    await expect(pay(DECLINED)).rejects.toBeInstanceOf(PaymentDeclinedError);
    expect((await k.rows(hold.id)).map((r) => r.state)).toEqual(['declined']);
    expect((await dropline.holds.get(hold.id)).status).toBe('held');
    expect(await k.settler.runOnce(0)).toEqual({ captured: 0, voided: 0, waiting: 0 });
  });
});

function env(config: Config, prefix: string, extra: Record<string, string>): Record<string, string> {
  return {
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
    NATS_URL: config.natsUrl,
    REDIS_PREFIX: prefix,
    EVENTS_STREAM: config.events.stream,
    EVENTS_SUBJECT_PREFIX: config.events.subjectPrefix,
    LOG_LEVEL: 'info',
    ...extra,
  };
}
