import { describe, expect, test } from 'vitest';
import { toProblem } from './problems.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const named = (message: string, name: string) => Object.assign(new Error(message), { name });

describe('toProblem', () => {
  test.for([
    [
      'ioredis gave up on a command',
      named('Reached the max retries per request limit', 'MaxRetriesPerRequestError'),
    ],
    ['ioredis on a closed connection', new Error('Connection is closed.')],
    [
      'postgres.js lost its connection',
      withCode('write CONNECTION_CLOSED 127.0.0.1:5432', 'CONNECTION_CLOSED'),
    ],
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED')],
    ['PostgreSQL starting up', withCode('the database system is starting up', '57P03')],
    ['PostgreSQL shutting down', withCode('terminating connection due to administrator command', '57P01')],
  ] as const)('an outage (%s) is 503 unavailable, leaking nothing', ([, error]) => {
    const { problem, expected } = toProblem(error);
    expect(problem).toMatchObject({ status: 503, code: 'unavailable' });
    expect(JSON.stringify(problem)).not.toMatch(
      /127\.0\.0\.1|CONNECTION|ECONN|retries|database system|administrator/,
    );
    expect(expected).toBe(true);
  });

  test('any other error is a generic 500', () => {
    expect(toProblem(withCode('relation "drops" does not exist', '42P01')).problem).toMatchObject({
      status: 500,
      code: 'internal',
    });
    expect(toProblem('a string').problem.status).toBe(500);
  });
});
