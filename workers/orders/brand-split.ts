/** A drop's takings split between its brands by their shares. */

export interface BrandTakings {
  brandId: string;
  name: string;
  sharePercent: number;
  paidCents: number;
}

/**
 * Splits `paidCents` by whole-percent shares (adding up to 100) with the largest remainder method: each brand gets
 * the floor of its exact part, and the cents left over go one each to the largest fractional parts (the earlier
 * brand, the lead, first on a tie), so the parts add up to `paidCents` exactly. BigInt keeps totals past 2^53 / 100
 * exact.
 */
export function splitByShare(
  paidCents: number,
  brands: readonly { id: string; name: string; sharePercent: number }[],
): BrandTakings[] {
  const total = BigInt(paidCents);
  const exact = brands.map((b) => total * BigInt(b.sharePercent));
  const parts = exact.map((e) => e / 100n);
  let left = total - parts.reduce((sum, p) => sum + p, 0n);
  const byRemainder = exact
    .map((e, i) => ({ i, remainder: e % 100n }))
    .sort((a, b) => (a.remainder === b.remainder ? a.i - b.i : a.remainder > b.remainder ? -1 : 1));
  for (const { i } of byRemainder) {
    if (left <= 0n) break;
    parts[i]! += 1n;
    left -= 1n;
  }
  return brands.map((b, i) => ({
    brandId: b.id,
    name: b.name,
    sharePercent: b.sharePercent,
    paidCents: Number(parts[i]),
  }));
}
