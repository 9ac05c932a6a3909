/**
 * Who holds units of a drop, by client address and by the device id the page sends: the per-drop cap of accounts
 * holding units from one address, and the operator's report of suspected hoarding (many accounts behind one address
 * or one device). One script call before a hold (claim), one more only when the hold then fails (unclaim).
 * A device id is whatever the page stored in localStorage: a hint for the report that a bot can change at will, so
 * it never refuses anything; the address (with TRUST_PROXY, as the rate limiter reads it) is what the cap counts.
 */
import type { Redis } from 'ioredis';
import type { EdgeKeys, HolderKind } from './keys.js';
import { HttpProblem } from './problems.js';
import { assertEdgeScripts, EdgeCode } from './scripts.js';

/** The header the page names its device in: a random id it keeps in localStorage. */
export const DEVICE_HEADER = 'x-device-id';
const DEVICE_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** A device id as sent, or '' when none or a malformed one (a hint: nothing is refused for it). */
export const deviceOf = (value: string | undefined): string => (value && DEVICE_ID.test(value) ? value : '');

export interface HoldersDeps {
  redis: Redis;
  keys: EdgeKeys;
  /** Accounts that may hold units of one drop from one address; 0: no cap (the report still counts). */
  capPerAddress: number;
  /** How long a drop's holder records outlive its last hold. */
  ttlSeconds?: number;
}

export interface HolderClaim {
  dropId: string;
  shopperId: string;
  address: string;
  device: string;
  added: [number, number];
}

/** One address or device of the hoarding report. */
export interface HolderGroup {
  value: string;
  accounts: number;
  shopperIds: string[];
}

export interface HoardingReport {
  /** Addresses and devices with at least `minAccounts` accounts holding units, most accounts first. */
  addresses: HolderGroup[];
  devices: HolderGroup[];
}

export type Holders = ReturnType<typeof createHolders>;

export function createHolders({ redis, keys, capPerAddress, ttlSeconds = 7 * 86_400 }: HoldersDeps) {
  assertEdgeScripts(redis);
  // Keys take the value as is after the drop's hash tag; a very long forwarded address is cut, not refused.
  const keysOf = (dropId: string, address: string, device: string) => [
    keys.holders(dropId, 'address', address),
    keys.holderCounts(dropId, 'address'),
    keys.holders(dropId, 'device', device),
    keys.holderCounts(dropId, 'device'),
  ];

  return {
    /** Counts the shopper as a holder from `address`; throws 429 `address_limit` past the cap. */
    async claim(dropId: string, shopperId: string, rawAddress: string, device: string): Promise<HolderClaim> {
      const address = rawAddress.slice(0, 100);
      const reply = await redis.edgeHolderClaim(
        ...keysOf(dropId, address, device),
        shopperId,
        capPerAddress,
        address,
        device,
        ttlSeconds,
      );
      const [code, addedAddress, addedDevice] = Array.isArray(reply) ? (reply as unknown[]) : [];
      if (code === EdgeCode.HOLDERS_CAPPED) {
        throw new HttpProblem(
          'address_limit',
          `${capPerAddress} accounts already hold units of this drop from your address`,
        );
      }
      if (code !== EdgeCode.OK)
        throw new Error(`edge holder-claim: unexpected reply ${JSON.stringify(reply)}`);
      return { dropId, shopperId, address, device, added: [Number(addedAddress), Number(addedDevice)] };
    },

    /** Gives a claim back after its hold failed. */
    async unclaim({ dropId, shopperId, address, device, added }: HolderClaim): Promise<void> {
      if (!added[0] && !added[1]) return;
      await redis.edgeHolderUnclaim(...keysOf(dropId, address, device), shopperId, address, device, ...added);
    },

    /** Runs `hold` as the claim's holder: claims first, gives the claim back when `hold` fails. */
    async holding<T>(claim: Promise<HolderClaim>, hold: () => Promise<T>): Promise<T> {
      const claimed = await claim;
      try {
        return await hold();
      } catch (error) {
        await this.unclaim(claimed).catch(() => {}); // a stale count errs towards the report, never a sale
        throw error;
      }
    },

    /** Addresses and devices of a drop with at least `minAccounts` accounts holding units (at most `limit` each). */
    async report(dropId: string, minAccounts = 2, limit = 100): Promise<HoardingReport> {
      const group = async (kind: HolderKind): Promise<HolderGroup[]> => {
        const flat = await redis.zrevrangebyscore(
          keys.holderCounts(dropId, kind),
          '+inf',
          minAccounts,
          'WITHSCORES',
          'LIMIT',
          0,
          limit,
        );
        const values = flat.filter((_, i) => i % 2 === 0);
        const members = await Promise.all(values.map((v) => redis.smembers(keys.holders(dropId, kind, v))));
        return values.map((value, i) => ({
          value,
          accounts: members[i]!.length,
          shopperIds: members[i]!.sort(),
        }));
      };
      const [addresses, devices] = await Promise.all([group('address'), group('device')]);
      return { addresses, devices };
    },
  };
}
