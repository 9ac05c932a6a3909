/**
 * workers/events/: the JetStream plumbing of the events, with no knowledge of what they mean — the stream and its
 * subjects, durable publishers, and the consumer shell (batching, redelivery, dead letters) that orders/ runs its
 * projector in. It may import inventory/ (the event type it publishes) and no sibling; checkout/ (publishing a
 * payment) and orders/ (consuming) may enter it, and infra/ wires it. edge/ may not: a request publishes through
 * checkout/.
 */
export { ensureDurable, ensureEventStream, eventSubject, MAX_DELIVER, type EventsConfig } from './stream.js';
export {
  createEventPublisher,
  createStatusPublisher,
  EventsUnavailableError,
  PUBLISH_TIMEOUT_MS,
  type PublisherOptions,
  type PublishEvent,
  type StatusEventEnvelope,
} from './publishers.js';
export { startConsumer, type Consumer, type ConsumerOptions } from './consumer.js';
