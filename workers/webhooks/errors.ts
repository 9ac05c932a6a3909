/** The webhooks' errors; edge/ maps them by `code`. */

export interface FieldError {
  field: string;
  message: string;
}

export class WebhookInputError extends Error {
  override name = 'WebhookInputError';
  readonly code = 'validation_failed';
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  }
}

export class WebhookNotFoundError extends Error {
  override name = 'WebhookNotFoundError';
  readonly code = 'not_found';
  constructor(what: 'endpoint' | 'delivery') {
    super(what === 'endpoint' ? 'no webhook endpoint is set' : 'delivery not found');
  }
}

/** The delivery is being attempted this moment: asking again shortly works. */
export class DeliveryBusyError extends Error {
  override name = 'DeliveryBusyError';
  readonly code = 'conflict';
  constructor() {
    super('the delivery is being attempted right now; try again in a few seconds');
  }
}
