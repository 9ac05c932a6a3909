/** Users and brands in PostgreSQL. Passwords arrive here already hashed. */
import { randomUUID } from 'node:crypto';
import type { Sql } from 'postgres';
import { BrandNotFoundError, EmailTakenError } from './errors.js';

export type Role = 'shopper' | 'brand' | 'operator';

export interface User {
  id: string;
  email: string | null;
  role: Role;
  brandId: string | null;
  guest: boolean;
  createdAt: Date;
  /** Set while an operator has disabled the user: no sign-in, and every session issued before is void. */
  disabledAt: Date | null;
}

export interface NewUser {
  email: string;
  passwordHash: string;
  role: Role;
  /** For a brand user, one of the two: a new brand of this name is created and the user acts for it… */
  brandName?: string;
  /** …or the user joins this existing brand (BrandNotFoundError when there is none). */
  brandId?: string;
  /** The operator creating the user, recorded in the user's audit; none for sign-up and start-up. */
  actorId?: string;
}

interface UserRow {
  id: string;
  email: string | null;
  role: Role;
  brand_id: string | null;
  guest: boolean;
  created_at: Date;
  password_hash: string | null;
  disabled_at: Date | null;
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  role: row.role,
  brandId: row.brand_id,
  guest: row.guest,
  createdAt: row.created_at,
  disabledAt: row.disabled_at,
});

const UNIQUE_VIOLATION = '23505';

export interface UsersStore {
  findByEmail(email: string): Promise<{ user: User; passwordHash: string } | null>;
  findById(id: string): Promise<User | null>;
  /** Throws EmailTakenError when the email is taken. */
  create(input: NewUser): Promise<User>;
  /** Creates the user unless one with this email exists; returns whether it created one. */
  ensure(input: NewUser): Promise<boolean>;
  /** Replaces a user's password hash (stored again at today's cost after a sign-in). */
  setPasswordHash(id: string, passwordHash: string): Promise<void>;
  /** Records a guest shopper the first time one of its events arrives; idempotent. */
  recordGuest(id: string): Promise<void>;
  brandExists(id: string): Promise<boolean>;
  /** Brands by name, for naming a drop's partners. */
  listBrands(page: BrandPage): Promise<BrandListing[]>;
}

export function createUsersStore(sql: Sql): UsersStore {
  async function create(input: NewUser): Promise<User> {
    const email = input.email.toLowerCase();
    try {
      return await sql.begin(async (tx) => {
        let brandId: string | null = null;
        if (input.role === 'brand' && input.brandId) {
          // FOR SHARE: the brand cannot vanish before the user that joins it is written.
          const [brand] = await tx`SELECT id FROM brands WHERE id = ${input.brandId} FOR SHARE`;
          if (!brand) throw new BrandNotFoundError('no brand with this id');
          brandId = input.brandId;
        } else if (input.role === 'brand') {
          brandId = randomUUID();
          await tx`INSERT INTO brands (id, name) VALUES (${brandId}, ${input.brandName ?? email})`;
        }
        const [row] = await tx<UserRow[]>`
          INSERT INTO users (id, email, password_hash, role, brand_id)
          VALUES (${randomUUID()}, ${email}, ${input.passwordHash}, ${input.role}, ${brandId})
          RETURNING *`;
        if (input.actorId) {
          const created = { email, role: input.role, brandId };
          await tx`
            INSERT INTO user_audit (user_id, actor_id, field, from_value, to_value)
            VALUES (${row!.id}, ${input.actorId}, 'created', NULL, ${tx.json(created)})`;
        }
        return toUser(row!);
      });
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new EmailTakenError('a user with this email exists', { cause: error });
      }
      throw error;
    }
  }

  return {
    async findByEmail(email) {
      const [row] = await sql<UserRow[]>`SELECT * FROM users WHERE email = ${email.toLowerCase()}`;
      return row && row.password_hash ? { user: toUser(row), passwordHash: row.password_hash } : null;
    },
    async findById(id) {
      const [row] = await sql<UserRow[]>`SELECT * FROM users WHERE id = ${id}`;
      return row ? toUser(row) : null;
    },
    create,
    async ensure(input) {
      try {
        await create(input);
        return true;
      } catch (error) {
        if (error instanceof EmailTakenError) return false;
        throw error;
      }
    },
    async setPasswordHash(id, passwordHash) {
      await sql`UPDATE users SET password_hash = ${passwordHash} WHERE id = ${id}`;
    },
    async recordGuest(id) {
      await sql`INSERT INTO users (id, role, guest) VALUES (${id}, 'shopper', true) ON CONFLICT (id) DO NOTHING`;
    },
    listBrands: brandList(sql),
    async brandExists(id) {
      const [row] = await sql`SELECT 1 AS one FROM brands WHERE id = ${id}`;
      return Boolean(row);
    },
  };
}

export interface BrandListing {
  id: string;
  name: string;
}

export interface BrandPage {
  /** Only brands whose name contains this, in any case. */
  q?: string;
  limit: number;
  /** Keyset position: the (name, id) of the last brand of the previous page. */
  after?: { name: string; id: string };
}

/** Brands in order of name (then id), those whose name contains `q`, one page at a time. */
function brandList(sql: Sql) {
  return async ({ q, limit, after }: BrandPage): Promise<BrandListing[]> => {
    const pattern = q ? `%${q.replace(/[\\%_]/g, '\\$&')}%` : undefined;
    return sql<BrandListing[]>`
      SELECT id, name FROM brands
      WHERE true
        ${pattern ? sql`AND name ILIKE ${pattern}` : sql``}
        ${after ? sql`AND (name, id) > (${after.name}, ${after.id})` : sql``}
      ORDER BY name, id
      LIMIT ${limit}`;
  };
}
