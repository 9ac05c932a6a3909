import { randomBytes, randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, onTestFinished, vi } from 'vitest';
import {
  connectPostgres,
  countOf,
  migrate,
  spawnDropline,
  test,
  type Config,
} from '../../infra/testing/index.js';
import type { HoldEvent, InventoryEvent } from '../../inventory/index.js';
import { ensureEventStream, eventSubject, type EventsConfig } from '../events/index.js';
import { createOrdersStore, startEventProjector } from './index.js';
import { pino } from 'pino';

const WAIT = { timeout: 60_000, interval: 100 };
const reservationId = () => `rsv_${randomBytes(32).toString('base64url')}`;

/** A database with a brand and a drop, the stream, and a NATS client publishing raw events. */
async function setup(config: Config) {
  const sql = connectPostgres(config.databaseUrl);
  await migrate(sql);
  const brandId = randomUUID();
  const dropId = randomUUID();
  await sql`INSERT INTO brands (id, name) VALUES (${brandId}, 'B')`;
  await sql`
    INSERT INTO drops (id, brand_id, title, sku, price_cents, currency, stock, per_user_limit, hold_seconds,
                       admission_per_minute, max_active, opens_at, status)
    VALUES (${dropId}, ${brandId}, 'T', 'S', 500, 'USD', 100000, 1, 60, 60, 10, now(), 'open')`;
  const nc = await connect({ servers: config.natsUrl });
  const events: EventsConfig = { ...config.events, durable: 'workers' };
  await ensureEventStream(await jetstreamManager(nc), events);
  const js = jetstream(nc);
  onTestFinished(async () => {
    await nc.close();
    await sql.end();
  });
  const base = (type: string, id: string, shopperId: string = randomUUID()) => ({
    v: 1 as const,
    at: Date.now(),
    dropId,
    reservationId: id,
    shopperId,
    guest: true,
    quantity: 1,
    amountCents: 500,
    createdAt: Date.now(),
    expiresAt: Date.now() + 60_000,
    id: `${id}:${type}`,
  });
  return {
    sql,
    js,
    nc,
    dropId,
    events,
    created: (id = reservationId(), shopperId?: string): HoldEvent => ({
      ...base('reservation.created', id, shopperId),
      type: 'reservation.created',
    }),
    paid: (id: string, shopperId: string): InventoryEvent => ({
      ...base('payment.completed', id, shopperId),
      type: 'payment.completed',
      paidAt: Date.now(),
    }),
    expired: (id: string, shopperId: string): InventoryEvent => ({
      ...base('reservation.expired', id, shopperId),
      type: 'reservation.expired',
    }),
    /** Publishes with a message id of its own, so JetStream keeps duplicates: the consumer must drop them. */
    publish: (event: InventoryEvent, msgID: string = event.id) =>
      js.publish(eventSubject(events, event), JSON.stringify(event), { msgID }),
  };
}

describe('the event projector', () => {
  test('applies each event once, in any order, and dead-letters what is not an event', async ({ config }) => {
    const s = await setup(config);
    const orders = createOrdersStore(s.sql);
    const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const consumer = startEventProjector({
      js: s.js,
      config: s.events,
      orders,
      onDropEvent: async () => {},
      log,
    });
    onTestFinished(() => consumer.stop());

    // The same event delivered three times (as a relay that died mid-way would): applied once.
    const once = s.created();
    for (const copy of ['a', 'b', 'c']) await s.publish(once, `${once.id}:${copy}`);
    // A payment that overtakes its reservation.created: the order ends paid, the ledger adds up.
    const id = reservationId();
    const shopper = randomUUID();
    await s.publish(s.paid(id, shopper));
    await s.publish(s.created(id, shopper));
    // Expiry then a late duplicate of the creation: the order stays expired.
    const gone = reservationId();
    await s.publish(s.created(gone, shopper));
    await s.publish(s.expired(gone, shopper));
    await s.publish(s.created(gone, shopper), `${gone}:again`);
    // Poison: not JSON, and JSON that is not a valid event.
    await s.js.publish(`${s.events.subjectPrefix}.events.${s.dropId}.reservation.created`, 'not json', {
      msgID: 'poison-1',
    });
    await s.js.publish(
      `${s.events.subjectPrefix}.events.${s.dropId}.reservation.created`,
      JSON.stringify({ v: 1, type: 'x' }),
      {
        msgID: 'poison-2',
      },
    );

    await vi.waitFor(
      async () => expect(await countOf(s.sql`SELECT count(*)::int AS count FROM processed_events`)).toBe(5),
      WAIT,
    );
    const rows = await s.sql`SELECT id, status FROM orders ORDER BY id`;
    expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({
      [once.reservationId]: 'held',
      [id]: 'paid',
      [gone]: 'expired',
    });
    expect(
      await s.sql`SELECT sum(delta_available)::int AS a, sum(delta_held)::int AS h, sum(delta_sold)::int AS s FROM stock_ledger`,
    ).toEqual([{ a: -2, h: 1, s: 1 }]);
    expect(await countOf(s.sql`SELECT count(*)::int AS count FROM users WHERE guest`)).toBe(2);

    const jsm = await jetstreamManager(s.nc);
    await vi.waitFor(async () => {
      const dead = await jsm.streams.info(s.events.stream, {
        subjects_filter: `${s.events.subjectPrefix}.dead.>`,
      });
      expect(Object.values(dead.state.subjects ?? {}).reduce((a, b) => a + b, 0)).toBe(2);
    }, WAIT);
    expect(consumer.applied()).toBe(5);
  });

  test('a worker process killed mid-stream loses no event and applies none twice', async ({
    config,
    databaseUrl,
    prefix,
  }) => {
    const s = await setup(config);
    const total = 3000;
    const events = Array.from({ length: total }, () => s.created());
    for (let i = 0; i < total; i += 500) await Promise.all(events.slice(i, i + 500).map((e) => s.publish(e)));
    const eventIds = events.map((e) => e.id);
    const applied = () =>
      countOf(s.sql`SELECT count(*)::int AS count FROM processed_events WHERE event_id = ANY(${eventIds})`);

    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_PREFIX: prefix,
      EVENTS_STREAM: config.events.stream,
      EVENTS_SUBJECT_PREFIX: config.events.subjectPrefix,
    };
    const first = spawnDropline('workers', env);
    await first.waitFor(/Dropline workers are running/);
    await vi.waitFor(async () => expect(await applied()).toBeGreaterThan(200), WAIT);
    first.child.kill('SIGKILL');
    await first.stop();
    const appliedBefore = await applied();
    expect(appliedBefore).toBeLessThan(total); // killed mid-stream

    const second = spawnDropline('workers', env);
    onTestFinished(async () => {
      expect(await second.stop()).toBe(0);
    });
    await vi.waitFor(async () => expect(await applied()).toBe(total), WAIT);
    expect(await countOf(s.sql`SELECT count(*)::int AS count FROM orders WHERE drop_id = ${s.dropId}`)).toBe(
      total,
    );
    expect(
      await s.sql`SELECT count(*)::int AS rows, sum(delta_held)::int AS held FROM stock_ledger WHERE drop_id = ${s.dropId}`,
    ).toEqual([{ rows: total, held: total }]);
    const ids = new Set(
      (await s.sql`SELECT id FROM orders WHERE drop_id = ${s.dropId}`).map((r) => r.id as string),
    );
    expect(events.every((e) => ids.has(e.reservationId))).toBe(true);
  }, 120_000);
});
