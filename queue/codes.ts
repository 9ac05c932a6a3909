/**
 * The status codes queue/'s scripts reply with, one table for all of them: a reply is a code, or a table whose first
 * element is the code. The scripts see each code as a Lua constant of the same name (see scripts.ts), so a number
 * is written nowhere else and a code means one thing in every script.
 */
import {
  AllSoldError,
  ChallengeFailedError,
  DropNotFoundError,
  DropNotOpenError,
  NotInQueueError,
} from './errors.js';

export enum QueueCode {
  /** configure: the waiting room holds this version of the drop or a newer one; nothing written. */
  UNCHANGED = 0,
  OK = 1,
  /** No waiting room is mirrored for the drop. */
  DROP_NOT_FOUND = -1,
  /** join: the drop is closed or cancelled. */
  DROP_SHUT = -2,
  /** tick: another admission controller holds the drop's lease. */
  NOT_LEADER = -3,
  /** leave: the shopper never joined, or left already. */
  NOT_IN_QUEUE = -4,
  /** join: a proof of work is asked for and none valid was presented (see join-8.lua). */
  CHALLENGE_FAILED = -5,
  /** join: the drop is sold out for good (every unit sold, none held): its line is closed. */
  SOLD_OUT = -6,
}

const ERRORS: Partial<Record<QueueCode, () => Error>> = {
  [QueueCode.DROP_NOT_FOUND]: () => new DropNotFoundError(),
  [QueueCode.DROP_SHUT]: () => new DropNotOpenError(),
  [QueueCode.NOT_IN_QUEUE]: () => new NotInQueueError(),
  [QueueCode.CHALLENGE_FAILED]: () => new ChallengeFailedError(),
  [QueueCode.SOLD_OUT]: () => new AllSoldError(),
};

/**
 * Splits a script's reply into its code and the rest. A code in `expected` is returned; one with a typed error is
 * thrown as that error; anything else is a broken script, thrown as a plain error.
 */
export function settle(
  script: string,
  reply: unknown,
  expected: readonly QueueCode[] = [QueueCode.OK],
): { code: QueueCode; rest: unknown[] } {
  const [code, ...rest] = Array.isArray(reply) ? (reply as unknown[]) : [reply];
  if (expected.includes(code as QueueCode)) return { code: code as QueueCode, rest };
  const error = ERRORS[code as QueueCode];
  if (error) throw error();
  throw new Error(`queue ${script}: unexpected reply ${JSON.stringify(reply)}`);
}
