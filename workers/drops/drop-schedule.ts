/**
 * Opening and closing drops at their time with BullMQ delayed jobs: no polling loop. The jobs live in Redis, so a
 * restart between scheduling and opening loses nothing; the job id carries the due time, so scheduling is idempotent
 * and a patched `opensAt` adds a new job while the stale one finds another time in the drop and does nothing
 * (see DropsService.runScheduled). BullMQ hands a job to one worker at a time, and the status transition in
 * PostgreSQL is conditional, so two worker processes never open a drop twice.
 */
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Drop } from './drop.js';
import type { DropScheduling } from './drop-sync.js';
import type { DropsService } from './drops-service.js';

/** The BullMQ queue, job names and payload this folder owns. Bump `v` when the payload changes. */
export const DROP_SCHEDULE_QUEUE = 'drop-schedule';
export const DropJobName = { open: 'drop.open', close: 'drop.close' } as const;
const dropJobPayload = z.object({ v: z.literal(1), dropId: z.uuid(), at: z.iso.datetime() });
export type DropJobPayload = z.infer<typeof dropJobPayload>;

const JOB_OPTIONS = {
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
  attempts: 10,
  backoff: { type: 'exponential', delay: 500 },
} as const;

export interface DropSchedulerOptions {
  connection: Redis;
  /** BullMQ key prefix; tests give each its own. */
  prefix: string;
  clock: Pick<DateConstructor, 'now'>;
}

export interface DropScheduler extends DropScheduling {
  close(): Promise<void>;
}

export function createDropScheduler({ connection, prefix, clock }: DropSchedulerOptions): DropScheduler {
  const queue = new Queue<DropJobPayload>(DROP_SCHEDULE_QUEUE, { connection, prefix });
  const add = (kind: 'open' | 'close', drop: Drop, at: Date) =>
    queue.add(
      DropJobName[kind],
      { v: 1, dropId: drop.id, at: at.toISOString() },
      {
        ...JOB_OPTIONS,
        jobId: `${kind}-${drop.id}-${at.getTime()}`,
        delay: Math.max(0, at.getTime() - clock.now()),
      },
    );
  return {
    async schedule(drop) {
      if (drop.status === 'scheduled') await add('open', drop, drop.opensAt);
      if (drop.closesAt && ['scheduled', 'open', 'sold_out'].includes(drop.status))
        await add('close', drop, drop.closesAt);
    },
    close: () => queue.close(),
  };
}

export interface DropScheduleWorkerOptions {
  connection: Redis;
  prefix: string;
  drops: Pick<DropsService, 'runScheduled'>;
  clock: Pick<DateConstructor, 'now'>;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

export function startDropScheduleWorker({
  connection,
  prefix,
  drops,
  clock,
  log,
}: DropScheduleWorkerOptions): Worker {
  const worker = new Worker<unknown>(
    DROP_SCHEDULE_QUEUE,
    async (job: Job<unknown>, token?: string) => {
      const parsed = dropJobPayload.safeParse(job.data);
      const kind = job.name === DropJobName.open ? 'open' : job.name === DropJobName.close ? 'close' : null;
      if (!parsed.success || !kind) {
        // A malformed job cannot become valid by retrying: fail it for good and keep it for inspection.
        log.warn({ jobId: job.id, name: job.name }, 'dropping malformed drop-schedule job');
        throw new UnrecoverableError('malformed drop-schedule job');
      }
      const at = new Date(parsed.data.at);
      if (at.getTime() > clock.now()) {
        // Delayed jobs are promoted by Redis time; never act before the drop's own time.
        await job.moveToDelayed(at.getTime(), token);
        throw new DelayedError();
      }
      const outcome = await drops.runScheduled(kind, parsed.data.dropId, at);
      if (outcome === 'retry')
        throw new Error(`drop ${parsed.data.dropId} cannot close before it has opened`);
      if (outcome === 'applied')
        log.info(
          { dropId: parsed.data.dropId, kind },
          `drop ${kind === 'open' ? 'opened' : 'closed'} on schedule`,
        );
      return outcome;
    },
    { connection, prefix, concurrency: 8 },
  );
  worker.on('error', (error) => log.warn({ err: error }, 'drop-schedule worker error'));
  return worker;
}
