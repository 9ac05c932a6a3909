/**
 * The `queue` push's etaSeconds follows the pace the admission leader shares in its summary, not the configured rate
 * alone: with maxActive binding, the time a slot is kept (`activeMs`, learned by the tick from ended admissions, set
 * here) sets the pace.
 */
import { describe, expect, onTestFinished, vi } from 'vitest';
import { connectSocket, test } from '../../infra/testing/index.js';
import { createQueueKeys } from '../../queue/index.js';

const WAIT = { timeout: 10_000, interval: 50 };

describe('queue pushes', () => {
  test('promise the wait at the pace of shoppers finishing while maxActive binds', async ({
    dropline,
    api,
    prefix,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    // One slot: the first shopper is admitted and keeps it (nobody finishes), the others wait behind.
    const { drop } = await api.openDrop({ admissionPerMinute: 600, maxActive: 1, stock: 50 });
    const guests: { token: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const g = await api.guest();
      expect((await api.post(`/api/drops/${drop.id}/queue`, { token: g.token })).status).toBe(201);
      guests.push(g);
    }
    const last = await connectSocket(`http://127.0.0.1:${server.port}`, guests[3]!.token);
    onTestFinished(() => last.close());
    expect(await last.call('watch', { dropId: drop.id })).toMatchObject({ status: 'waiting' });
    const me = async () =>
      (await api.get(`/api/drops/${drop.id}/queue/me`, { token: guests[3]!.token })).body;
    // The first shopper goes in; until an admission has ended the configured rate is the estimate: 2 ahead at
    // 600 a minute, 1 s.
    await vi.waitFor(async () => expect(await me()).toMatchObject({ ahead: 2, etaSeconds: 1 }), WAIT);

    // Slots kept a minute each, one slot: one shopper a minute, so 2 ahead is 2 minutes.
    await dropline.redis.hset(createQueueKeys(prefix).config(drop.id), 'activeMs', '60000');
    const paced = await last.next('queue', (e) => e.etaSeconds === 120);
    expect(paced).toMatchObject({ status: 'waiting', ahead: 2, paused: false, pauseMessage: null });
    expect(await me()).toMatchObject({ ahead: 2, etaSeconds: 120 });
  });
});
