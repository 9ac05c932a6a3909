/**
 * drops/' errors. `code` is the contract's stable problem code: edge/ maps errors by code, not by class, so each
 * sub-room keeps its own errors and none imports a sibling to throw one.
 */

export interface FieldError {
  field: string;
  message: string;
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
  readonly code = 'not_found';
  constructor(what: string, options?: ErrorOptions) {
    super(`${what} not found`, options);
  }
}

/** The request is valid but the drop's current state does not allow it (a drop that has opened). */
export class ConflictError extends Error {
  override name = 'ConflictError';
  readonly code = 'conflict';
}

/** The actor may see the drop but not change it (another brand's drop). */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
  readonly code = 'forbidden';
}

/** A value is well-formed but refers to nothing usable, or breaks a rule across fields. */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  readonly code = 'validation_failed';
  constructor(
    readonly errors: FieldError[],
    options?: ErrorOptions,
  ) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '), options);
  }
}
