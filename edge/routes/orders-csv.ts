/**
 * A drop's orders as CSV (RFC 4180): one header row, then one record per order, CRLF after each. A cell that a
 * spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading
 * `'`, as OWASP advises against CSV injection; a cell holding a quote, comma or line break is quoted, its quotes
 * doubled.
 */
import type { DropOrder } from '../../workers/orders/index.js';

export const CSV_HEADER = [
  'order number',
  'order id',
  'status',
  'quantity',
  'amount',
  'currency',
  'created at',
  'paid at',
  'buyer name',
  'email',
  'address line 1',
  'address line 2',
  'city',
  'region',
  'postal code',
  'country',
  'shipped at',
  'tracking',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: neutralised if a spreadsheet would run it, quoted if it holds a quote, comma or line break. */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** One record, CRLF-terminated. */
export const csvRecord = (cells: readonly string[]): string => `${cells.map(csvCell).join(',')}\r\n`;

const fractionDigits = new Map<string, number>();

/** Minor units as the currency's units, without rounding through floating point: 4999 USD → "49.99", 1200 JPY → "1200". */
export function currencyUnits(minor: number, currency: string): string {
  let digits = fractionDigits.get(currency);
  if (digits === undefined) {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2;
    fractionDigits.set(currency, digits);
  }
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const units = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return minor < 0 ? `-${units}` : units;
}

export function orderRecord(o: DropOrder, currency: string): string {
  const a = o.buyer?.address;
  return csvRecord([
    o.number ?? '',
    o.id,
    o.status,
    String(o.quantity),
    currencyUnits(o.amountCents, currency),
    currency,
    o.createdAt.toISOString(),
    o.paidAt?.toISOString() ?? '',
    o.buyer?.name ?? '',
    o.buyer?.email ?? '',
    a?.line1 ?? '',
    a?.line2 ?? '',
    a?.city ?? '',
    a?.region ?? '',
    a?.postalCode ?? '',
    a?.country ?? '',
    o.shipment?.shippedAt.toISOString() ?? '',
    o.shipment?.tracking ?? '',
  ]);
}

/** `orders-<sku>-<yyyy-mm-dd>.csv`, in letters, digits, dots and dashes only (safe in any header or file system). */
export function csvFilename(sku: string, at: Date): string {
  const slug =
    sku
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'drop';
  return `orders-${slug}-${at.toISOString().slice(0, 10)}.csv`;
}

/**
 * The CSV of `batches` as a byte stream, pulled: the next batch is read only when the reader has taken the last,
 * so memory holds one batch whatever the file's size. The first batch is read before the stream is made, so a
 * database that cannot answer fails the request (a problem answer) rather than the download. Cancelling the stream
 * (the client went away) ends the batches, which closes their cursor; `done` runs once, however it ends.
 */
export async function csvStream(
  batches: AsyncGenerator<DropOrder[]>,
  currency: string,
  { onError, done }: { onError: (error: unknown) => void; done: () => void },
): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder();
  let finished = false;
  const finish = () => {
    if (!finished) {
      finished = true;
      done();
    }
  };
  let next: IteratorResult<DropOrder[]> | undefined;
  try {
    next = await batches.next();
  } catch (error) {
    finish();
    throw error;
  }
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvRecord(CSV_HEADER)));
    },
    async pull(controller) {
      try {
        const step = next ?? (await batches.next());
        next = undefined;
        if (step.done) {
          finish();
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(step.value.map((o) => orderRecord(o, currency)).join('')));
      } catch (error) {
        finish();
        onError(error);
        controller.error(error);
      }
    },
    async cancel() {
      try {
        await batches.return(undefined);
      } finally {
        finish();
      }
    },
  });
}
