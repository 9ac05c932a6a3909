import { describe, expect, test } from 'vitest';
import { QueueCode, settle } from './codes.js';

describe('settle', () => {
  test('returns an expected code with the rest of the reply', () => {
    expect(settle('tick', QueueCode.NOT_LEADER, [QueueCode.OK, QueueCode.NOT_LEADER])).toEqual({
      code: QueueCode.NOT_LEADER,
      rest: [],
    });
    expect(settle('join', [QueueCode.OK, 1, 'waiting']).rest).toEqual([1, 'waiting']);
  });

  test.for([
    [QueueCode.DROP_NOT_FOUND, 'DropNotFoundError', 'not_found'],
    [QueueCode.DROP_SHUT, 'DropNotOpenError', 'drop_not_open'],
    [QueueCode.NOT_IN_QUEUE, 'NotInQueueError', 'not_found'],
    [QueueCode.SOLD_OUT, 'AllSoldError', 'sold_out'],
  ] as const)('code %i becomes %s', ([code, name, contract]) => {
    expect(() => settle('join', code)).toThrow(expect.objectContaining({ name, code: contract }));
  });

  test('an unexpected code is a plain error naming the script', () => {
    expect(() => settle('leave', QueueCode.NOT_LEADER)).toThrow(/queue leave: unexpected reply -3/);
  });
});
