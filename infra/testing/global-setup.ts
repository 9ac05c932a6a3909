/** Before any test file: the services must answer (npm test runs infra/services.sh first, which starts them). */
import { Redis } from 'ioredis';
import { connect } from '@nats-io/transport-node';
import { ensureDatabase } from '../db.js';

export default async function setup(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error('Redis is not reachable: run `npm run services` first', { cause: error });
  } finally {
    redis.disconnect();
  }
  const nats = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' }).catch(
    (error: unknown) => {
      throw new Error('NATS is not reachable: run `npm run services` first', { cause: error });
    },
  );
  await nats.close();
  await ensureDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dropline');
}
