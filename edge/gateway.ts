/**
 * The Socket.IO gateway: path `/socket.io`, namespace `/drops`.
 *
 * - The handshake is authenticated with `auth: {token}` or the session cookie; a refused handshake gets a
 *   `connect_error` whose `data` is `{code, message}` with the contract's code.
 * - `watch {dropId}` answers (ack) with the shopper's exact state, read from Redis, and subscribes the socket to
 *   the drop's `status` and `stock` events; a waiting shopper then gets `queue` events. `join {dropId}` joins the
 *   waiting room (as POST …/queue does) and watches, in one message.
 * - `queue` events cost no Redis call per shopper: the admission leader shares one summary per drop a second
 *   (nowServing, queueLength, rate, paused) with every edge, and each edge derives its own sockets' places from it
 *   (pushed `ahead = max(0, position − nowServing − 1)`, an upper bound; the ack and GET …/queue/me are exact).
 * - `status` and `stock` go through the Socket.IO Redis adapter, so they reach a shopper on any edge. `admitted`
 *   goes to this edge's sockets directly and to the other edges as one message per tick (the tick's admissions),
 *   not one Redis message per shopper that every edge would decode.
 * - A bad payload gets an `error` event (and an ack with `{error}`) for that socket only.
 */
import type { Server as HttpServer } from 'node:http';
import { parse as parseCookies } from 'hono/utils/cookie';
import type { Logger } from 'pino';
import { Server, type Namespace, type Socket } from 'socket.io';
import { z } from 'zod';
import { etaSeconds, type QueueView, type TickResult, type WaitingRoom } from '../queue/index.js';
import type { AdmissionTokens } from './auth/admission.js';
import type { Session, TokenService } from './auth/tokens.js';
import { addressFrom, unlimited, type RateLimiter } from './middleware/rate-limit.js';
import { SESSION_COOKIE } from './middleware/session.js';
import { HttpProblem, toProblem } from './problems.js';
import { queueStateJson } from './queue-state.js';

export interface SocketData {
  session: Session;
}

export interface Gateway {
  io: Server;
  drops: Namespace;
  /** Hands one admission tick (this edge leads the drop) to every edge's shoppers. */
  onTick(result: TickResult): Promise<void>;
  /** Disconnects every client and stops accepting new ones. */
  close(): Promise<void>;
}

export interface GatewayDeps {
  tokens: TokenService;
  admissionTokens: AdmissionTokens;
  waitingRoom: WaitingRoom;
  log: Logger;
  /** Socket.IO adapter factory (the Redis adapter, so events reach sockets on every edge). */
  adapter?: Parameters<Server['adapter']>[0];
  clock?: { now(): number };
  /** How many drops one socket may watch. */
  maxWatchesPerSocket?: number;
  /** The per-address limit on joins, shared with POST …/queue. */
  joinLimiter?: RateLimiter;
  trustProxy?: number;
}

/** A socket error as the contract gives it: `{code, message}`. */
export function socketError(error: unknown): { code: string; message: string } {
  const { problem } = toProblem(error);
  return { code: problem.code, message: problem.detail };
}

const dropPayload = z.object({ dropId: z.uuid() });

/** The per-drop summary the leader shares with every edge, once a second. */
const summarySchema = z.object({
  dropId: z.uuid(),
  dropStatus: z.string(),
  nowServing: z.number().int().min(0),
  queueLength: z.number().int().min(0),
  perMinute: z.number().min(0),
  paused: z.boolean(),
  soldOut: z.boolean(),
  /** When the leader made the summary (ms since the epoch): pushes carry it, so clients can tell how fresh they are. */
  at: z.number(),
});
type Summary = z.infer<typeof summarySchema>;

/** One tick's admissions, which the leader hands to the other edges. */
const admittedSchema = z.object({
  dropId: z.uuid(),
  admissions: z.array(z.object({ shopperId: z.string(), token: z.string(), expiresAt: z.string() })),
});
type AdmittedBatch = z.infer<typeof admittedSchema>;

interface Watcher {
  socket: Socket;
  shopperId: string;
  /** null while in the pre-queue (the place comes at opening) or when not queued. */
  position: number | null;
  waiting: boolean;
  /** `status|ahead|etaSeconds` last told: a change of any is the line moving for this shopper. */
  lastMove: string;
  /** The whole payload last told (the queue length too), refreshed at most every REFRESH_MS. */
  lastPayload: string;
  lastPushAt: number;
}

const SUMMARY_EVERY_MS = 1000;
/** A change that does not move the shopper's place (the queue grew behind it) is told at most this often. */
const REFRESH_MS = 5000;

const moveKey = (status: string, ahead: number | null, eta: number | null) => `${status}|${ahead}|${eta}`;

export function attachGateway(server: HttpServer, deps: GatewayDeps): Gateway {
  const { tokens, admissionTokens, waitingRoom, log } = deps;
  const clock = deps.clock ?? Date;
  const maxWatches = deps.maxWatchesPerSocket ?? 20;
  const joinLimiter = deps.joinLimiter ?? unlimited;
  const trustProxy = deps.trustProxy ?? 0;
  const io = new Server(server, { path: '/socket.io', serveClient: false });
  if (deps.adapter) io.adapter(deps.adapter);
  const drops = io.of('/drops');

  /** dropId → socket id → watcher, for this edge's sockets only. */
  const watchers = new Map<string, Map<string, Watcher>>();
  /** What this edge last saw of each drop's status (to refresh pre-queue places at opening). */
  const seenStatus = new Map<string, string>();
  /** What this edge, as leader, last told each drop's room. */
  const told = new Map<string, { status?: string; stock?: string; stockAt: number; summaryAt: number }>();

  drops.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const given = typeof auth?.token === 'string' ? auth.token : undefined;
    const cookie = parseCookies(socket.handshake.headers.cookie ?? '', SESSION_COOKIE)[SESSION_COOKIE];
    const token = given ?? cookie;
    const refuse = (error: unknown) => {
      const data = socketError(error);
      next(Object.assign(new Error(data.message), { data }));
    };
    if (!token) return refuse(new HttpProblem('unauthorized', 'sign in first'));
    tokens.verify(token).then((session) => {
      (socket.data as SocketData).session = session;
      next();
    }, refuse);
  });

  drops.on('connection', (socket) => {
    const { session } = socket.data as SocketData;
    void socket.join(`u:${session.userId}`);
    const watching = new Set<string>();
    const forwarded = socket.handshake.headers['x-forwarded-for'];
    const address = addressFrom(
      Array.isArray(forwarded) ? forwarded.join(',') : forwarded,
      socket.handshake.address,
      trustProxy,
    );

    /** Subscribes the socket to the drop's events and, while the shopper waits, to `queue` pushes. */
    const follow = (dropId: string, view: QueueView) => {
      watching.add(dropId);
      void socket.join(`d:${dropId}`);
      const byDrop = watchers.get(dropId) ?? new Map<string, Watcher>();
      watchers.set(dropId, byDrop);
      byDrop.set(socket.id, {
        socket,
        shopperId: session.userId,
        position: view.position,
        waiting: view.status === 'waiting' || view.status === 'sold_out' || view.status === 'prequeue',
        // The ack tells the shopper the exact state: no push is due until the line moves.
        lastMove: moveKey(view.status, view.ahead, view.etaSeconds),
        lastPayload: '',
        lastPushAt: clock.now(),
      });
      return queueStateJson(view, { dropId, shopperId: session.userId }, admissionTokens);
    };

    /** Runs one client request: a valid `{dropId}`, within the watch limit; errors go to that socket only. */
    const handle =
      (event: string, act: (dropId: string) => Promise<unknown>) =>
      async (payload: unknown, ack?: unknown) => {
        const reply = typeof ack === 'function' ? (ack as (answer: unknown) => void) : undefined;
        try {
          const parsed = dropPayload.safeParse(payload);
          if (!parsed.success)
            throw new HttpProblem('validation_failed', `${event} takes {dropId} with a drop id`);
          const { dropId } = parsed.data;
          if (!watching.has(dropId) && watching.size >= maxWatches) {
            throw new HttpProblem('rate_limited', `a connection may watch at most ${maxWatches} drops`);
          }
          reply?.(await act(dropId));
        } catch (error) {
          const data = socketError(error);
          if (data.code === 'internal') log.error({ err: error, event }, 'socket request failed');
          socket.emit('error', data);
          reply?.({ error: data });
        }
      };

    socket.on(
      'watch',
      handle('watch', async (dropId) => follow(dropId, await waitingRoom.state(dropId, session.userId))),
    );

    // Joining and watching in one message: the quickest way in at the opening second.
    socket.on(
      'join',
      handle('join', async (dropId) => {
        if (session.role !== 'shopper')
          throw new HttpProblem('forbidden', 'only shoppers join a waiting room');
        await joinLimiter(address);
        const { created, view } = await waitingRoom.join(dropId, session.userId);
        return { created, ...(await follow(dropId, view)) };
      }),
    );

    socket.on('disconnect', () => {
      for (const dropId of watching) {
        const byDrop = watchers.get(dropId);
        byDrop?.delete(socket.id);
        if (byDrop?.size === 0) watchers.delete(dropId);
      }
    });
  });

  /** Pushes `queue` to this edge's waiting sockets of one drop, from the shared summary. */
  async function pushPlaces(summary: Summary): Promise<void> {
    const byDrop = watchers.get(summary.dropId);
    if (!byDrop) return;
    const opened = seenStatus.get(summary.dropId) !== summary.dropStatus;
    seenStatus.set(summary.dropId, summary.dropStatus);
    if (opened && (summary.dropStatus === 'open' || summary.dropStatus === 'sold_out')) {
      // Pre-queued shoppers got their places at opening: one read for all of this edge's, not one per shopper.
      const unplaced = [...byDrop.values()].filter((w) => w.waiting && w.position === null);
      const places = await waitingRoom.places(
        summary.dropId,
        unplaced.map((w) => w.shopperId),
      );
      for (const w of unplaced) w.position = places.get(w.shopperId)?.position ?? null;
    }
    const now = clock.now();
    for (const w of byDrop.values()) {
      if (!w.waiting || w.position === null) continue;
      if (w.position <= summary.nowServing) {
        w.waiting = false; // admitted (or left): `admitted` reaches the shopper through its own room
        continue;
      }
      const ahead = Math.max(0, w.position - summary.nowServing - 1);
      const stopped = summary.paused || summary.soldOut;
      const payload = {
        dropId: summary.dropId,
        status: summary.soldOut ? 'sold_out' : 'waiting',
        position: w.position,
        ahead,
        queueLength: summary.queueLength,
        etaSeconds: stopped ? null : etaSeconds(ahead, summary.perMinute),
      };
      // The line moved for this shopper: tell at once (summaries come once a second). Only the queue grew behind:
      // tell at most every REFRESH_MS — a join storm would otherwise push to every watcher every second.
      const move = moveKey(payload.status, payload.ahead, payload.etaSeconds);
      const text = JSON.stringify(payload);
      if (move !== w.lastMove || (text !== w.lastPayload && now - w.lastPushAt >= REFRESH_MS)) {
        w.socket.emit('queue', { ...payload, at: summary.at });
        w.lastMove = move;
        w.lastPayload = text;
        w.lastPushAt = now;
      }
    }
  }

  /** Tells this edge's sockets of each admitted shopper. */
  function deliverAdmitted({ dropId, admissions }: AdmittedBatch): void {
    for (const a of admissions)
      drops.local.to(`u:${a.shopperId}`).emit('admitted', { dropId, token: a.token, expiresAt: a.expiresAt });
  }

  // Admissions and summaries from the leaders on other edges.
  drops.on('admitted', (raw: unknown) => {
    const batch = admittedSchema.safeParse(raw);
    if (!batch.success) return log.warn('ignoring a malformed admission batch');
    deliverAdmitted(batch.data);
  });

  drops.on('tick', (raw: unknown) => {
    const summary = summarySchema.safeParse(raw);
    if (!summary.success) return log.warn('ignoring a malformed admission summary');
    pushPlaces(summary.data).catch((error: unknown) =>
      log.error({ err: error }, 'pushing queue places failed'),
    );
  });

  return {
    io,
    drops,
    async onTick(result) {
      const now = clock.now();
      const last = told.get(result.dropId) ?? { stockAt: 0, summaryAt: 0 };
      told.set(result.dropId, last);
      const room = drops.to(`d:${result.dropId}`);

      if (result.admitted.length > 0) {
        const batch: AdmittedBatch = {
          dropId: result.dropId,
          admissions: await Promise.all(
            result.admitted.map(async (a) => ({
              shopperId: a.shopperId,
              token: await admissionTokens.sign({
                shopperId: a.shopperId,
                dropId: result.dropId,
                expiresAt: a.admissionEndsAt,
              }),
              expiresAt: a.admissionEndsAt.toISOString(),
            })),
          ),
        };
        deliverAdmitted(batch);
        drops.serverSideEmit('admitted', batch);
      }
      if (last.status !== result.dropStatus) {
        last.status = result.dropStatus;
        room.emit('status', { dropId: result.dropId, status: result.dropStatus });
      }
      if (result.stock) {
        const stock = JSON.stringify(result.stock);
        if (stock !== last.stock && now - last.stockAt >= SUMMARY_EVERY_MS) {
          last.stock = stock;
          last.stockAt = now;
          room.emit('stock', { dropId: result.dropId, ...result.stock });
        }
      }
      if (now - last.summaryAt >= SUMMARY_EVERY_MS) {
        last.summaryAt = now;
        const summary: Summary = {
          dropId: result.dropId,
          dropStatus: result.dropStatus,
          nowServing: result.nowServing,
          queueLength: result.queueLength,
          perMinute: result.perMinute,
          paused: result.paused,
          soldOut: result.stock?.available === 0 || result.dropStatus === 'sold_out',
          at: now,
        };
        drops.serverSideEmit('tick', summary);
        await pushPlaces(summary);
      }
    },
    async close() {
      io.disconnectSockets(true);
      io.engine.close();
      await Promise.all([...io._nsps.values()].map((nsp) => Promise.resolve(nsp.adapter.close())));
    },
  };
}
