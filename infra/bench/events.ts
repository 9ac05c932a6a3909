/**
 * Event pipeline: N inventory events (reservations created, then paid) are stored in JetStream first; then a
 * workers process starts and the time until PostgreSQL has applied them all gives events per second.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { connectPostgres, ensureDatabase } from '../db.js';
import { migrate } from '../migrate.js';
import { createEventPublisher, ensureEventStream } from '../../workers/events/index.js';
import type { InventoryEvent } from '../../inventory/index.js';
import type { BenchContext } from './context.js';

export interface EventsResult {
  events: number;
  applyMs: number;
  eventsPerSecond: number;
}

export async function eventPipeline(
  ctx: BenchContext,
  reservations: number,
  natsUrl: string,
): Promise<EventsResult> {
  const stream = `BENCH_${Date.now().toString(36)}`;
  const events = { stream, subjectPrefix: stream.toLowerCase(), durable: 'workers' };
  await ensureDatabase(ctx.databaseUrl);
  const sql = connectPostgres(ctx.databaseUrl);
  const nc = await connect({ servers: natsUrl });
  try {
    await migrate(sql);
    const brandId = randomUUID();
    const dropId = randomUUID();
    await sql`INSERT INTO brands (id, name) VALUES (${brandId}, 'Bench')`;
    await sql`
      INSERT INTO drops (id, brand_id, title, sku, price_cents, currency, stock, per_user_limit, hold_seconds,
                         admission_per_minute, max_active, opens_at, status)
      VALUES (${dropId}, ${brandId}, 'Pipeline', 'P-1', 100, 'USD', 1000000, 1, 600, 60, 10, now(), 'closed')`;
    const jsm = await jetstreamManager(nc);
    await ensureEventStream(jsm, events);
    const publish = createEventPublisher(jetstream(nc), events);
    const now = Date.now();
    const all: InventoryEvent[] = [];
    for (let i = 0; i < reservations; i++) {
      const reservationId = `rsv_${randomBytes(32).toString('base64url')}`;
      const base = {
        v: 1 as const,
        at: now,
        dropId,
        reservationId,
        shopperId: randomUUID(),
        guest: true,
        quantity: 1,
        amountCents: 100,
        createdAt: now,
        expiresAt: now + 600_000,
      };
      all.push({ ...base, id: `${reservationId}:reservation.created`, type: 'reservation.created' });
      all.push({ ...base, id: `${reservationId}:payment.completed`, type: 'payment.completed', paidAt: now });
    }
    for (let i = 0; i < all.length; i += 1000) await Promise.all(all.slice(i, i + 1000).map(publish));

    // From the first event applied to the last: the workers' start-up (migrations, connections) is not counted.
    await ctx.startDropline('workers', {
      EVENTS_STREAM: stream,
      EVENTS_SUBJECT_PREFIX: events.subjectPrefix,
    });
    let first: { at: number; applied: number } | undefined;
    let applyMs = 0;
    for (;;) {
      const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM processed_events`;
      const applied = row?.n ?? 0;
      if (applied > 0) first ??= { at: performance.now(), applied };
      if (applied >= all.length) {
        applyMs = performance.now() - first!.at;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const counted = all.length - first!.applied;
    await jsm.streams.delete(stream).catch(() => false);
    return {
      events: all.length,
      applyMs: Math.round(applyMs),
      eventsPerSecond: Math.round(counted / (applyMs / 1000)),
    };
  } finally {
    await nc.close();
    await sql.end();
  }
}
