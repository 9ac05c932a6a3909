/** The operator's report of suspected hoarding: many accounts holding units of one drop from one address or device. */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { DropsService } from '../../workers/drops/index.js';
import type { EdgeEnv } from '../context.js';
import type { HoardingReport, Holders } from '../holders.js';
import { requireRole } from '../middleware/session.js';
import { pathId, readQuery } from '../validation.js';

export interface HoardingJson {
  dropId: string;
  /** The fewest accounts an address or device needs to be listed. */
  minAccounts: number;
  addresses: { address: string; accounts: number; shopperIds: string[] }[];
  devices: { device: string; accounts: number; shopperIds: string[] }[];
}

const query = z.strictObject({
  minAccounts: z.coerce.number().int('must be a whole number').min(1).max(1000).default(2),
});

export const hoardingJson = (dropId: string, minAccounts: number, r: HoardingReport): HoardingJson => ({
  dropId,
  minAccounts,
  addresses: r.addresses.map(({ value, ...rest }) => ({ address: value, ...rest })),
  devices: r.devices.map(({ value, ...rest }) => ({ device: value, ...rest })),
});

export function registerHoarding(
  app: Hono<EdgeEnv>,
  { holders, drops }: { holders: Holders; drops: DropsService },
) {
  app.get('/api/admin/drops/:id/hoarding', async (c) => {
    requireRole(c, 'operator');
    const id = pathId(c, 'id', 'drop');
    const { minAccounts } = readQuery(c, query);
    await drops.get(id);
    return c.json(hoardingJson(id, minAccounts, await holders.report(id, minAccounts)));
  });
}
