/**
 * Prices as a brand types them: in the drop's currency's units ("249.00" for EUR, "2490" for JPY), turned into the
 * minor units the API takes and back. A currency's decimals come from Intl, as the pages' `money` uses them.
 */

/** The API's largest price, in minor units. */
export const MAX_PRICE_MINOR = 100_000_000;

/** The currency's decimals (2 for EUR and USD, 0 for JPY); null for a code Intl does not know. */
export function decimalsOf(currency: string): number | null {
  try {
    return (
      new Intl.NumberFormat(undefined, { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits ?? 2
    );
  } catch {
    return null;
  }
}

/** Minor units → the amount as typed: 24900 EUR → "249.00", 2490 JPY → "2490". */
export function unitsText(minor: number, currency: string): string {
  const d = decimalsOf(currency) ?? 2;
  if (d === 0) return String(minor);
  const whole = Math.floor(minor / 10 ** d);
  return `${whole}.${String(minor % 10 ** d).padStart(d, '0')}`;
}

/** An example price in the currency's units, for hints and errors: "249.00", "2490". */
export const priceExample = (currency: string) => ((decimalsOf(currency) ?? 2) === 0 ? '2490' : '249.00');

/** What the brand should type: "Enter a price like 249.00 (at most 1000000.00)". */
export const priceHint = (currency: string) =>
  `Enter a price like ${priceExample(currency)} (at most ${unitsText(MAX_PRICE_MINOR, currency)}).`;

/**
 * The typed price in minor units, or null when it is not a price in this currency: digits, and for a currency with
 * decimals a point and at most that many after it. Exact (no floating point): "0.29" is 29.
 */
export function parsePrice(text: string, currency: string): number | null {
  const d = decimalsOf(currency) ?? 2;
  const match = (d === 0 ? /^(\d{1,12})$/ : new RegExp(`^(\\d{1,12})(?:\\.(\\d{1,${d}}))?$`)).exec(
    text.trim(),
  );
  if (!match) return null;
  const minor = Number(match[1]) * 10 ** d + Number((match[2] ?? '').padEnd(d, '0') || 0);
  return minor <= MAX_PRICE_MINOR ? minor : null;
}
