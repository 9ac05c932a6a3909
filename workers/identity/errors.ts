/** identity/'s errors. `code` is the contract's stable problem code (edge/ maps errors by code, not by class). */

/** Another user already signed up with this email. */
export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
  readonly code = 'conflict';
}

/** A brand user was to join a brand that does not exist: a bad field of the request. */
export class BrandNotFoundError extends Error {
  override name = 'BrandNotFoundError';
  readonly code = 'validation_failed';
  readonly errors = [{ field: 'brandId', message: 'is not a known brand' }];
}
