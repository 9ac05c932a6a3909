import { describe, expect } from 'vitest';
import {
  type Api,
  apiClient,
  type Config,
  createDropline,
  type Dropline,
  expectProblem,
  silentLog,
  test,
  testConfig,
} from '../../infra/testing/index.js';
import { createAdmissionTokens } from '../index.js';

/** Both roles with `env` on top of the test's configuration; one proxy in front (TRUST_PROXY=1). */
async function withDropline(
  { databaseUrl, prefix }: { databaseUrl: string; prefix: string },
  env: Record<string, string>,
  run: (api: Api, config: Config, dropline: Dropline) => Promise<void>,
) {
  const config = testConfig({ databaseUrl, redisPrefix: prefix, TRUST_PROXY: '1', ...env });
  const dropline = await createDropline({ config, log: silentLog, roles: { edge: true, workers: true } });
  try {
    await run(apiClient(dropline.app!, config), config, dropline);
  } finally {
    await dropline.close();
  }
}

/** An open drop; `hold` makes a new guest (admitted by a signed token) hold one unit from `address`. */
async function dropFor(api: Api, config: Config, extra: Record<string, unknown> = {}) {
  const { operator, brand, drop } = await api.openDrop({ stock: 10, admissionPerMinute: 6000, ...extra });
  const tokens = createAdmissionTokens({ key: new TextEncoder().encode(config.jwtSecret) });
  const reserve = async (guest: { token: string; user: { id: string } }, address: string, device?: string) =>
    api.post(`/api/drops/${drop.id}/reservations`, {
      token: guest.token,
      body: { quantity: 1 },
      headers: {
        'x-forwarded-for': address,
        'x-admission-token': await tokens.sign({
          shopperId: guest.user.id,
          dropId: drop.id,
          expiresAt: new Date(Date.now() + 5 * 60_000),
        }),
        ...(device ? { 'x-device-id': device } : {}),
      },
    });
  return {
    operator,
    brand,
    drop,
    reserve,
    hold: async (address: string, device?: string) => {
      const guest = await api.guest();
      return { guest, answer: await reserve(guest, address, device) };
    },
    report: (token: string | undefined, query = '') =>
      api.get(`/api/admin/drops/${drop.id}/hoarding${query}`, { token }),
  };
}

const limits = { RATE_LIMITS: 'on', GUEST_RATE_LIMIT_PER_MINUTE: '1000', JOIN_RATE_LIMIT_PER_MINUTE: '1000' };

describe('per-address limits on holds', () => {
  test('HOLDERS_PER_ADDRESS accounts of one address may hold units of a drop; the next is refused', async ({
    databaseUrl,
    prefix,
  }) => {
    await withDropline(
      { databaseUrl, prefix },
      { ...limits, HOLDERS_PER_ADDRESS: '2' },
      async (api, config, dropline) => {
        const d = await dropFor(api, config);
        const address = '203.0.113.7';
        const [first, second] = [await d.hold(address), await d.hold(address)];
        expect([first.answer.status, second.answer.status]).toEqual([201, 201]);
        const third = await d.hold(address);
        expectProblem(third.answer, 429, 'address_limit');
        // Nothing held for the refused one; from another address the same account holds.
        const stock = await dropline.redis.hget(`${config.redisPrefix}{drop:${d.drop.id}}:stock`, 'held');
        expect(Number(stock)).toBe(2);
        expect((await d.reserve(third.guest, '198.51.100.9')).status).toBe(201);
        // A holder of the address holding again is not a new account (its own limit answers).
        expectProblem(await d.reserve(first.guest, address), 409, 'limit_reached');
        // Other drops have their own count.
        const other = await dropFor(api, config);
        expect((await other.hold(address)).answer.status).toBe(201);
      },
    );
  });

  test('HOLD_RATE_LIMIT_PER_MINUTE holds a minute per address, then 429 with Retry-After', async ({
    databaseUrl,
    prefix,
  }) => {
    await withDropline(
      { databaseUrl, prefix },
      { ...limits, HOLD_RATE_LIMIT_PER_MINUTE: '3' },
      async (api, config) => {
        const d = await dropFor(api, config);
        const guest = await api.guest();
        const statuses = [];
        for (let i = 0; i < 5; i += 1) statuses.push((await d.reserve(guest, '192.0.2.44')).status);
        expect(statuses).toEqual([201, 409, 409, 429, 429]);
        const refused = await d.reserve(guest, '192.0.2.44');
        expectProblem(refused, 429, 'rate_limited');
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect((await d.reserve(await api.guest(), '192.0.2.45')).status).toBe(201);
      },
    );
  });

  test('with rate limits off (development, test) there is no cap', async ({ databaseUrl, prefix }) => {
    await withDropline({ databaseUrl, prefix }, {}, async (api, config) => {
      const d = await dropFor(api, config);
      const answers = [];
      for (let i = 0; i < 6; i += 1) answers.push((await d.hold('203.0.113.8')).answer.status);
      expect(answers).toEqual([201, 201, 201, 201, 201, 201]);
    });
  });
});

describe('the hoarding report', () => {
  test('lists the address and the device with several accounts holding units; failed holds do not count', async ({
    databaseUrl,
    prefix,
  }) => {
    await withDropline({ databaseUrl, prefix }, {}, async (api, config) => {
      const d = await dropFor(api, config, { stock: 4 });
      const device = 'device-0123456789abcdef';
      const farm = [];
      for (let i = 0; i < 3; i += 1) farm.push(await d.hold('203.0.113.50', device));
      expect(farm.map((f) => f.answer.status)).toEqual([201, 201, 201]);
      const alone = await d.hold('198.51.100.20');
      expect(alone.answer.status).toBe(201);
      // Sold out now: this one held nothing, so it is not counted.
      expectProblem((await d.hold('203.0.113.50', device)).answer, 409, 'sold_out');

      const report = await d.report(d.operator.token);
      expect(report.status, JSON.stringify(report.body)).toBe(200);
      const ids = farm.map((f) => f.guest.user.id).sort();
      expect(report.body).toEqual({
        dropId: d.drop.id,
        minAccounts: 2,
        addresses: [{ address: '203.0.113.50', accounts: 3, shopperIds: ids }],
        devices: [{ device, accounts: 3, shopperIds: ids }],
      });
      const all = await d.report(d.operator.token, '?minAccounts=1');
      expect(all.body.addresses.map((a: { address: string }) => a.address)).toEqual([
        '203.0.113.50',
        '198.51.100.20',
      ]);
      expectProblem(await d.report(d.operator.token, '?minAccounts=0'), 400, 'validation_failed');
    });
  });

  test('is for operators only; an unknown drop is 404', async ({ api, config }) => {
    const d = await dropFor(api, config);
    const [shopper, guest] = [await api.shopper(), await api.guest()];
    expectProblem(await d.report(undefined), 401, 'unauthorized');
    for (const token of [shopper.token, guest.token, d.brand.token]) {
      expectProblem(await d.report(token), 403, 'forbidden');
    }
    const unknown = await api.get(`/api/admin/drops/${crypto.randomUUID()}/hoarding`, {
      token: d.operator.token,
    });
    expectProblem(unknown, 404, 'not_found');
  });
});
