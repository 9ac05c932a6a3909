/**
 * orders/' errors. `code` is the contract's stable problem code: edge/ maps errors by code, not by class.
 */

/** No such order on the drop named (an unknown id, or an order of another drop). */
export class OrderNotFoundError extends Error {
  override name = 'OrderNotFoundError';
  readonly code = 'not_found';
  constructor(options?: ErrorOptions) {
    super('order not found', options);
  }
}

/** Only a paid order can be shipped. */
export class OrderNotPaidError extends Error {
  override name = 'OrderNotPaidError';
  readonly code = 'conflict';
  constructor(status: string, options?: ErrorOptions) {
    super(`only a paid order can be shipped; this one is ${status}`, options);
  }
}
