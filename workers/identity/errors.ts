/** identity/'s errors. `code` is the contract's stable problem code (edge/ maps errors by code, not by class). */

/** Another user already signed up with this email. */
export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
  readonly code = 'conflict';
}
