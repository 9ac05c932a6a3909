/**
 * Every Redis key that inventory/ uses. All keys of one drop share the hash tag `{drop:<id>}`, so each script
 * touches a single slot and runs on Redis Cluster too. `prefix` isolates deployments and tests (default `dl:`).
 *
 *   <prefix>{drop:<id>}:meta    hash   the drop as mirrored from PostgreSQL: status, stock, price, limits, version
 *   <prefix>{drop:<id>}:stock   hash   units: total, available, held, sold (available + held + sold = total)
 */
export interface InventoryKeys {
  dropMeta(dropId: string): string;
  stock(dropId: string): string;
}

export function createInventoryKeys(prefix: string): InventoryKeys {
  if (/[{}]/.test(prefix))
    throw new Error('a key prefix may not contain braces: they would move the hash tag');
  return {
    dropMeta: (dropId) => `${prefix}{drop:${dropId}}:meta`,
    stock: (dropId) => `${prefix}{drop:${dropId}}:stock`,
  };
}
