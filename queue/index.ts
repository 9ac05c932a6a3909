/**
 * queue/: the waiting room and admission. Redis only; it imports no other project folder. What it needs to know of
 * stock (a drop's available units) comes as a key that infra/ passes in.
 */
export { ACTIVE_SCORE, createQueueKeys, type QueueKeys } from './keys.js';
export { QueueCode } from './codes.js';
export { queueScripts } from './scripts.js';
export {
  createWaitingRoom,
  etaSeconds,
  type DropQueueSettings,
  type IssuedChallenge,
  type JoinProof,
  type QueueFigures,
  type QueueStatus,
  type QueueView,
  type WaitingRoom,
} from './waiting-room.js';
export {
  createAdmissionController,
  type Admitted,
  type AdmissionController,
  type TickResult,
} from './admission.js';
export {
  AllSoldError,
  ChallengeFailedError,
  DropNotFoundError,
  DropNotOpenError,
  NotInQueueError,
} from './errors.js';
