/**
 * ensureEventStream against the real NATS JetStream: what is missing is created, what exists is left as it is, and
 * an error that is not JetStream's "not found" reaches the caller instead of being taken for a missing stream.
 */
import { AckPolicy, JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, onTestFinished, vi } from 'vitest';
import { test, type Config } from '../../infra/testing/index.js';
import { ensureEventStream, MAX_DELIVER, type EventsConfig } from './index.js';

/** A JetStream manager on a connection of the test's own, and the test's stream settings. */
async function setup(config: Config) {
  const nc = await connect({ servers: config.natsUrl });
  onTestFinished(() => nc.close());
  const events: EventsConfig = { ...config.events, durable: 'workers' };
  return { nc, jsm: await jetstreamManager(nc), events, prefix: events.subjectPrefix };
}

describe('ensureEventStream', () => {
  test('creates a missing stream and its consumer', async ({ config }) => {
    const { jsm, events, prefix } = await setup(config);
    await ensureEventStream(jsm, events);

    const stream = await jsm.streams.info(events.stream);
    expect(stream.config.subjects).toEqual([`${prefix}.events.>`, `${prefix}.drops.>`, `${prefix}.dead.>`]);
    const consumer = await jsm.consumers.info(events.stream, events.durable);
    expect(consumer.config).toMatchObject({
      durable_name: events.durable,
      ack_policy: AckPolicy.Explicit,
      filter_subject: `${prefix}.events.>`,
      max_deliver: MAX_DELIVER,
    });
    // Twice is the same as once.
    await ensureEventStream(jsm, events);
    expect((await jsm.consumers.list(events.stream).next()).map((c) => c.name)).toEqual([events.durable]);
  });

  test('leaves an existing stream and consumer as they are, and adds a missing consumer', async ({
    config,
  }) => {
    const { jsm, events, prefix } = await setup(config);
    await jsm.streams.add({
      name: events.stream,
      subjects: [`${prefix}.events.>`, `${prefix}.drops.>`, `${prefix}.dead.>`],
      description: 'set up by hand',
      max_msgs: 1000,
    });
    await jsm.consumers.add(events.stream, {
      durable_name: 'by-hand',
      ack_policy: AckPolicy.Explicit,
      max_deliver: 2,
    });

    await ensureEventStream(jsm, { ...events, durable: 'by-hand' });
    await ensureEventStream(jsm, events);

    const stream = await jsm.streams.info(events.stream);
    expect(stream.config).toMatchObject({ description: 'set up by hand', max_msgs: 1000 });
    expect((await jsm.consumers.info(events.stream, 'by-hand')).config.max_deliver).toBe(2);
    expect((await jsm.consumers.info(events.stream, events.durable)).config.max_deliver).toBe(MAX_DELIVER);
  });

  test('an error that is not "not found" is not taken for a missing stream', async ({ config }) => {
    const { nc, jsm, events } = await setup(config);
    const add = vi.spyOn(jsm.streams, 'add');

    // The client refuses a stream name with a dot before asking the server.
    await expect(ensureEventStream(jsm, { ...events, stream: 'not.a.name' })).rejects.toMatchObject({
      name: 'InvalidNameError',
    });
    // The server refuses a second stream over the same subjects: its error code is not "stream not found".
    await ensureEventStream(jsm, events);
    const overlap = ensureEventStream(jsm, { ...events, stream: `${events.stream}_2` });
    await expect(overlap).rejects.toBeInstanceOf(JetStreamApiError);
    await expect(overlap).rejects.not.toMatchObject({ code: JetStreamApiCodes.StreamNotFound });
    expect(add).toHaveBeenCalledTimes(2);
    // On a closed connection the lookup fails: nothing is created, the failure is the caller's.
    add.mockClear();
    await nc.close();
    await expect(ensureEventStream(jsm, events)).rejects.toMatchObject({ name: 'ClosedConnectionError' });
    expect(add).not.toHaveBeenCalled();
  });
});
