/**
 * The waiting room over HTTP: join, read one's place, leave; and a proof-of-work challenge to join with, for a drop
 * whose operator asks for one (a join without a solution is refused with `challenge_failed`).
 */
import type { Hono, MiddlewareHandler } from 'hono';
import type { WaitingRoom } from '../../queue/index.js';
import type { AdmissionTokens } from '../auth/admission.js';
import type { EdgeEnv } from '../context.js';
import { requireRole } from '../middleware/session.js';
import { PROOF_HEADER, readProof } from '../proof-of-work.js';
import { queueStateJson, type QueueStateJson } from '../queue-state.js';
import type { HoldPushes, ShopperHolds } from '../shopper-holds.js';
import { pathId } from '../validation.js';

export interface QueueRouteDeps {
  waitingRoom: WaitingRoom;
  /** For `GET …/queue/me`: the shopper's live hold on the drop. */
  shopperHolds: ShopperHolds;
  /** Tells the shopper's other tabs and devices that it joined or left. */
  holdPushes: HoldPushes;
  admissionTokens: AdmissionTokens;
  /** Applied to joining; a pass-through when rate limits are off. */
  joinLimit: MiddlewareHandler<EdgeEnv>;
}

/** A challenge to solve before joining: find a nonce such that SHA-256(`<challenge>:<nonce>`) has `bits` zeros. */
export interface ChallengeJson {
  challenge: string;
  bits: number;
  expiresAt: string;
}

/** `GET …/queue/me`: one's place, and the hold one has on the drop (live in Redis), so any tab can pay it. */
export interface QueueMeJson extends QueueStateJson {
  hold: { reservationId: string; expiresAt: string; quantity: number; amountCents: number } | null;
}

export function registerQueue(
  app: Hono<EdgeEnv>,
  { waitingRoom, shopperHolds, holdPushes, admissionTokens, joinLimit }: QueueRouteDeps,
) {
  app.post('/api/drops/:id/queue', joinLimit, async (c) => {
    const shopper = requireRole(c, 'shopper');
    const dropId = pathId(c, 'id', 'drop');
    const proof = readProof(c.req.header(PROOF_HEADER));
    const { created, view } = await waitingRoom.join(dropId, shopper.userId, proof);
    if (created) holdPushes.place(shopper.userId, { dropId });
    return c.json(
      await queueStateJson(view, { dropId, shopperId: shopper.userId }, admissionTokens),
      created ? 201 : 200,
    );
  });

  app.post('/api/drops/:id/queue/challenge', joinLimit, async (c) => {
    const shopper = requireRole(c, 'shopper');
    const issued = await waitingRoom.challenge(pathId(c, 'id', 'drop'), shopper.userId);
    const body: ChallengeJson = { ...issued, expiresAt: issued.expiresAt.toISOString() };
    return c.json(body, 201);
  });

  app.get('/api/drops/:id/queue/me', async (c) => {
    const shopper = requireRole(c, 'shopper');
    const dropId = pathId(c, 'id', 'drop');
    const [view, hold] = await Promise.all([
      waitingRoom.state(dropId, shopper.userId),
      shopperHolds.liveOn(shopper.userId, dropId),
    ]);
    const state = await queueStateJson(view, { dropId, shopperId: shopper.userId }, admissionTokens);
    const me: QueueMeJson = {
      ...state,
      hold: hold && {
        reservationId: hold.id,
        expiresAt: hold.expiresAt.toISOString(),
        quantity: hold.quantity,
        amountCents: hold.amountCents,
      },
    };
    return c.json(me);
  });

  app.delete('/api/drops/:id/queue/me', async (c) => {
    const shopper = requireRole(c, 'shopper');
    const dropId = pathId(c, 'id', 'drop');
    await waitingRoom.leave(dropId, shopper.userId);
    holdPushes.place(shopper.userId, { dropId });
    return c.body(null, 204);
  });
}
