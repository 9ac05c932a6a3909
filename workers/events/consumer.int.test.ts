/**
 * The consumer shell against the real NATS JetStream: a failure that will pass (the database restarting) keeps the
 * batch in hand and spends no delivery, however long it lasts, so valid events never reach the dead-letter subject.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { expect, onTestFinished, vi } from 'vitest';
import { silentLog, test } from '../../infra/testing/index.js';
import { ensureEventStream, MAX_DELIVER, startConsumer, type EventsConfig } from './index.js';

test('a transient failure longer than MAX_DELIVER deliveries is waited out: applied once, nothing dead-lettered', async ({
  config,
}) => {
  const nc = await connect({ servers: config.natsUrl });
  onTestFinished(() => nc.close());
  const events: EventsConfig = { ...config.events, durable: 'workers' };
  const jsm = await jetstreamManager(nc);
  await ensureEventStream(jsm, events);
  const js = jetstream(nc);
  await js.publish(`${events.subjectPrefix}.events.d.test`, JSON.stringify({ n: 1 }), { msgID: 'one' });

  let attempts = 0;
  const applied: unknown[] = [];
  const consumer = startConsumer<unknown>({
    js,
    config: events,
    log: silentLog,
    what: 'test event',
    parse: (data) => JSON.parse(new TextDecoder().decode(data)) as unknown,
    transient: (error) => (error as { code?: string }).code === 'CONNECTION_CLOSED',
    async apply(items) {
      attempts += 1;
      if (attempts <= MAX_DELIVER)
        throw Object.assign(new Error('the database restarts'), { code: 'CONNECTION_CLOSED' });
      applied.push(...items);
    },
  });
  onTestFinished(() => consumer.stop());

  await vi.waitFor(() => expect(applied).toEqual([{ n: 1 }]), { timeout: 20_000, interval: 100 });
  expect(attempts).toBe(MAX_DELIVER + 1);
  const info = await jsm.consumers.info(events.stream, events.durable);
  await vi.waitFor(async () =>
    expect((await jsm.consumers.info(events.stream, events.durable)).num_ack_pending).toBe(0),
  );
  // Delivered once: no redelivery spent while it waited, and nothing on the dead-letter subject.
  expect(info.num_redelivered).toBe(0);
  const stream = await jsm.streams.info(events.stream, { subjects_filter: `${events.subjectPrefix}.dead.>` });
  expect(stream.state.subjects ?? {}).toEqual({});
});
