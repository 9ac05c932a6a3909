/**
 * What an operator does to people: listing and searching users, disabling and enabling them, replacing a password,
 * and the audit of each change (who, when, from what to what). Disabling and a new password end the user's sessions:
 * `sessions_valid_after` is set to the time given, and every session issued before it is void.
 */
import type { Sql } from 'postgres';
import type { Role } from './users-store.js';

export interface ListedUser {
  id: string;
  email: string;
  role: Role;
  brand: { id: string; name: string } | null;
  disabledAt: Date | null;
  createdAt: Date;
}

export interface UserQuery {
  /** A part of the email, any case. */
  q?: string;
  role?: Role;
  limit: number;
  /** The last email of the previous page: the list is in email order. */
  after?: string;
}

export interface UserAuditEntry {
  id: string;
  at: Date;
  actorId: string;
  actorEmail: string | null;
  field: string;
  from: unknown;
  to: unknown;
}

export interface AccessChange {
  /** Who makes the change (recorded in the audit). */
  actorId: string;
  /** When: sessions issued before it end. */
  at: Date;
}

export interface UserAccess {
  /** Registered users (never guests), in email order. */
  list(query: UserQuery): Promise<ListedUser[]>;
  get(id: string): Promise<ListedUser | null>;
  /**
   * Disables or enables a user; null when there is no such registered user. Disabling ends the user's sessions;
   * `endedSessions` is the time they end at, for a disabled user (one disabled before too: telling the edges again
   * is harmless), null for an enabled one. Enabling an enabled user or disabling a disabled one changes nothing.
   */
  setDisabled(
    id: string,
    disabled: boolean,
    change: AccessChange,
  ): Promise<{ user: ListedUser; endedSessions: Date | null } | null>;
  /** Replaces the password hash and ends the user's sessions; false when there is no such registered user. */
  setPassword(id: string, passwordHash: string, change: AccessChange): Promise<boolean>;
  /** The user's audit, newest first, `limit` entries before the entry `before`. */
  audit(id: string, limit: number, before?: string): Promise<UserAuditEntry[]>;
  /** Users whose sessions issued before a time are void, for times after `since`. */
  sessionsEndedSince(since: Date): Promise<{ userId: string; validAfter: Date }[]>;
}

interface ListedRow {
  id: string;
  email: string;
  role: Role;
  brand_id: string | null;
  brand_name: string | null;
  disabled_at: Date | null;
  created_at: Date;
}

const toListed = (row: ListedRow): ListedUser => ({
  id: row.id,
  email: row.email,
  role: row.role,
  brand: row.brand_id ? { id: row.brand_id, name: row.brand_name ?? '' } : null,
  disabledAt: row.disabled_at,
  createdAt: row.created_at,
});

/** `value` as a LIKE pattern that matches it anywhere, its own wildcards taken literally. */
const containing = (value: string) => `%${value.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

export function createUserAccess(sql: Sql): UserAccess {
  const select = () => sql`
    SELECT u.id, u.email, u.role, u.brand_id, b.name AS brand_name, u.disabled_at, u.created_at
    FROM users u LEFT JOIN brands b ON b.id = u.brand_id`;

  async function get(id: string): Promise<ListedUser | null> {
    const [row] = await sql<ListedRow[]>`${select()} WHERE u.id = ${id} AND NOT u.guest`;
    return row ? toListed(row) : null;
  }

  return {
    async list({ q, role, limit, after }) {
      const rows = await sql<ListedRow[]>`
        ${select()}
        WHERE NOT u.guest
          ${q ? sql`AND u.email LIKE ${containing(q.toLowerCase())}` : sql``}
          ${role ? sql`AND u.role = ${role}` : sql``}
          ${after !== undefined ? sql`AND u.email > ${after}` : sql``}
        ORDER BY u.email
        LIMIT ${limit}`;
      return rows.map(toListed);
    },
    get: (id) => get(id),
    async setDisabled(id, disabled, { actorId, at }) {
      const changed = await sql.begin(async (tx) => {
        const [row] = await tx<{ disabled_at: Date | null; sessions_valid_after: Date | null }[]>`
          SELECT disabled_at, sessions_valid_after FROM users WHERE id = ${id} AND NOT guest FOR UPDATE`;
        if (!row) return null;
        const was = row.disabled_at !== null;
        if (was === disabled) return { ended: row.sessions_valid_after };
        if (disabled)
          await tx`UPDATE users SET disabled_at = ${at}, sessions_valid_after = ${at} WHERE id = ${id}`;
        else await tx`UPDATE users SET disabled_at = NULL WHERE id = ${id}`;
        await tx`
          INSERT INTO user_audit (user_id, at, actor_id, field, from_value, to_value)
          VALUES (${id}, ${at}, ${actorId}, 'disabled', ${tx.json(was)}, ${tx.json(disabled)})`;
        return { ended: at };
      });
      if (changed === null) return null;
      const user = await get(id);
      return user && { user, endedSessions: disabled ? changed.ended : null };
    },
    async setPassword(id, passwordHash, { actorId, at }) {
      return sql.begin(async (tx) => {
        const updated = await tx`
          UPDATE users SET password_hash = ${passwordHash}, sessions_valid_after = ${at}
          WHERE id = ${id} AND NOT guest`;
        if (updated.count === 0) return false;
        // The audit says that it changed, never what it is.
        await tx`
          INSERT INTO user_audit (user_id, at, actor_id, field, from_value, to_value)
          VALUES (${id}, ${at}, ${actorId}, 'password', NULL, ${tx.json('reset')})`;
        return true;
      });
    },
    async audit(id, limit, before) {
      const rows = await sql<
        {
          id: string;
          at: Date;
          actor_id: string;
          actor_email: string | null;
          field: string;
          from_value: unknown;
          to_value: unknown;
        }[]
      >`
        SELECT a.id::text AS id, a.at, a.actor_id, actor.email AS actor_email, a.field, a.from_value, a.to_value
        FROM user_audit a LEFT JOIN users actor ON actor.id = a.actor_id
        WHERE a.user_id = ${id} ${before ? sql`AND a.id < ${before}` : sql``}
        ORDER BY a.id DESC
        LIMIT ${limit}`;
      return rows.map((r) => ({
        id: r.id,
        at: r.at,
        actorId: r.actor_id,
        actorEmail: r.actor_email,
        field: r.field,
        from: r.from_value,
        to: r.to_value,
      }));
    },
    async sessionsEndedSince(since) {
      const rows = await sql<{ id: string; sessions_valid_after: Date }[]>`
        SELECT id, sessions_valid_after FROM users WHERE sessions_valid_after > ${since}`;
      return rows.map((r) => ({ userId: r.id, validAfter: r.sessions_valid_after }));
    },
  };
}
