/**
 * The property that no socket payload is a server fault: hostile `watch` and `join` payloads (and events the contract
 * does not have) from every kind of client, against a real Socket.IO server, get a success or `{error}` with a 4xx
 * code, never `internal` or `unavailable`; the socket stays connected; and a refused request changes nothing.
 */
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { afterAll, describe, expect, onTestFinished } from 'vitest';
import {
  connectSocket,
  hostile,
  stateSnapshots,
  test,
  type Api,
  type RecordingSocket,
} from '../../infra/testing/index.js';
import { PROBLEMS, type ProblemCode } from '../index.js';

/** Events one socket sends before it is replaced: inside the per-socket event rate's burst (40 by default). */
const EVENTS_PER_SOCKET = 30;
const ACK_TIMEOUT_MS = 5000;
const tally = new Map<string, number>();

afterAll(() => {
  const total = [...tally.values()].reduce((a, b) => a + b, 0);
  const lines = [...tally].map(([outcome, n]) => `  ${outcome}: ${n}`).join('\n');
  console.log(`socket input properties: ${total} socket cases\n${lines}`);
});

type Who = 'guest' | 'shopper' | 'brand' | 'operator';

/** An open drop (admission paused, so nothing moves its keys by itself) and a scheduled one. */
async function drops(api: Api) {
  const { operator, brand, drop } = await api.openDrop({ title: 'Cup', stock: 5 });
  const paused = await api.put(`/api/admin/drops/${drop.id}/admission`, {
    token: operator.token,
    body: { paused: true },
  });
  expect(paused.status).toBe(200);
  const { drop: scheduled } = await api.openDrop({ title: 'Plate' }, { open: false });
  const tokens: Record<Who, string> = {
    guest: (await api.guest()).token,
    shopper: (await api.shopper()).token,
    brand: brand.token,
    operator: operator.token,
  };
  return { open: drop.id, scheduled: scheduled.id, tokens };
}

/** A `dropId` as a client might send it: a real one, one in another case, a UUID of nothing, anything at all. */
const dropIdOf = (ids: string[]) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...ids) },
    { weight: 1, arbitrary: fc.constantFrom(...ids).map((id) => id.toUpperCase()) },
    { weight: 1, arbitrary: fc.constantFrom(...ids).map((id) => `${id}\u0000`) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 3, arbitrary: hostile.hostileValue },
  );

const payloadOf = (ids: string[]) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ dropId: dropIdOf(ids) }) },
    {
      weight: 2,
      // `join`'s proof of work: `<challenge>.<nonce>`, or anything.
      arbitrary: fc.record({
        dropId: dropIdOf(ids),
        proof: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{22}\.\d{1,30}$/), hostile.hostileValue),
      }),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(dropIdOf(ids), hostile.hostileString(10), hostile.hostileValue)
        .map(([dropId, key, value]) => ({ dropId, [key]: value })),
    },
    { weight: 2, arbitrary: hostile.hostileValue },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
  );

const caseOf = (ids: string[]) =>
  fc.record({
    who: fc.constantFrom<Who>('guest', 'guest', 'shopper', 'brand', 'operator'),
    event: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('watch', 'join') },
      { weight: 1, arbitrary: fc.constantFrom('leave', 'admitted', 'queue', 'error', 'tick', 'constructor') },
    ),
    payload: payloadOf(ids),
    // Without an ack, the answer can only be an `error` push; extra arguments then are data, not an ack.
    withAck: fc.boolean(),
    extra: fc.array(hostile.hostileValue, { maxLength: 2 }),
  });

const isClientProblem = (code: unknown) =>
  typeof code === 'string' && Object.hasOwn(PROBLEMS, code) && PROBLEMS[code as ProblemCode].status < 500;

/** Sockets per caller, each replaced after EVENTS_PER_SOCKET events; every one opened is checked at the end. */
function socketPool(url: string, tokens: Record<Who, string>) {
  const live = new Map<Who, { socket: RecordingSocket; used: number }>();
  const all: RecordingSocket[] = [];
  onTestFinished(() => all.forEach((s) => s.close()));
  return {
    all,
    /** A socket of `who` that may still send `events` events. */
    async get(who: Who, events: number): Promise<RecordingSocket> {
      const current = live.get(who);
      if (current && current.used + events <= EVENTS_PER_SOCKET) {
        current.used += events;
        return current.socket;
      }
      current?.socket.close();
      const socket = await connectSocket(url, tokens[who]);
      all.push(socket);
      live.set(who, { socket, used: events });
      return socket;
    },
  };
}

describe('no socket payload is a server fault', () => {
  test(
    'hostile watch and join payloads: a success or a 4xx error, the socket kept, a refusal changing nothing',
    { timeout: 120_000 },
    async ({ api, dropline, prefix }) => {
      const server = await dropline.listen(0, '127.0.0.1');
      const url = `http://127.0.0.1:${server.port}`;
      const world = await drops(api);
      const snapshots = stateSnapshots({ sql: dropline.sql, redis: dropline.redis, prefix });
      const watched = [world.open, world.scheduled];
      const pool = socketPool(url, world.tokens);

      await fc.assert(
        fc.asyncProperty(caseOf([world.open, world.scheduled]), async (c) => {
          const acked = c.withAck && (c.event === 'watch' || c.event === 'join');
          // Without an ack, an acknowledged `watch` follows: two events.
          const s = await pool.get(c.who, acked ? 1 : 2);
          const untyped: Socket = s.untyped;
          const before = await snapshots.take(watched);
          const errorsBefore = s.received('error').length;
          let refused: boolean;
          if (acked) {
            const answer: unknown = await untyped.timeout(ACK_TIMEOUT_MS).emitWithAck(c.event, c.payload);
            const error = (answer as { error?: { code?: unknown } } | null)?.error;
            refused = error !== undefined;
            if (refused) expect(isClientProblem(error?.code), JSON.stringify({ c, answer })).toBe(true);
            else expect(answer).toMatchObject({ status: expect.any(String) });
          } else {
            untyped.emit(c.event, c.payload, ...c.extra);
            // An acknowledged request after it: the server has handled what came before by the time it answers.
            await s.call('watch', { dropId: world.open }, ACK_TIMEOUT_MS);
            refused = s.received('error').length > errorsBefore;
          }
          const known = c.event === 'watch' || c.event === 'join';
          const outcome = `${known ? c.event : 'unknown event'} ${refused ? 'refused' : known ? 'answered' : 'ignored'}`;
          tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
          for (const error of s.received('error'))
            expect(isClientProblem(error.code), JSON.stringify(error)).toBe(true);
          expect(s.socket.connected).toBe(true);
          if (refused) expect(await snapshots.take(watched)).toEqual(before);
        }),
        { numRuns: 600 },
      );
      for (const s of pool.all) {
        expect(s.received('error').filter((e) => !isClientProblem(e.code))).toEqual([]);
      }
    },
  );
});
