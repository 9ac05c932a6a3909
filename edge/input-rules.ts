/**
 * The bounds of what the API accepts in dates and free text: what PostgreSQL and Redis can store, and what a page can
 * show without being fooled. Anything outside is a 400 naming the field, before it reaches either store.
 */
import { z } from 'zod';

/** The first and last instants a date may name: PostgreSQL writes years after 9999 in a form it cannot read back. */
export const EARLIEST_INSTANT = Date.UTC(1970, 0, 1);
export const LATEST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * An ISO-8601 date and time with an offset (`Z` or `±hh:mm`), as a Date within the years 1970 to 9999 once the offset
 * is applied: `9999-12-31T23:59:59-14:00` is in the year 10000 UTC, so it is refused.
 */
export const instant = () =>
  z.iso
    .datetime({ offset: true, message: 'must be an ISO-8601 date and time, e.g. 2030-01-31T18:00:00Z' })
    .transform((v) => new Date(v))
    .refine((d) => !Number.isNaN(d.getTime()), 'is not a real date')
    .refine(
      (d) => d.getTime() >= EARLIEST_INSTANT && d.getTime() <= LATEST_INSTANT,
      'must fall within the years 1970 to 9999 (UTC)',
    );

/**
 * Characters that are never part of a title or description: C0 controls (the newline aside where text may span
 * lines), DEL and C1 controls; bidirectional marks, embeddings, overrides and isolates, which reorder what a page
 * shows around them; line and paragraph separators; invisible format characters (zero-width space, word joiner,
 * invisible operators, byte order mark, interlinear annotations). Joiners (U+200C, U+200D), which scripts and emoji
 * need, stay allowed.
 */
function isRefused(code: number, newlines: boolean): boolean {
  if (code === 0x0a) return !newlines;
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x061c ||
    code === 0x200b ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x206f) ||
    code === 0xfeff ||
    (code >= 0xfff9 && code <= 0xfffb)
  );
}

const hex = (code: number) => `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `value` cannot be stored as text, or null when it can. */
export function textProblem(value: string, { newlines }: { newlines: boolean }): string | null {
  // Iterating a string yields whole code points: a surrogate seen alone has no partner (not valid Unicode).
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code === 0) return 'must not contain NUL characters';
    if (code >= 0xd800 && code <= 0xdfff) return 'must be valid Unicode (an unpaired surrogate was found)';
    if (isRefused(code, newlines))
      return `must not contain control or invisible formatting characters (${hex(code)} found)`;
  }
  return null;
}

function checked(schema: z.ZodString, newlines: boolean) {
  return schema.superRefine((value, ctx) => {
    const message = textProblem(value, { newlines });
    if (message) ctx.addIssue({ code: 'custom', message });
  });
}

/** One line of text, trimmed, 1 to `max` characters: a title or a SKU. */
export const lineText = (max: number) =>
  checked(z.string().trim().min(1, 'must not be empty').max(max), false);

/** A search box's text, trimmed, up to `max` characters, possibly empty: the same characters as one line of text. */
export const searchText = (max: number) => checked(z.string().trim().max(max), false);

/** Text that may span lines (newlines only: no carriage returns or tabs), up to `max` characters: a description. */
export const proseText = (max: number) => checked(z.string().max(max), true);
