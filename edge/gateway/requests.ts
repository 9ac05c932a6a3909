/**
 * Client requests on `/drops`. `watch {dropId}` answers (ack) with the shopper's exact state, read from Redis, and
 * subscribes the socket to the drop's `status` and `stock` events, and while the shopper waits to `queue` pushes.
 * `join {dropId}` joins the waiting room (as POST …/queue does) and watches, in one message. A bad payload, a drop
 * past the watch limit or a failure gets an `error` event (and an ack with `{error}`) for that socket only.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { QueueView, WaitingRoom } from '../../queue/index.js';
import type { AdmissionTokens } from '../auth/admission.js';
import { addressFrom, type RateLimiter } from '../middleware/rate-limit.js';
import { HttpProblem } from '../problems.js';
import { readProof } from '../proof-of-work.js';
import { queueStateJson } from '../queue-state.js';
import type { ClientToServerEvents, SocketFailure } from '../socket-contract.js';
import { limitEvents, type EventRate } from './event-rate.js';
import { socketError } from './socket-error.js';
import type { DropsNamespace, DropsSocket } from './types.js';
import { createWatchSlots, type WatchSlots } from './watch-slots.js';
import type { Watchers } from './watchers.js';

export interface RequestDeps {
  waitingRoom: WaitingRoom;
  admissionTokens: AdmissionTokens;
  watchers: Watchers;
  log: Logger;
  clock: Pick<DateConstructor, 'now'>;
  /** How many drops one socket may watch. */
  maxWatches: number;
  /** The per-address limit on joins, shared with POST …/queue. */
  joinLimiter: RateLimiter;
  trustProxy: number;
  /** Each socket's event rate; past it the socket is disconnected. */
  eventRate: EventRate;
}

const dropPayload = z.object({ dropId: z.uuid(), proof: z.string().max(64).optional() });
type DropPayload = z.infer<typeof dropPayload>;

/** Serves `watch` and `join` on every socket of the namespace. */
export function serveRequests(drops: DropsNamespace, deps: RequestDeps): void {
  drops.on('connection', (socket) => serveSocket(socket, deps));
}

function serveSocket(socket: DropsSocket, deps: RequestDeps): void {
  const { waitingRoom, watchers, joinLimiter } = deps;
  // Set by the handshake, which lets no socket in without a session.
  const { session } = socket.data;
  limitEvents(socket, deps.eventRate, deps);
  void socket.join(`u:${session.userId}`);
  const watching = new Set<string>();
  const address = clientAddress(socket, deps.trustProxy);
  const request = requestRunner(socket, createWatchSlots(watching, deps.maxWatches), deps);

  /** Subscribes the socket to the drop's events and, while the shopper waits, to `queue` pushes. */
  const follow = (dropId: string, view: QueueView) => {
    watching.add(dropId);
    void socket.join(`d:${dropId}`);
    watchers.watch(dropId, socket, view, deps.clock.now());
    return queueStateJson(view, { dropId, shopperId: session.userId }, deps.admissionTokens);
  };

  socket.on(
    'watch',
    request('watch', async (dropId) => follow(dropId, await waitingRoom.state(dropId, session.userId))),
  );

  // Joining and watching in one message: the quickest way in at the opening second.
  socket.on(
    'join',
    request('join', async (dropId, payload) => {
      if (session.role !== 'shopper') throw new HttpProblem('forbidden', 'only shoppers join a waiting room');
      await joinLimiter(address);
      const proof = readProof(payload.proof, 'proof');
      const { created, view } = await waitingRoom.join(dropId, session.userId, proof);
      // The shopper's other tabs and devices ask again (as POST …/queue tells them).
      if (created) socket.to(`u:${session.userId}`).emit('place', { dropId });
      return { created, ...(await follow(dropId, view)) };
    }),
  );

  socket.on('disconnect', () => watchers.forget(socket.id, watching));
}

/**
 * Makes the listener of one client request: a valid `{dropId}`, within the watch limit, then `act`; its answer or
 * error goes to this socket only.
 */
function requestRunner(socket: DropsSocket, slots: WatchSlots, { log, maxWatches }: RequestDeps) {
  return <T>(event: keyof ClientToServerEvents, act: (dropId: string, payload: DropPayload) => Promise<T>) =>
    (payload: unknown, ack?: (answer: T | SocketFailure) => void): void => {
      // The client decides what follows its payload: only a function is Socket.IO's ack, anything else is data.
      const reply = typeof ack === 'function' ? ack : undefined;
      const run = async () => {
        const parsed = dropPayload.safeParse(payload);
        if (!parsed.success)
          throw new HttpProblem('validation_failed', `${event} takes {dropId} with a drop id`);
        const { dropId } = parsed.data;
        // Claimed before the first await: requests in flight count toward the limit as much as drops watched.
        if (!slots.claim(dropId)) {
          throw new HttpProblem('rate_limited', `a connection may watch at most ${maxWatches} drops`);
        }
        try {
          // Acted on first: `reply?.(await act(…))` would skip `act` itself when the client asked for no ack.
          const answer = await act(dropId, parsed.data);
          reply?.(answer);
        } finally {
          slots.release(dropId);
        }
      };
      run().catch((error: unknown) => {
        const data = socketError(error);
        if (data.code === 'internal') log.error({ err: error, event }, 'socket request failed');
        socket.emit('error', data);
        reply?.({ error: data });
      });
    };
}

/** The client's address for the join limit, read as the HTTP routes read it. */
function clientAddress(socket: DropsSocket, trustProxy: number): string {
  const forwarded = socket.handshake.headers['x-forwarded-for'];
  return addressFrom(
    Array.isArray(forwarded) ? forwarded.join(',') : forwarded,
    socket.handshake.address,
    trustProxy,
  );
}
