/** Operators' views of a running drop: admission settings (read and tune), the audit log and live figures. */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { StockReader } from '../../inventory/index.js';
import type { WaitingRoom } from '../../queue/index.js';
import type { AdmissionSettings, Drop, DropsService } from '../../workers/drops/index.js';
import type { EdgeEnv } from '../context.js';
import { lineText } from '../input-rules.js';
import { requireRole } from '../middleware/session.js';
import { decodeCursor, encodeCursor, paging, pathId, readJson, readQuery } from '../validation.js';

export type AdmissionJson = AdmissionSettings;

export interface AuditJson {
  entries: {
    at: string;
    /** `role:userId` for a person, `system:schedule` or `system:inventory` for Dropline itself. */
    actor: string;
    /** The person's email; null for a system actor (or a user with none). */
    actorEmail: string | null;
    change: { field: string; from: unknown; to: unknown };
  }[];
  nextCursor: string | null;
}

export interface DropMetricsJson {
  queueLength: number;
  admittedTotal: number;
  activeAdmissions: number;
  heldUnits: number;
  soldUnits: number;
  availableUnits: number;
  joinsPerMinute: number;
  admitsPerMinute: number;
  /** The drop's events not yet applied to PostgreSQL: in its outbox, plus the workers' backlog in JetStream. */
  eventsPending: number;
}

/** 2^28 hashes: minutes in a phone's browser; beyond that no shopper would wait. */
const MAX_CHALLENGE_BITS = 28;
/** Characters of the pause message (the column's check says the same). */
const MAX_PAUSE_MESSAGE = 200;

const admissionBody = z
  .strictObject({
    perMinute: z.number().int('must be a whole number').min(1).max(1_000_000),
    maxActive: z.number().int('must be a whole number').min(1).max(1_000_000),
    paused: z.boolean(),
    // Shown to every waiting shopper: one line, held to the same rules as a drop's title; null takes it away.
    pauseMessage: lineText(MAX_PAUSE_MESSAGE).nullable(),
    challengeBits: z.number().int('must be a whole number').min(0).max(MAX_CHALLENGE_BITS),
  })
  .partial()
  .refine(
    (v) => Object.keys(v).length > 0,
    'give at least one of perMinute, maxActive, paused, pauseMessage, challengeBits',
  );

const auditQuery = z.strictObject(paging);
const auditCursor = z.number().int().positive();

const admissionJson = (d: Drop): AdmissionJson => ({
  perMinute: d.admissionPerMinute,
  maxActive: d.maxActive,
  paused: d.admissionPaused,
  pauseMessage: d.pauseMessage,
  challengeBits: d.challengeBits,
});

export interface AdminDropsDeps {
  drops: DropsService;
  waitingRoom: WaitingRoom;
  stock: StockReader;
  eventsPending: (dropId: string) => Promise<number>;
}

export function registerAdminDrops(
  app: Hono<EdgeEnv>,
  { drops, waitingRoom, stock, eventsPending }: AdminDropsDeps,
) {
  app.get('/api/admin/drops/:id/admission', async (c) => {
    requireRole(c, 'operator');
    return c.json(admissionJson(await drops.get(pathId(c, 'id', 'drop'))));
  });

  app.put('/api/admin/drops/:id/admission', async (c) => {
    const operator = requireRole(c, 'operator');
    const id = pathId(c, 'id', 'drop');
    const changes = await readJson(c, admissionBody);
    const drop = await drops.setAdmission(
      { id: operator.userId, role: operator.role, brandId: operator.brandId },
      id,
      changes,
    );
    return c.json(admissionJson(drop));
  });

  app.get('/api/admin/drops/:id/audit', async (c) => {
    requireRole(c, 'operator');
    const id = pathId(c, 'id', 'drop');
    const query = readQuery(c, auditQuery);
    const before = query.cursor ? decodeCursor(query.cursor, auditCursor) : undefined;
    await drops.get(id);
    const rows = await drops.audit(id, query.limit + 1, before);
    const shown = rows.slice(0, query.limit);
    const last = shown.at(-1);
    return c.json({
      entries: shown.map((r) => ({
        at: r.at.toISOString(),
        actor: r.actor,
        actorEmail: r.actorEmail,
        change: { field: r.field, from: r.from, to: r.to },
      })),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null,
    } satisfies AuditJson);
  });

  app.get('/api/admin/drops/:id/metrics', async (c) => {
    requireRole(c, 'operator');
    const id = pathId(c, 'id', 'drop');
    const drop = await drops.get(id);
    const [queue, units, pending] = await Promise.all([
      waitingRoom.figures(id),
      stock.read(id),
      eventsPending(id),
    ]);
    return c.json({
      ...queue,
      heldUnits: units?.held ?? 0,
      soldUnits: units?.sold ?? 0,
      availableUnits: units?.available ?? drop.stock,
      eventsPending: pending,
    } satisfies DropMetricsJson);
  });
}
