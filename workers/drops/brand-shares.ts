/** The rules of a drop's brands, as a brand or an operator names them: checked before anything is written. */
import type { BrandShare } from './drop.js';
import { InvalidInputError } from './errors.js';

/** The most brands one drop names, the lead included. */
export const MAX_DROP_BRANDS = 8;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isShare = (s: unknown): s is BrandShare =>
  typeof s === 'object' &&
  s !== null &&
  typeof (s as BrandShare).brandId === 'string' &&
  UUID.test((s as BrandShare).brandId) &&
  Number.isInteger((s as BrandShare).sharePercent) &&
  (s as BrandShare).sharePercent >= 1 &&
  (s as BrandShare).sharePercent <= 100;

/**
 * The drop's brands, checked: a list of at most 8 distinct existing brands with whole-percent shares from 1 to 100
 * adding up to exactly 100, the lead among them. Every broken rule is reported, each under the field `brands`.
 * Returns the shares with lower-case ids, as stored.
 */
export async function checkBrandShares(
  input: unknown,
  leadId: string,
  brandExists: (id: string) => Promise<boolean>,
): Promise<BrandShare[]> {
  const fail = (...messages: string[]): never => {
    throw new InvalidInputError(messages.map((message) => ({ field: 'brands', message })));
  };
  if (!Array.isArray(input)) return fail('must be a list of { brandId, sharePercent }');
  if (input.length === 0) return fail('must name the lead brand at least');
  if (input.length > MAX_DROP_BRANDS) return fail(`names ${input.length} brands; at most ${MAX_DROP_BRANDS}`);
  if (!input.every(isShare))
    return fail('each brand is { brandId: a brand id, sharePercent: a whole percent from 1 to 100 }');
  const shares = input.map((s) => ({ brandId: s.brandId.toLowerCase(), sharePercent: s.sharePercent }));

  const messages: string[] = [];
  const ids = shares.map((s) => s.brandId);
  const twice = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  if (twice.length > 0) messages.push(`names a brand more than once: ${twice.join(', ')}`);
  if (!ids.includes(leadId)) messages.push(`must include the lead brand ${leadId}`);
  const total = shares.reduce((sum, s) => sum + s.sharePercent, 0);
  if (total !== 100) messages.push(`shares must add up to 100; these add up to ${total}`);
  const partners = [...new Set(ids.filter((id) => id !== leadId))];
  const exists = await Promise.all(partners.map((id) => brandExists(id)));
  const unknown = partners.filter((_, i) => !exists[i]);
  if (unknown.length > 0) messages.push(`no such brand: ${unknown.join(', ')}`);
  if (messages.length > 0) fail(...messages);
  return shares;
}
