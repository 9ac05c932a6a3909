/**
 * media/'s errors. `code` is the contract's stable problem code: edge/ maps errors by code, not by class.
 */

/** The bytes are not a JPEG, PNG or WebP whose header can be read, whatever the file's name or declared type. */
export class UnsupportedImageError extends Error {
  override name = 'UnsupportedImageError';
  readonly code = 'unsupported_image';
  constructor(options?: ErrorOptions) {
    super('the file is not a JPEG, PNG or WebP image (judged by its content)', options);
  }
}

export class ImageTooLargeError extends Error {
  override name = 'ImageTooLargeError';
  readonly code = 'payload_too_large';
  constructor(maxBytes: number, options?: ErrorOptions) {
    super(`an image may be at most ${maxBytes} bytes`, options);
  }
}

/** The drop has as many images as it may have. */
export class ImageLimitError extends Error {
  override name = 'ImageLimitError';
  readonly code = 'limit_reached';
  constructor(max: number, options?: ErrorOptions) {
    super(`a drop may have at most ${max} images: remove one first`, options);
  }
}

export class ImageNotFoundError extends Error {
  override name = 'ImageNotFoundError';
  readonly code = 'not_found';
  constructor(options?: ErrorOptions) {
    super('image not found', options);
  }
}

/** A well-formed image breaks a rule (its dimensions, a position past the end). */
export class InvalidImageError extends Error {
  override name = 'InvalidImageError';
  readonly code = 'validation_failed';
  readonly errors: { field: string; message: string }[];
  constructor(field: string, message: string, options?: ErrorOptions) {
    super(`${field}: ${message}`, options);
    this.errors = [{ field, message }];
  }
}
