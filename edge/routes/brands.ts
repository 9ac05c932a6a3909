/** Brands, listed by name for brands and operators naming a drop's partners. */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { UsersStore } from '../../workers/identity/index.js';
import type { EdgeEnv } from '../context.js';
import { searchText } from '../input-rules.js';
import { requireRole } from '../middleware/session.js';
import { decodeCursor, encodeCursor, paging, readQuery } from '../validation.js';

export interface BrandJson {
  id: string;
  name: string;
}

export interface BrandListResponse {
  brands: BrandJson[];
  nextCursor: string | null;
}

const listQuery = z.strictObject({ q: searchText(200).optional(), ...paging });
const listCursor = z.tuple([searchText(200), z.uuid()]);

export function registerBrands(app: Hono<EdgeEnv>, { users }: { users: Pick<UsersStore, 'listBrands'> }) {
  app.get('/api/brands', async (c) => {
    requireRole(c, 'brand', 'operator');
    const query = readQuery(c, listQuery);
    const after = query.cursor ? decodeCursor(query.cursor, listCursor) : undefined;
    const page = await users.listBrands({
      limit: query.limit + 1,
      ...(query.q ? { q: query.q } : {}),
      ...(after ? { after: { name: after[0], id: after[1] } } : {}),
    });
    const shown = page.slice(0, query.limit);
    const last = shown.at(-1);
    return c.json({
      brands: shown.map((b) => ({ id: b.id, name: b.name })),
      nextCursor: page.length > query.limit && last ? encodeCursor([last.name, last.id]) : null,
    } satisfies BrandListResponse);
  });
}
