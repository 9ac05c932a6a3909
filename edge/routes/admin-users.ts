/**
 * The operator manages people: creates users (a brand user with a new brand or joining an existing one), lists and
 * searches them, disables and enables them, sets a new password, and reads each user's audit. Disabling and a new
 * password end the user's sessions on every edge at once (auth/ended-sessions.ts).
 */
import type { Hono, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { ListedUser, UserAccess, UsersStore } from '../../workers/identity/index.js';
import type { SessionEnds } from '../auth/ended-sessions.js';
import type { Passwords } from '../auth/password.js';
import type { Role } from '../auth/tokens.js';
import type { EdgeEnv } from '../context.js';
import { lineText, searchText } from '../input-rules.js';
import { requireRole } from '../middleware/session.js';
import { HttpProblem } from '../problems.js';
import { decodeCursor, encodeCursor, paging, pathId, readJson, readQuery } from '../validation.js';
import { email, password, userJson, type UserJson } from './identity.js';

/** A registered user as the operator sees it (guests are never listed). */
export interface AdminUserJson {
  id: string;
  email: string;
  role: Role;
  brand: { id: string; name: string } | null;
  guest: false;
  disabled: boolean;
  disabledAt: string | null;
  createdAt: string;
}

export interface AdminUserListResponse {
  users: AdminUserJson[];
  nextCursor: string | null;
}

export interface UserAuditJson {
  entries: {
    at: string;
    actor: string;
    actorEmail: string | null;
    change: { field: string; from: unknown; to: unknown };
  }[];
  nextCursor: string | null;
}

const newUser = z
  .strictObject({
    email,
    password,
    role: z.enum(['shopper', 'brand', 'operator']),
    brandName: lineText(200).optional(),
    brandId: z.uuid('must be a brand id').optional(),
  })
  .superRefine((v, ctx) => {
    const brand = v.brandName !== undefined || v.brandId !== undefined;
    if (v.role === 'brand' && !brand)
      ctx.addIssue({ code: 'custom', path: ['brandName'], message: 'required for a brand user' });
    if (v.role === 'brand' && v.brandName !== undefined && v.brandId !== undefined)
      ctx.addIssue({ code: 'custom', path: ['brandId'], message: 'give brandName or brandId, not both' });
    if (v.role !== 'brand' && brand)
      ctx.addIssue({
        code: 'custom',
        path: [v.brandName !== undefined ? 'brandName' : 'brandId'],
        message: 'only for a brand user',
      });
  });

const listQuery = z.strictObject({
  q: searchText(254).optional(),
  role: z.enum(['shopper', 'brand', 'operator']).optional(),
  ...paging,
});
const listCursor = searchText(254);

const auditQuery = z.strictObject(paging);
const auditCursor = z.string().regex(/^\d{1,18}$/);

const newPassword = z.strictObject({ password });

const adminUserJson = (u: ListedUser): AdminUserJson => ({
  id: u.id,
  email: u.email,
  role: u.role,
  brand: u.brand,
  guest: false,
  disabled: u.disabledAt !== null,
  disabledAt: u.disabledAt?.toISOString() ?? null,
  createdAt: u.createdAt.toISOString(),
});

export interface AdminUsersDeps {
  users: UsersStore;
  access: UserAccess;
  passwords: Passwords;
  /** Per-address limit on whatever sets a password; a pass-through when off. */
  passwordLimit: MiddlewareHandler<EdgeEnv>;
  /** Ends a user's sessions on every edge (after the change is committed). */
  sessionEnds: Pick<SessionEnds, 'publish'>;
  clock?: Pick<DateConstructor, 'now'>;
}

export function registerAdminUsers(app: Hono<EdgeEnv>, deps: AdminUsersDeps) {
  const { users, access, passwords, passwordLimit, sessionEnds } = deps;
  const clock = deps.clock ?? Date;

  app.post('/api/admin/users', passwordLimit, async (c) => {
    const operator = requireRole(c, 'operator');
    const body = await readJson(c, newUser);
    const user = await users.create({
      email: body.email,
      passwordHash: await passwords.hash(body.password, c.req.raw.signal),
      role: body.role,
      actorId: operator.userId,
      ...(body.role === 'brand' && body.brandId ? { brandId: body.brandId } : {}),
      ...(body.role === 'brand' && body.brandName ? { brandName: body.brandName } : {}),
    });
    return c.json({ user: userJson({ ...user, userId: user.id }) satisfies UserJson }, 201);
  });

  app.get('/api/admin/users', async (c) => {
    requireRole(c, 'operator');
    const query = readQuery(c, listQuery);
    const after = query.cursor ? decodeCursor(query.cursor, listCursor) : undefined;
    const rows = await access.list({
      limit: query.limit + 1,
      ...(query.q ? { q: query.q } : {}),
      ...(query.role ? { role: query.role } : {}),
      ...(after !== undefined ? { after } : {}),
    });
    const shown = rows.slice(0, query.limit);
    const last = shown.at(-1);
    return c.json({
      users: shown.map(adminUserJson),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.email) : null,
    } satisfies AdminUserListResponse);
  });

  const setDisabled = (disabled: boolean) =>
    app.post(`/api/admin/users/:id/${disabled ? 'disable' : 'enable'}`, async (c) => {
      const operator = requireRole(c, 'operator');
      const id = pathId(c, 'id', 'user');
      await readJson(c, z.strictObject({}));
      if (disabled && id === operator.userId)
        throw new HttpProblem('conflict', 'you cannot disable your own account');
      const at = new Date(clock.now());
      const changed = await access.setDisabled(id, disabled, { actorId: operator.userId, at });
      if (!changed) throw new HttpProblem('not_found', 'user not found');
      if (changed.endedSessions) await sessionEnds.publish(id, changed.endedSessions);
      return c.json({ user: adminUserJson(changed.user) });
    });
  setDisabled(true);
  setDisabled(false);

  app.post('/api/admin/users/:id/password', passwordLimit, async (c) => {
    const operator = requireRole(c, 'operator');
    const id = pathId(c, 'id', 'user');
    const body = await readJson(c, newPassword);
    if (!(await access.get(id))) throw new HttpProblem('not_found', 'user not found');
    const hash = await passwords.hash(body.password, c.req.raw.signal);
    const at = new Date(clock.now());
    if (!(await access.setPassword(id, hash, { actorId: operator.userId, at })))
      throw new HttpProblem('not_found', 'user not found');
    await sessionEnds.publish(id, at);
    return c.body(null, 204);
  });

  app.get('/api/admin/users/:id/audit', async (c) => {
    requireRole(c, 'operator');
    const id = pathId(c, 'id', 'user');
    const query = readQuery(c, auditQuery);
    const before = query.cursor ? decodeCursor(query.cursor, auditCursor) : undefined;
    if (!(await access.get(id))) throw new HttpProblem('not_found', 'user not found');
    const rows = await access.audit(id, query.limit + 1, before);
    const shown = rows.slice(0, query.limit);
    const last = shown.at(-1);
    return c.json({
      entries: shown.map((r) => ({
        at: r.at.toISOString(),
        actor: r.actorId,
        actorEmail: r.actorEmail,
        change: { field: r.field, from: r.from, to: r.to },
      })),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null,
    } satisfies UserAuditJson);
  });
}
