/**
 * What a shopper does in one tab or device reaches its others at once, on the shopper's own room (`u:<shopper>`):
 * joining or leaving a line (`place`, whether through POST …/queue, DELETE …/queue/me or the socket's `join`) and a
 * hold made or given back (`hold`). Another shopper hears none of it.
 */
import { describe, expect, onTestFinished, vi } from 'vitest';
import { connectSocket, test } from '../../infra/testing/index.js';

const ADMIT = { timeout: 10_000, interval: 50 };

describe('a shopper’s own pushes', () => {
  test('joining, leaving, holding and giving back reach the shopper’s other connections only', async ({
    api,
    dropline,
  }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${server.port}`;
    const { drop } = await api.openDrop({ admissionPerMinute: 600 });
    const shopper = await api.guest();
    const stranger = await api.guest();
    const [tab, phone, other] = await Promise.all([
      connectSocket(url, shopper.token),
      connectSocket(url, shopper.token),
      connectSocket(url, stranger.token),
    ]);
    onTestFinished(() => [tab, phone, other].forEach((s) => s.close()));
    const places = () => phone.received('place').filter((p) => p.dropId === drop.id).length;

    expect((await api.post(`/api/drops/${drop.id}/queue`, { token: shopper.token })).status).toBe(201);
    await vi.waitFor(() => expect(places()).toBe(1));
    // Joining again is no change: nothing is pushed.
    expect((await api.post(`/api/drops/${drop.id}/queue`, { token: shopper.token })).status).toBe(200);

    expect((await api.delete(`/api/drops/${drop.id}/queue/me`, { token: shopper.token })).status).toBe(204);
    await vi.waitFor(() => expect(places()).toBe(2));

    // Joined again over the socket of one tab: the other hears it.
    expect(await tab.call('join', { dropId: drop.id })).toMatchObject({ created: true });
    await vi.waitFor(() => expect(places()).toBe(3));
    expect(tab.received('place')).toHaveLength(2);

    const admission = await vi.waitFor(async () => {
      const me = await api.get(`/api/drops/${drop.id}/queue/me`, { token: shopper.token });
      expect(me.body.status).toBe('admitted');
      return me.body.admission.token as string;
    }, ADMIT);
    const held = await api.post(`/api/drops/${drop.id}/reservations`, {
      token: shopper.token,
      headers: { 'x-admission-token': admission },
      body: { quantity: 1 },
    });
    expect(held.status).toBe(201);
    await phone.next('hold', (p) => p.reservationId === held.body.id && p.status === 'held');
    expect((await api.delete(`/api/reservations/${held.body.id}`, { token: shopper.token })).status).toBe(
      200,
    );
    await phone.next('hold', (p) => p.reservationId === held.body.id && p.status === 'released');

    expect(places()).toBe(3);
    expect(other.received('place')).toEqual([]);
    expect(other.received('hold')).toEqual([]);
  });
});
