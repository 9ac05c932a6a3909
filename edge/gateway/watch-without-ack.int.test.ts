import { describe, expect, onTestFinished } from 'vitest';
import { connectSocket, test } from '../../infra/testing/index.js';

describe('a watch sent without an ack', () => {
  test('subscribes the socket to the drop’s pushes all the same', async ({ api, dropline, prefix }) => {
    const server = await dropline.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${server.port}`;
    const { drop } = await api.openDrop({ stock: 10 });
    const s = await connectSocket(url, (await api.guest()).token);
    onTestFinished(() => s.close());
    s.socket.emit('watch', { dropId: drop.id });
    // The socket's room is joined on receipt: a change after that must reach it.
    const withAck = await connectSocket(url, (await api.guest()).token);
    onTestFinished(() => withAck.close());
    await withAck.call('watch', { dropId: drop.id });
    const stockKey = `${prefix}{drop:${drop.id}}:stock`;
    await dropline.redis.multi().hincrby(stockKey, 'available', -3).hincrby(stockKey, 'held', 3).exec();
    expect(await withAck.next('stock', (e) => e.available === 7)).toMatchObject({ available: 7, held: 3 });
    expect(await s.next('stock', (e) => e.available === 7)).toMatchObject({ available: 7, held: 3 });
  });
});
