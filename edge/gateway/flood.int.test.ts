/**
 * One abusive client does not slow the others: a socket flooding 20,000 `watch` events is disconnected, and a
 * normal client's p99 (a socket round trip and GET /healthz) stays near its quiet value. The goal is within 20%, and
 * the test prints the ratio; it asserts at most 2×, because a timing bound as tight as the goal fails by chance on a
 * shared two-core machine, while a flood the edge did not cut off moved GET /healthz from about 3 ms to 166–860 ms.
 * The edge runs in a process of its own, and the flood is written in one write, so that the measuring process spends
 * nothing on it. Each round has a quiet phase and a flooded one side by side; the medians over the rounds of each
 * kind's p99 are compared. In the quiet phase a well-behaved client connects the same way and sends one `watch`:
 * both phases carry one new connection, and the difference between them is the flood alone. The file runs alone,
 * after every other test file (vitest.config.ts), so that no other test's load lands in one kind of phase only.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { describe, expect, onTestFinished } from 'vitest';
import { connectSocket, spawnDropline, test, type RecordingSocket } from '../../infra/testing/index.js';

const ROUNDS = 15;
const SAMPLES = 300;
const FLOOD = 20_000;
const CLIENTS = 100;

/** A client WebSocket frame of `text`, masked with a zero key (the protocol asks for a mask, not a secret one). */
function frame(text: string): Buffer {
  const payload = Buffer.from(text);
  const length =
    payload.length < 126
      ? Buffer.from([0x80 | payload.length])
      : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([Buffer.from([0x81]), length, Buffer.alloc(4), payload]);
}

interface FloodResult {
  closed: boolean;
  limited: boolean;
}

/** `count` `watch` frames of one drop, built once: writing them costs the measuring process nothing more. */
const watchFrames = (dropId: string, count: number) =>
  Buffer.concat(Array(count).fill(frame(`42/drops,${JSON.stringify(['watch', { dropId }])}`)));

/**
 * A client speaking Socket.IO's wire protocol over a bare WebSocket: once connected to `/drops`, it writes `frames`
 * in one write. `started` resolves once they are written; `ended` once the connection has closed (the edge hung up,
 * or `close` was called).
 */
function rawClient(url: string, token: string, frames: Buffer) {
  const { hostname, port } = new URL(url);
  let hangUp: () => void = () => {};
  const req = request({
    host: hostname,
    port,
    path: '/socket.io/?EIO=4&transport=websocket',
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': randomBytes(16).toString('base64'),
    },
  });
  let onStart: () => void = () => {};
  const started = new Promise<void>((resolve) => (onStart = resolve));
  const ended = new Promise<FloodResult>((resolve, reject) => {
    req.once('error', reject);
    req.once('upgrade', (_res, tcp, head: Buffer) => {
      let seen = '';
      let [connecting, flooding] = [false, false];
      tcp.on('error', () => {}); // the edge hangs up on the flood: writes may fail, as they should
      hangUp = () => tcp.destroy();
      const read = (chunk: Buffer) => {
        seen += chunk.toString('latin1');
        if (!connecting && seen.includes('0{')) {
          connecting = true;
          tcp.write(frame(`40/drops,${JSON.stringify({ token })}`));
        }
        if (!flooding && seen.includes('40/drops,{"sid"')) {
          flooding = true;
          tcp.write(frames);
          onStart();
        }
      };
      read(head);
      tcp.on('data', read);
      tcp.once('close', () => resolve({ closed: true, limited: seen.includes('rate_limited') }));
    });
  });
  req.end();
  return { started, ended, close: () => hangUp() };
}

type Kind = 'socket' | 'http';
type Samples = Record<Kind, number[]>;

const p99 = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.ceil(samples.length * 0.99) - 1]!;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * SAMPLES sequential round trips of each kind; their p99s in milliseconds. The socket round trips take turns over
 * the clients, each of which stays within its own event rate.
 */
async function measure(url: string, clients: RecordingSocket[], dropId: string) {
  const socket: number[] = [];
  const http: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    let t = performance.now();
    await clients[i % clients.length]!.call('watch', { dropId });
    socket.push(performance.now() - t);
    t = performance.now();
    await (await fetch(`${url}/healthz`)).arrayBuffer();
    http.push(performance.now() - t);
  }
  return { socket, http };
}

describe('a socket flood', () => {
  test(
    'is disconnected, and keeps other clients’ p99 near its quiet value',
    { timeout: 180_000 },
    async ({ api, dropline, databaseUrl, prefix }) => {
      // This process measures: it runs no background work of its own (the edge under test is another process).
      await dropline.admission?.stop();
      await dropline.background.stop();
      const edge = spawnDropline('edge', {
        DATABASE_URL: databaseUrl,
        REDIS_PREFIX: prefix,
        PORT: '0',
        HOST: '127.0.0.1',
      });
      onTestFinished(async () => {
        expect(await edge.stop()).toBe(0);
      });
      const url = `http://127.0.0.1:${(await edge.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]}`;
      const { drop } = await api.openDrop({}, { open: false });
      // Others' round trips, spread over CLIENTS shoppers: three events each a phase, well within its rate.
      const tokens = await Promise.all(
        Array.from({ length: CLIENTS }, async () => (await api.guest()).token),
      );
      const clients = await Promise.all(tokens.map((token) => connectSocket(url, token)));
      onTestFinished(() => clients.forEach((c) => c.close()));

      // The newcomers of every phase, signed in beforehand: no phase pays for a sign-up.
      const newcomers = await Promise.all(
        Array.from({ length: 2 * ROUNDS }, async () => (await api.guest()).token),
      );
      const [one, many] = [watchFrames(drop.id, 1), watchFrames(drop.id, FLOOD)];
      const quiet: Samples[] = [];
      const flooded: Samples[] = [];
      const quietPhase = async () => {
        const polite = rawClient(url, newcomers.pop()!, one);
        await polite.started;
        quiet.push(await measure(url, clients, drop.id));
        polite.close();
        expect(await polite.ended).toEqual({ closed: true, limited: false });
      };
      const floodPhase = async () => {
        const attack = rawClient(url, newcomers.pop()!, many);
        await attack.started;
        flooded.push(await measure(url, clients, drop.id));
        expect(await attack.ended).toEqual({ closed: true, limited: true });
      };
      // Short phases side by side, their order alternating: the machine's own load drifts slowly, so both kinds of
      // phase see the same share of it.
      for (let round = 0; round < ROUNDS; round++) {
        if (round % 2 === 0) await quietPhase();
        await floodPhase();
        if (round % 2 === 1) await quietPhase();
      }
      // The median over the rounds of each kind of phase's p99: a burst of the machine's own load moves a round or
      // two, not the median.
      const ms = (phases: Samples[], kind: Kind) => median(phases.map((m) => p99(m[kind])));
      const ratio = (kind: Kind) => ms(flooded, kind) / ms(quiet, kind);
      const figures = (kind: Kind) =>
        `${ratio(kind).toFixed(2)} (median p99 ${ms(quiet, kind).toFixed(2)} ms quiet, ${ms(flooded, kind).toFixed(2)} ms flooded)`;
      console.log(`flood p99 ratio: socket round trip ${figures('socket')}, GET /healthz ${figures('http')}`);
      expect(ratio('socket')).toBeLessThanOrEqual(2);
      expect(ratio('http')).toBeLessThanOrEqual(2);
    },
  );
});
