/**
 * A brand's webhook: its endpoint (set, read, removed) and its deliveries (listed newest first, sent again). Only
 * the brand's own users: an endpoint and its secret are the brand's alone, so operators are refused too (403).
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { Delivery, EndpointView, Webhooks } from '../../workers/webhooks/index.js';
import { MAX_URL_LENGTH } from '../../workers/webhooks/index.js';
import type { EdgeEnv } from '../context.js';
import { instant } from '../input-rules.js';
import { requireRole } from '../middleware/session.js';
import { HttpProblem } from '../problems.js';
import { decodeCursor, encodeCursor, paging, pathId, readJson, readQuery } from '../validation.js';

export interface WebhookEndpointJson {
  url: string;
  /** In full only in the answer to the PUT that made it (`secretShown`); masked (`whsec_…abcd`) otherwise. */
  secret: string;
  secretShown: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookDeliveryJson {
  id: string;
  eventId: string;
  type: Delivery['type'];
  status: Delivery['status'];
  attempts: number;
  /** The HTTP status of the last attempt's answer (null: none, or no answer). */
  lastStatus: number | null;
  /** What went wrong in the last attempt, in a few words (null after a success). */
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
}

export interface WebhookDeliveryListResponse {
  deliveries: WebhookDeliveryJson[];
  nextCursor: string | null;
}

/** PUT /api/webhook: `rotate: true` makes a new secret (the first PUT always does). */
export interface PutWebhookBody {
  url: string;
  rotate?: boolean;
}

const putBody = z.strictObject({
  url: z.string().max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`),
  rotate: z.boolean().optional(),
});
const listQuery = z.strictObject(paging);
const cursor = z.tuple([instant(), z.uuid()]);

const endpointJson = (e: EndpointView): WebhookEndpointJson => ({
  url: e.url,
  secret: e.secret,
  secretShown: e.secretShown,
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
});

const deliveryJson = (d: Delivery): WebhookDeliveryJson => ({
  id: d.id,
  eventId: d.eventId,
  type: d.type,
  status: d.status,
  attempts: d.attempts,
  lastStatus: d.lastStatus,
  lastError: d.lastError,
  createdAt: d.createdAt.toISOString(),
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
  nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
});

export function registerWebhooks(app: Hono<EdgeEnv>, { webhooks }: { webhooks: Webhooks }) {
  const brandOf = (c: Parameters<typeof requireRole>[0]) => {
    const brandId = requireRole(c, 'brand').brandId;
    if (!brandId) throw new HttpProblem('forbidden', 'only a brand’s users have a webhook');
    return brandId;
  };

  app.get('/api/webhook', async (c) => c.json(endpointJson(await webhooks.endpoint(brandOf(c)))));

  app.put('/api/webhook', async (c) => {
    const brandId = brandOf(c);
    const body = await readJson(c, putBody);
    const saved = await webhooks.setEndpoint(brandId, { url: body.url.trim(), rotate: body.rotate ?? false });
    return c.json(endpointJson(saved));
  });

  app.delete('/api/webhook', async (c) => {
    await webhooks.deleteEndpoint(brandOf(c));
    return c.body(null, 204);
  });

  app.get('/api/webhook/deliveries', async (c) => {
    const brandId = brandOf(c);
    const query = readQuery(c, listQuery);
    const before = query.cursor ? decodeCursor(query.cursor, cursor) : undefined;
    const rows = await webhooks.deliveries(brandId, {
      limit: query.limit + 1,
      ...(before ? { before: { createdAt: before[0], id: before[1] } } : {}),
    });
    const shown = rows.slice(0, query.limit);
    const last = shown.at(-1);
    return c.json({
      deliveries: shown.map(deliveryJson),
      nextCursor:
        rows.length > query.limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
    } satisfies WebhookDeliveryListResponse);
  });

  app.post('/api/webhook/deliveries/:id/retry', async (c) => {
    const brandId = brandOf(c);
    const id = pathId(c, 'id', 'delivery');
    return c.json(deliveryJson(await webhooks.resend(brandId, id)));
  });
}
