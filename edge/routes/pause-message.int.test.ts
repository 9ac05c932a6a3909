/**
 * The organiser's pause message: set with the admission settings (validated, audited), shown in the queue state
 * (GET …/queue/me, POST …/queue, the socket `watch` ack) and pushed live to waiting sockets.
 */
import { describe, expect, onTestFinished } from 'vitest';
import { connectSocket, expectInvalid, test, type Api } from '../../infra/testing/index.js';
import type { AuditJson } from './admin-drops.js';

const MESSAGE = 'Restocking the sizes — back at 18:05 🙏';

/** An open drop with three guests in its line (joined in order), and the operator's calls. */
async function lineOf(api: Api) {
  // Paused from the start, so that nobody is admitted before the test looks.
  const { operator, drop } = await api.openDrop({ admissionPerMinute: 60, stock: 50 });
  const admin = `/api/admin/drops/${drop.id}`;
  const put = (body: unknown) => api.put(`${admin}/admission`, { token: operator.token, body });
  expect((await put({ paused: true })).status).toBe(200);
  const guests = [];
  for (let i = 0; i < 3; i++) {
    const g = await api.guest();
    expect((await api.post(`/api/drops/${drop.id}/queue`, { token: g.token })).status).toBe(201);
    guests.push(g);
  }
  return {
    dropId: drop.id,
    guests,
    put,
    admission: async () => (await api.get(`${admin}/admission`, { token: operator.token })).body,
    audit: async () => (await api.get(`${admin}/audit`, { token: operator.token })).body as AuditJson,
    me: async (token: string) => (await api.get(`/api/drops/${drop.id}/queue/me`, { token })).body,
  };
}

describe('the pause message', () => {
  test('an operator sets it with the pause; the queue state shows it while paused; null clears it; audited', async ({
    api,
  }) => {
    const line = await lineOf(api);
    const last = line.guests[2]!.token;
    expect(await line.me(last)).toMatchObject({
      status: 'waiting',
      ahead: 2,
      etaSeconds: null,
      paused: true,
      pauseMessage: null,
    });

    const set = await line.put({ pauseMessage: `  ${MESSAGE} ` });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({
      perMinute: 60,
      maxActive: 500,
      paused: true,
      pauseMessage: MESSAGE,
      challengeBits: 0,
    });
    expect(await line.admission()).toEqual(set.body);
    expect(await line.me(last)).toMatchObject({ paused: true, pauseMessage: MESSAGE, etaSeconds: null });
    // A repeat join answers the same state.
    const again = await api.post(`/api/drops/${line.dropId}/queue`, { token: last });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'waiting', paused: true, pauseMessage: MESSAGE });

    // Resumed: the message is kept for the operator but not shown, and the wait is promised again.
    expect((await line.put({ paused: false })).status).toBe(200);
    const running = await line.me(last);
    expect(running).toMatchObject({ paused: false, pauseMessage: null });
    expect(running.etaSeconds).toEqual(expect.any(Number));
    expect((await line.admission()).pauseMessage).toBe(MESSAGE);

    expect((await line.put({ paused: true, pauseMessage: null })).status).toBe(200);
    expect(await line.admission()).toMatchObject({ paused: true, pauseMessage: null });
    expect(await line.me(last)).toMatchObject({ paused: true, pauseMessage: null });

    const changes = (await line.audit()).entries
      .filter((e) => e.change.field === 'pauseMessage')
      .map((e) => e.change);
    expect(changes).toEqual([
      { field: 'pauseMessage', from: MESSAGE, to: null },
      { field: 'pauseMessage', from: null, to: MESSAGE },
    ]);
  });

  test('a bad message is 400 problem+json naming pauseMessage, and changes nothing', async ({ api }) => {
    const line = await lineOf(api);
    expect((await line.put({ pauseMessage: 'Back soon' })).status).toBe(200);
    const before = await line.admission();
    const auditBefore = await line.audit();
    const stateBefore = await line.me(line.guests[0]!.token);
    const cases: [string, unknown][] = [
      ['201 characters', 'x'.repeat(201)],
      ['empty', ''],
      ['only spaces', '   '],
      ['a newline', 'Back\nsoon'],
      ['a control character', 'Back\u0007soon'],
      ['a right-to-left override', 'Back \u202esoon'],
      ['a zero-width space', 'Back\u200bsoon'],
      ['an unpaired surrogate', 'Back \ud800 soon'],
      ['a number', 5],
      ['an object', { text: 'Back soon' }],
    ];
    for (const [name, pauseMessage] of cases) {
      const r = await line.put({ paused: false, pauseMessage });
      expect({ name, status: r.status }).toEqual({ name, status: 400 });
      expectInvalid(r, 'pauseMessage');
    }
    expect((await line.put({ pauseMessage: 'é'.repeat(200) })).status).toBe(200);
    expect((await line.put({ pauseMessage: 'Back soon' })).status).toBe(200);
    expect(await line.admission()).toEqual(before);
    expect(await line.me(line.guests[0]!.token)).toEqual(stateBefore);
    // Only the two good changes were recorded.
    expect((await line.audit()).entries.length).toBe(auditBefore.entries.length + 2);
  });

  test('reaches a waiting socket by push, within a push of each change', async ({ dropline, api }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const line = await lineOf(api);
    const socket = await connectSocket(`http://127.0.0.1:${server.port}`, line.guests[2]!.token);
    onTestFinished(() => socket.close());
    expect(await socket.call('watch', { dropId: line.dropId })).toMatchObject({
      status: 'waiting',
      paused: true,
      pauseMessage: null,
    });

    expect((await line.put({ pauseMessage: MESSAGE })).status).toBe(200);
    const told = await socket.next('queue', (e) => e.pauseMessage === MESSAGE);
    expect(told).toMatchObject({ dropId: line.dropId, status: 'waiting', paused: true, etaSeconds: null });

    expect((await line.put({ pauseMessage: 'Five more minutes' })).status).toBe(200);
    await socket.next('queue', (e) => e.pauseMessage === 'Five more minutes');

    expect((await line.put({ paused: false })).status).toBe(200);
    const resumed = await socket.next('queue', (e) => !e.paused);
    expect(resumed).toMatchObject({ paused: false, pauseMessage: null, etaSeconds: expect.any(Number) });
  });
});
