import { toProblem } from '../problems.js';
import type { SocketErrorJson } from '../socket-contract.js';

/** A socket error as the contract gives it: the problem's `code`, and its detail as `message`. */
export function socketError(error: unknown): SocketErrorJson {
  const { problem } = toProblem(error);
  return { code: problem.code, message: problem.detail };
}
