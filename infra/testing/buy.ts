/** A purchase made through the API, for tests whose subject comes after it (dashboards, fulfilment, receipts). */
import { expect } from 'vitest';
import { createAdmissionTokens } from '../../edge/index.js';
import type { Config } from '../config.js';
import type { Api } from './api.js';
import { payBody } from './checkout.js';

/** A shopper holds and pays one unit through the API, with an admission signed directly. */
export async function buyOne(api: Api, config: Config, dropId: string) {
  const shopper = await api.shopper();
  const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  const admission = await tokens.sign({
    shopperId: shopper.user.id,
    dropId,
    expiresAt: new Date(Date.now() + 5 * 60_000),
  });
  const held = await api.post(`/api/drops/${dropId}/reservations`, {
    token: shopper.token,
    body: { quantity: 1 },
    headers: { 'x-admission-token': admission },
  });
  expect(held.status, JSON.stringify(held.body)).toBe(201);
  const paid = await api.post(`/api/reservations/${held.body.id}/pay`, {
    token: shopper.token,
    body: payBody(),
  });
  expect(paid.status, JSON.stringify(paid.body)).toBe(200);
  return { shopper, orderId: held.body.id as string };
}
