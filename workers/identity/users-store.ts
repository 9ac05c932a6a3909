/** Users and brands in PostgreSQL. Passwords arrive here already hashed. */
import { randomUUID } from 'node:crypto';
import type { Sql } from 'postgres';
import { EmailTakenError } from './errors.js';

export type Role = 'shopper' | 'brand' | 'operator';

export interface User {
  id: string;
  email: string | null;
  role: Role;
  brandId: string | null;
  guest: boolean;
  createdAt: Date;
}

export interface NewUser {
  email: string;
  passwordHash: string;
  role: Role;
  /** Required for a brand user: a new brand of this name is created and the user acts for it. */
  brandName?: string;
}

interface UserRow {
  id: string;
  email: string | null;
  role: Role;
  brand_id: string | null;
  guest: boolean;
  created_at: Date;
  password_hash: string | null;
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  role: row.role,
  brandId: row.brand_id,
  guest: row.guest,
  createdAt: row.created_at,
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
}

export function createUsersStore(sql: Sql): UsersStore {
  async function create(input: NewUser): Promise<User> {
    const email = input.email.toLowerCase();
    try {
      return await sql.begin(async (tx) => {
        let brandId: string | null = null;
        if (input.role === 'brand') {
          brandId = randomUUID();
          await tx`INSERT INTO brands (id, name) VALUES (${brandId}, ${input.brandName ?? email})`;
        }
        const [row] = await tx<UserRow[]>`
          INSERT INTO users (id, email, password_hash, role, brand_id)
          VALUES (${randomUUID()}, ${email}, ${input.passwordHash}, ${input.role}, ${brandId})
          RETURNING *`;
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
    async brandExists(id) {
      const [row] = await sql`SELECT 1 AS one FROM brands WHERE id = ${id}`;
      return Boolean(row);
    },
  };
}
