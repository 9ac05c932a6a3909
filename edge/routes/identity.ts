/** Sign-up, sign-in, sign-out, guest shoppers and the caller's identity. */
import type { Context, Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { UsersStore } from '../../workers/identity/index.js';
import type { LoginGuard } from '../auth/login-guard.js';
import type { Passwords } from '../auth/password.js';
import type { Role, SessionIdentity, TokenService } from '../auth/tokens.js';
import type { EdgeEnv } from '../context.js';
import type { GuestChallenges } from '../guest-challenge.js';
import type { GuestMerge, MergedJson } from '../guest-merge.js';
import type { HoldPushes } from '../shopper-holds.js';
import { HttpProblem } from '../problems.js';
import { PROOF_HEADER, readProof } from '../proof-of-work.js';
import { clientAddress } from '../middleware/rate-limit.js';
import { requireSession, SESSION_COOKIE } from '../middleware/session.js';
import { readJson } from '../validation.js';
import type { MiddlewareHandler } from 'hono';

export interface UserJson {
  id: string;
  email: string | null;
  role: Role;
  guest: boolean;
  brandId?: string;
}

export interface SessionResponse {
  token: string;
  expiresAt: string;
  user: UserJson;
}

/** Sign-up and sign-in: the session, and what the guest session the request carried handed to the account. */
export interface SignInResponse extends SessionResponse {
  merged: MergedJson;
}

export const email = z
  .email('must be an email address')
  .max(254)
  .transform((v) => v.toLowerCase());
export const password = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(200, 'must be at most 200 characters');
const credentials = z.strictObject({ email, password });

export const userJson = (u: {
  userId?: string;
  id?: string;
  email: string | null;
  role: Role;
  guest: boolean;
  brandId: string | null;
}): UserJson => ({
  id: (u.userId ?? u.id)!,
  email: u.email,
  role: u.role,
  guest: u.guest,
  ...(u.brandId ? { brandId: u.brandId } : {}),
});

export interface IdentityDeps {
  users: UsersStore;
  tokens: TokenService;
  cookieSecure: boolean;
  /** Applied to guest creation; a pass-through when rate limits are off. */
  guestLimit: MiddlewareHandler<EdgeEnv>;
  /** The proof of work a new guest session needs (none at 0 bits). */
  guestChallenges: GuestChallenges;
  /** Per-address limit on whatever checks or sets a password (sign-in, sign-up); a pass-through when off. */
  passwordLimit: MiddlewareHandler<EdgeEnv>;
  /** Hashing on threads of its own, with a bounded concurrency. */
  passwords: Passwords;
  /** Per-account backoff on sign-in. */
  loginGuard: LoginGuard;
  trustProxy: number;
  /** Hands a guest's places, holds and orders to the account it signs up or signs in as. */
  guestMerge: GuestMerge;
  /** Tells the account's connections (other tabs and devices) of the holds a merge gave it. */
  holdPushes?: Pick<HoldPushes, 'push'>;
}

export function registerIdentity(app: Hono<EdgeEnv>, deps: IdentityDeps) {
  const { users, tokens, cookieSecure } = deps;
  const { passwordLimit, passwords, loginGuard } = deps;
  async function startSession(c: Context<EdgeEnv>, identity: SessionIdentity): Promise<SessionResponse> {
    const { token, expiresAt } = await tokens.sign(identity);
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      secure: cookieSecure,
      sameSite: 'Lax',
      path: '/',
      maxAge: tokens.ttlSeconds,
    });
    return { token, expiresAt: expiresAt.toISOString(), user: userJson(identity) };
  }

  /**
   * The request's guest session (cookie or Bearer), merged into the shopper account now signed in; nothing without
   * one, or for an account that is not a shopper's. Before the new session's cookie is set: should the merge fail,
   * the guest's cookie stays and the next sign-in merges again.
   */
  async function mergeGuest(c: Context<EdgeEnv>, account: { id: string; role: Role }): Promise<MergedJson> {
    const current = c.get('session');
    if (!current?.guest || account.role !== 'shopper') return { places: 0, holds: 0, orders: 0 };
    const { merged, holds } = await deps.guestMerge.merge(current.userId, account.id);
    for (const h of holds)
      deps.holdPushes?.push(account.id, {
        dropId: h.dropId,
        reservationId: h.reservationId,
        status: 'held',
        quantity: h.quantity,
        expiresAt: h.expiresAt.toISOString(),
      });
    return merged;
  }

  app.post('/api/auth/signup', passwordLimit, async (c) => {
    const body = await readJson(c, credentials);
    const user = await users.create({
      email: body.email,
      passwordHash: await passwords.hash(body.password, c.req.raw.signal),
      role: 'shopper',
    });
    const merged = await mergeGuest(c, user);
    const response: SignInResponse = { ...(await startSession(c, { ...user, userId: user.id })), merged };
    return c.json(response, 201);
  });

  app.post('/api/auth/login', passwordLimit, async (c) => {
    const body = await readJson(c, credentials);
    const address = clientAddress(c, deps.trustProxy);
    await loginGuard.attempt(body.email, address);
    const found = await users.findByEmail(body.email);
    const { ok, rehash } = await passwords.verify(body.password, found?.passwordHash, c.req.raw.signal);
    if (!found || !ok) throw new HttpProblem('unauthorized', 'wrong email or password');
    await loginGuard.succeeded(body.email, address);
    // Told only to whoever knows the password: a disabled account gets no session until an operator enables it.
    if (found.user.disabledAt) throw new HttpProblem('account_disabled', 'this account is disabled');
    // An older, cheaper hash is stored again at today's cost; should that fail, the next sign-in tries again.
    if (rehash)
      await passwords
        .hash(body.password)
        .then((hash) => users.setPasswordHash(found.user.id, hash))
        .catch((error: unknown) => c.get('log').warn({ err: error }, 'could not rehash a password'));
    const merged = await mergeGuest(c, found.user);
    const response: SignInResponse = {
      ...(await startSession(c, { ...found.user, userId: found.user.id })),
      merged,
    };
    return c.json(response);
  });

  // Always 204: signing out must work even with an expired or broken cookie or Bearer token, which it clears.
  app.post('/api/auth/logout', (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: cookieSecure });
    return c.body(null, 204);
  });

  registerGuest(app, deps, startSession);

  app.get('/api/auth/me', (c) => c.json({ user: userJson(requireSession(c)) }));
  // Operator-created users: routes/admin-users.ts.
}

/**
 * Guest sessions, and the proof-of-work challenge they may need first. A guest is a signed identity only: no hashing
 * and no database write (it is recorded by its first event).
 */
function registerGuest(
  app: Hono<EdgeEnv>,
  { guestLimit, guestChallenges }: Pick<IdentityDeps, 'guestLimit' | 'guestChallenges'>,
  startSession: (c: Context<EdgeEnv>, identity: SessionIdentity) => Promise<SessionResponse>,
) {
  app.post('/api/auth/guest/challenge', guestLimit, async (c) => {
    const issued = await guestChallenges.issue();
    return c.json({ ...issued, expiresAt: issued.expiresAt.toISOString() }, 201);
  });

  app.post('/api/auth/guest', guestLimit, async (c) => {
    await guestChallenges.check(readProof(c.req.header(PROOF_HEADER)));
    const guest = {
      userId: crypto.randomUUID(),
      role: 'shopper',
      email: null,
      brandId: null,
      guest: true,
    } as const;
    return c.json(await startSession(c, guest), 201);
  });
}
