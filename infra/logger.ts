/**
 * Structured JSON logs (pino) on stdout. A buyer's details and card never belong in a log: should an object
 * carrying them be logged by mistake (a request body, a pay request, a receipt mail, a database error's
 * parameters), these paths are written as "[redacted]".
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

const PERSONAL = [
  'buyer',
  'card',
  'address',
  'shippingAddress',
  'shipping_address',
  'buyer_name',
  'buyer_email',
];

export const REDACTED_PATHS = [
  ...PERSONAL,
  ...PERSONAL.map((key) => `*.${key}`),
  'body',
  '*.body',
  'text',
  '*.text',
  'to',
  '*.to',
  // PostgreSQL's errors: the statement's parameters, and a detail that may quote the failing row.
  'err.parameters',
  '*.err.parameters',
  'err.detail',
  '*.err.detail',
];

/** A logger on stdout, or on `destination` (tests). */
export function createLogger(
  level: Config['logLevel'],
  name = 'dropline',
  destination?: DestinationStream,
): Logger {
  const options = {
    name,
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
