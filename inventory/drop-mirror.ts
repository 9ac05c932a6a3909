/** The drop's mirror in Redis, from which joins, reservations and stock reads learn the drop without PostgreSQL. */
import type { Redis } from 'ioredis';
import { InventoryCode, settle } from './codes.js';
import type { InventoryKeys } from './keys.js';
import { assertInventoryScripts } from './scripts.js';

export type MirroredStatus = 'scheduled' | 'open' | 'sold_out' | 'closed' | 'cancelled';

export interface MirroredDrop {
  id: string;
  version: number;
  status: MirroredStatus;
  stock: number;
  priceCents: number;
  currency: string;
  perUserLimit: number;
  holdSeconds: number;
  admissionPerMinute: number;
  maxActive: number;
  opensAt: Date;
  closesAt: Date | null;
}

const STATUSES: readonly MirroredStatus[] = ['scheduled', 'open', 'sold_out', 'closed', 'cancelled'];
const isStatus = (value: string): value is MirroredStatus => (STATUSES as readonly string[]).includes(value);

export interface DropMirror {
  /** Writes the drop unless Redis already holds this version or a newer one; returns whether it wrote. */
  write(drop: MirroredDrop): Promise<boolean>;
  /** The mirrored drop, or null when Redis has none (never mirrored, or Redis lost its data). */
  read(dropId: string): Promise<MirroredDrop | null>;
}

export function createDropMirror({ redis, keys }: { redis: Redis; keys: InventoryKeys }): DropMirror {
  assertInventoryScripts(redis);
  return {
    async write(drop) {
      const fields = {
        priceCents: drop.priceCents,
        currency: drop.currency,
        perUserLimit: drop.perUserLimit,
        holdSeconds: drop.holdSeconds,
        admissionPerMinute: drop.admissionPerMinute,
        maxActive: drop.maxActive,
        opensAt: drop.opensAt.getTime(),
        closesAt: drop.closesAt?.getTime() ?? '',
      };
      const args = Object.entries(fields).flatMap(([field, value]) => [field, String(value)]);
      const reply = await redis.inventoryMirrorDrop(
        keys.dropMeta(drop.id),
        keys.stock(drop.id),
        drop.version,
        drop.status,
        String(drop.stock),
        ...args,
      );
      // Live drops are swept for overdue holds and their outbox is relayed (see background.ts).
      if (drop.status === 'open' || drop.status === 'sold_out') await redis.sadd(keys.live(), drop.id);
      return settle('mirror', reply, [InventoryCode.OK, InventoryCode.UNCHANGED]).code === InventoryCode.OK;
    },
    async read(dropId) {
      const hash = await redis.hgetall(keys.dropMeta(dropId));
      if (Object.keys(hash).length === 0) return null;
      return parseMirror(dropId, hash);
    },
  };
}

function parseMirror(id: string, hash: Record<string, string>): MirroredDrop {
  const int = (field: string): number => {
    const value = Number(hash[field]);
    if (!Number.isSafeInteger(value)) throw new Error(`drop mirror ${id}: field ${field} is not an integer`);
    return value;
  };
  const status = hash.status ?? '';
  if (!isStatus(status)) throw new Error(`drop mirror ${id}: unknown status ${JSON.stringify(status)}`);
  return {
    id,
    version: int('version'),
    status,
    stock: int('stock'),
    priceCents: int('priceCents'),
    currency: hash.currency ?? '',
    perUserLimit: int('perUserLimit'),
    holdSeconds: int('holdSeconds'),
    admissionPerMinute: int('admissionPerMinute'),
    maxActive: int('maxActive'),
    opensAt: new Date(int('opensAt')),
    closesAt: hash.closesAt ? new Date(int('closesAt')) : null,
  };
}
