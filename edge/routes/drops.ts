/** Drops: create, list, read, change, and move through their statuses (open, close, cancel). */
import type { Hono } from 'hono';
import { z } from 'zod';
import {
  FULFILMENTS,
  MAX_DROP_BRANDS,
  type Actor,
  type Drop,
  type DropsService,
} from '../../workers/drops/index.js';
import type { DropImage, DropImages } from '../../workers/media/index.js';
import type { Session } from '../auth/tokens.js';
import type { EdgeEnv } from '../context.js';
import { requireRole } from '../middleware/session.js';
import { imageJson, type DropImageJson } from './drop-images.js';
import { instant, lineText, proseText } from '../input-rules.js';
import { decodeCursor, encodeCursor, paging, pathId, readJson, readQuery } from '../validation.js';

/**
 * A drop as the API shows it: without the operator's pause, challenge difficulty (a join refused with
 * `challenge_failed` tells the page to solve one) and version, its times as ISO-8601 strings; `brands` names the
 * brands releasing it (the lead first, `brandId` being the lead's id).
 */
export type DropJson = Omit<
  Drop,
  'admissionPaused' | 'pauseMessage' | 'challengeBits' | 'version' | 'opensAt' | 'closesAt'
> & {
  opensAt: string;
  closesAt: string | null;
  /** Its product images in order, the lead image first. */
  images: DropImageJson[];
};

export interface DropListResponse {
  drops: DropJson[];
  nextCursor: string | null;
}

const STATUSES = ['scheduled', 'open', 'sold_out', 'closed', 'cancelled'] as const;

const fields = {
  title: lineText(200),
  description: proseText(5000),
  sku: lineText(64),
  fulfilment: z.enum(FULFILMENTS, 'must be shipped, pickup or digital'),
  priceCents: z.number().int('must be a whole number of minor units').min(0).max(100_000_000),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code, e.g. USD'),
  stock: z.number().int('must be a whole number').min(1).max(1_000_000),
  perUserLimit: z.number().int('must be a whole number').min(1).max(1000),
  holdSeconds: z.number().int('must be a whole number of seconds').min(1).max(86_400),
  admissionPerMinute: z.number().int('must be a whole number').min(1).max(1_000_000),
  maxActive: z.number().int('must be a whole number').min(1).max(1_000_000),
  opensAt: instant(),
  closesAt: instant().nullable(),
  // The full list, the lead included; the drop service checks the rules across entries (sum, lead, existence).
  brands: z
    .array(
      z.strictObject({
        brandId: z.uuid('must be a brand id'),
        sharePercent: z
          .number('must be a whole percent from 1 to 100')
          .int('must be a whole percent from 1 to 100')
          .min(1, 'must be a whole percent from 1 to 100')
          .max(100, 'must be a whole percent from 1 to 100'),
      }),
      'must be a list of { brandId, sharePercent }',
    )
    .min(1, 'must name the lead brand at least')
    .max(MAX_DROP_BRANDS, `at most ${MAX_DROP_BRANDS} brands release a drop`),
};

const createBody = z.strictObject({
  ...fields,
  description: fields.description.optional(),
  fulfilment: fields.fulfilment.optional(),
  currency: fields.currency.optional(),
  closesAt: fields.closesAt.optional(),
  perUserLimit: fields.perUserLimit.optional(),
  holdSeconds: fields.holdSeconds.optional(),
  admissionPerMinute: fields.admissionPerMinute.optional(),
  maxActive: fields.maxActive.optional(),
  brands: fields.brands.optional(),
  // Checked by the drop service for an operator; ignored from a brand, whatever it holds.
  brandId: z.string().max(100).optional(),
});

const patchBody = z.strictObject(fields).partial();

const listQuery = z.strictObject({
  status: z.enum(STATUSES).optional(),
  brand: z.uuid('must be a brand id').optional(),
  ...paging,
});
const listCursor = z.tuple([instant(), z.uuid()]);

export const dropJson = (d: Drop, images: readonly DropImage[] = []): DropJson => ({
  id: d.id,
  brandId: d.brandId,
  brands: d.brands.map((b) => ({ id: b.id, name: b.name, sharePercent: b.sharePercent, lead: b.lead })),
  title: d.title,
  description: d.description,
  sku: d.sku,
  fulfilment: d.fulfilment,
  priceCents: d.priceCents,
  currency: d.currency,
  stock: d.stock,
  perUserLimit: d.perUserLimit,
  holdSeconds: d.holdSeconds,
  admissionPerMinute: d.admissionPerMinute,
  maxActive: d.maxActive,
  opensAt: d.opensAt.toISOString(),
  closesAt: d.closesAt?.toISOString() ?? null,
  status: d.status,
  images: images.map(imageJson),
});

const actor = (s: Session): Actor => ({ id: s.userId, role: s.role, brandId: s.brandId });

export function registerDrops(
  app: Hono<EdgeEnv>,
  { drops, images }: { drops: DropsService; images?: Pick<DropImages, 'forDrops'> },
) {
  /** The drops' JSON with their images, read for all of them in one query. */
  const withImages = async (list: Drop[]): Promise<DropJson[]> => {
    const byDrop = images ? await images.forDrops(list.map((d) => d.id)) : new Map<string, DropImage[]>();
    return list.map((d) => dropJson(d, byDrop.get(d.id)));
  };
  const one = async (d: Drop): Promise<DropJson> => (await withImages([d]))[0]!;

  app.post('/api/drops', async (c) => {
    const who = requireRole(c, 'brand', 'operator');
    const body = await readJson(c, createBody);
    return c.json(dropJson(await drops.create(actor(who), body)), 201);
  });

  app.get('/api/drops', async (c) => {
    const query = readQuery(c, listQuery);
    const after = query.cursor ? decodeCursor(query.cursor, listCursor) : undefined;
    const page = await drops.list({
      limit: query.limit + 1,
      ...(query.status ? { status: query.status } : {}),
      ...(query.brand ? { brand: query.brand.toLowerCase() } : {}),
      ...(after ? { after: { opensAt: after[0], id: after[1] } } : {}),
    });
    const more = page.length > query.limit;
    const shown = page.slice(0, query.limit);
    const last = shown.at(-1);
    return c.json({
      drops: await withImages(shown),
      nextCursor: more && last ? encodeCursor([last.opensAt.toISOString(), last.id]) : null,
    } satisfies DropListResponse);
  });

  app.get('/api/drops/:id', async (c) => c.json(await one(await drops.get(pathId(c, 'id', 'drop')))));

  app.patch('/api/drops/:id', async (c) => {
    const who = requireRole(c, 'brand', 'operator');
    const id = pathId(c, 'id', 'drop');
    const body = await readJson(c, patchBody);
    return c.json(await one(await drops.patch(actor(who), id, body)));
  });

  for (const action of ['open', 'close', 'cancel'] as const) {
    app.post(`/api/drops/:id/${action}`, async (c) => {
      const who = requireRole(c, 'brand', 'operator');
      return c.json(await one(await drops[action](actor(who), pathId(c, 'id', 'drop'))));
    });
  }
}
