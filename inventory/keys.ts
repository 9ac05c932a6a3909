/**
 * Every Redis key that inventory/ uses. All keys of one drop share the hash tag `{drop:<id>}`, so each script
 * touches a single slot and runs on Redis Cluster too. `prefix` isolates deployments and tests (default `dl:`).
 *
 *   <prefix>{drop:<id>}:meta                hash    the drop as mirrored from PostgreSQL: status, stock, price,
 *                                                   perUserLimit, holdSeconds, version; seq (counts every change of
 *                                                   units or holds), availabilitySeq (numbers drop.sold_out events),
 *                                                   fenced (set while Redis is rebuilt from PostgreSQL)
 *   <prefix>{drop:<id>}:stock               hash    units: total, available, held, sold (available + held + sold = total)
 *   <prefix>{drop:<id>}:holds               hash    reservation id → JSON hold record (see holds.ts)
 *   <prefix>{drop:<id>}:deadlines           zset    reservation id → deadline (ms), for holds still held
 *   <prefix>{drop:<id>}:units               hash    shopper → units held or paid (what perUserLimit counts);
 *                                                   live:<shopper> → the shopper's latest hold while it is held
 *   <prefix>{drop:<id>}:heldby              hash    shopper → units held now (the shopper is active while > 0)
 *   <prefix>{drop:<id>}:outbox              stream  events written by the scripts, relayed to JetStream
 *   <prefix>{drop:<id>}:outbox:lease        string  the relay that drains this outbox (owner id, expires)
 *   <prefix>{drop:<id>}:idem:<shopper>:<k>  string  a reservation's Idempotency-Key: request hash and reservation id
 *   <prefix>inventory:live                  set     drops whose holds are swept and whose outbox is relayed
 */
export interface InventoryKeys {
  dropMeta(dropId: string): string;
  stock(dropId: string): string;
  holds(dropId: string): string;
  deadlines(dropId: string): string;
  units(dropId: string): string;
  heldBy(dropId: string): string;
  outbox(dropId: string): string;
  outboxLease(dropId: string): string;
  idempotency(dropId: string, shopperId: string, key: string): string;
  live(): string;
}

export function createInventoryKeys(prefix: string): InventoryKeys {
  if (/[{}]/.test(prefix))
    throw new Error('a key prefix may not contain braces: they would move the hash tag');
  const drop = (dropId: string, name: string) => `${prefix}{drop:${dropId}}:${name}`;
  return {
    dropMeta: (id) => drop(id, 'meta'),
    stock: (id) => drop(id, 'stock'),
    holds: (id) => drop(id, 'holds'),
    deadlines: (id) => drop(id, 'deadlines'),
    units: (id) => drop(id, 'units'),
    heldBy: (id) => drop(id, 'heldby'),
    outbox: (id) => drop(id, 'outbox'),
    outboxLease: (id) => drop(id, 'outbox:lease'),
    // The key is hashed by the caller, so any header value makes a short, safe key.
    idempotency: (id, shopperId, key) => drop(id, `idem:${shopperId}:${key}`),
    live: () => `${prefix}inventory:live`,
  };
}

/** A drop's keys in the order every hold script takes them (see commands/includes/holds.lua). */
export function holdScriptKeys(
  keys: InventoryKeys,
  activeKey: (dropId: string) => string,
  dropId: string,
): string[] {
  return [
    keys.dropMeta(dropId),
    keys.stock(dropId),
    keys.holds(dropId),
    keys.deadlines(dropId),
    keys.units(dropId),
    keys.heldBy(dropId),
    keys.outbox(dropId),
    activeKey(dropId),
  ];
}
