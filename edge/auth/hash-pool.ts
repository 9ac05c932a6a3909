/**
 * Password hashing with a bounded concurrency, apart from everything else: `concurrency` threads of their own
 * (scrypt-thread.ts, at a low CPU priority), never libuv's thread pool, which WebCrypto and file reads share.
 * At most `queue` hashes wait for a thread; past that a request is refused at once (503 `unavailable`, Retry-After
 * 1 s) rather than queued for ever: a flood of sign-ins then costs the event loop one cheap answer each. Threads
 * start on first use and do not keep the process alive.
 */
import { Worker } from 'node:worker_threads';
import { HttpProblem } from '../problems.js';
import { SCRYPT_THREAD_SOURCE } from './scrypt-thread.js';

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

export interface HashPoolOptions {
  concurrency: number;
  queue: number;
}

export interface HashPool {
  /** A hash whose `signal` has aborted (its client left) by the time a thread is free is dropped, not run. */
  derive(
    password: string,
    salt: Buffer,
    keyLength: number,
    cost: ScryptCost,
    signal?: AbortSignal,
  ): Promise<Buffer>;
  /** Hashes running now, waiting now, and the most that ever ran at once. */
  figures(): { running: number; waiting: number; peakRunning: number };
  close(): Promise<void>;
}

/** Enough for N = 2^17 with r = 8 (128 MiB) and a little over; a stored hash dearer than this fails to verify. */
export const SCRYPT_MAXMEM = 160 * 1024 * 1024;

interface Job {
  password: string;
  salt: Buffer;
  keyLength: number;
  cost: ScryptCost;
  signal: AbortSignal | undefined;
  resolve: (key: Buffer) => void;
  reject: (error: Error) => void;
}

interface Reply {
  id: number;
  key?: Uint8Array;
  error?: string;
}

export function createHashPool({ concurrency, queue }: HashPoolOptions): HashPool {
  const idle: Worker[] = [];
  const all: Worker[] = [];
  const waiting: Job[] = [];
  const inFlight = new Map<number, Job>();
  let nextId = 0;
  let running = 0;
  let peakRunning = 0;

  function spawn(): Worker {
    const worker = new Worker(SCRYPT_THREAD_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const job = inFlight.get(reply.id);
      inFlight.delete(reply.id);
      running--;
      if (job) {
        if (reply.key) job.resolve(Buffer.from(reply.key));
        else job.reject(new Error(`scrypt failed: ${reply.error ?? 'unknown error'}`));
      }
      idle.push(worker);
      pump();
    });
    worker.on('error', (error) => {
      // A thread that dies fails what it held; a new one takes its place on the next job.
      for (const [id, job] of inFlight) {
        inFlight.delete(id);
        running--;
        job.reject(error);
      }
      all.splice(all.indexOf(worker), 1);
      pump();
    });
    all.push(worker);
    return worker;
  }

  function pump() {
    while (waiting.length > 0 && running < concurrency) {
      const job = waiting.shift()!;
      if (job.signal?.aborted) {
        job.reject(
          new HttpProblem('unavailable', 'the request was abandoned before its password was checked'),
        );
        continue;
      }
      // Fewer than `concurrency` run, so a thread is idle or one more may start.
      const worker = idle.pop() ?? spawn();
      const id = nextId++;
      inFlight.set(id, job);
      running++;
      peakRunning = Math.max(peakRunning, running);
      const { password, salt, keyLength, cost } = job;
      worker.postMessage({ id, password, salt, keyLength, ...cost, maxmem: SCRYPT_MAXMEM });
    }
  }

  return {
    derive(password, salt, keyLength, cost, signal) {
      if (running >= concurrency && waiting.length >= queue)
        return Promise.reject(
          new HttpProblem('unavailable', 'too many sign-ins at once: try again in a second', {
            retryAfter: 1,
          }),
        );
      return new Promise<Buffer>((resolve, reject) => {
        waiting.push({ password, salt, keyLength, cost, signal, resolve, reject });
        pump();
      });
    },
    figures: () => ({ running, waiting: waiting.length, peakRunning }),
    async close() {
      for (const job of waiting.splice(0)) job.reject(new Error('the hash pool is closed'));
      await Promise.all(all.splice(0).map((w) => w.terminate()));
      idle.length = 0;
    },
  };
}
