import { describe, expect, vi } from 'vitest';
import { expectProblem, test, type Api } from '../../infra/testing/index.js';

/** How long the admission controller (ticking every 250 ms) may take to admit someone at 600 a minute. */
const ADMIT_DEADLINE = { timeout: 10_000, interval: 50 };

async function admitted(api: Api, dropId: string, token: string): Promise<string> {
  expect((await api.post(`/api/drops/${dropId}/queue`, { token })).status).toBe(201);
  return vi.waitFor(async () => {
    const r = await api.get(`/api/drops/${dropId}/queue/me`, { token });
    expect(r.body.status).toBe('admitted');
    return r.body.admission.token as string;
  }, ADMIT_DEADLINE);
}

const reserve = (api: Api, dropId: string, token: string, admission: string) =>
  api.post(`/api/drops/${dropId}/reservations`, {
    token,
    body: { quantity: 1 },
    headers: { 'x-admission-token': admission },
  });

describe('leaving the queue', () => {
  test('ends the admission: its token no longer reserves, even after joining again', async ({ api }) => {
    const { drop } = await api.openDrop({ admissionPerMinute: 600, maxActive: 1 });
    const stays = await api.guest();
    const leaves = await api.guest();

    const leaverAdmission = await admitted(api, drop.id, leaves.token);
    expect((await api.delete(`/api/drops/${drop.id}/queue/me`, { token: leaves.token })).status).toBe(204);
    expectProblem(await reserve(api, drop.id, leaves.token, leaverAdmission), 403, 'not_admitted');

    // Back in the queue, behind the one it let in: still waiting, so the old token still does not reserve.
    const stayerAdmission = await admitted(api, drop.id, stays.token);
    expect((await api.post(`/api/drops/${drop.id}/queue`, { token: leaves.token })).status).toBe(201);
    expectProblem(await reserve(api, drop.id, leaves.token, leaverAdmission), 403, 'not_admitted');

    // The one who stayed reserves with its admission as before.
    expect((await reserve(api, drop.id, stays.token, stayerAdmission)).status).toBe(201);
  });
});
