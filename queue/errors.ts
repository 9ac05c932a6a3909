/** Errors of the waiting room. `code` is the contract's stable problem code. */

export class DropNotFoundError extends Error {
  override name = 'DropNotFoundError';
  readonly code = 'not_found';
  constructor(options?: ErrorOptions) {
    super('drop not found', options);
  }
}

export class DropNotOpenError extends Error {
  override name = 'DropNotOpenError';
  readonly code = 'drop_not_open';
  constructor(options?: ErrorOptions) {
    super('the drop is closed or cancelled: its waiting room is shut', options);
  }
}

export class NotInQueueError extends Error {
  override name = 'NotInQueueError';
  readonly code = 'not_found';
  constructor(options?: ErrorOptions) {
    super('you are not in this drop’s waiting room', options);
  }
}

/** Joining a drop sold out for good: every unit is sold and none held, so the line is closed. */
export class AllSoldError extends Error {
  override name = 'AllSoldError';
  readonly code = 'sold_out';
  constructor(options?: ErrorOptions) {
    super('every unit of this drop is sold: its waiting room is closed', options);
  }
}

/** Joining needs a proof of work, and the one presented is missing, used, expired, someone else's or too weak. */
export class ChallengeFailedError extends Error {
  override name = 'ChallengeFailedError';
  readonly code = 'challenge_failed';
  constructor(options?: ErrorOptions) {
    super('this drop asks for a solved challenge to join: request a new one and solve it', options);
  }
}
