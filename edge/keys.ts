/**
 * Redis keys that edge/ itself uses (the waiting room's and the inventory's keys live in their folders).
 *
 *   <prefix>rate:<name>:<client>:<window>    string   requests of one client address in one fixed window
 *   <prefix>{drop:<id>}:e:holders:<kind>:<v>  set     accounts that held units of the drop from one client address
 *                                                     (kind `address`) or one device the page named (`device`)
 *   <prefix>{drop:<id>}:e:holder-counts:<kind> zset   address or device → its number of accounts (the hoarding report)
 *   <prefix>pow:guest:<challenge>          string   an unused guest-session challenge → the bits it was issued at (PX)
 *   <prefix>{login:<account>}:pair:<client>   hash    sign-in attempts at one account from one address: n, until (ms)
 *   <prefix>{login:<account>}:all             hash    sign-in attempts at one account from addresses it never used
 *   <prefix>{login:<account>}:known           set     addresses that signed in to the account
 *   <prefix>sessions:ended                 channel  pub/sub: `{userId, validAfter}` when a user's sessions end
 * The holder keys expire a while after their last hold (edge/holders.ts); `<account>` is a digest of the email, and
 * the sign-in keys expire after a quiet while (edge/auth/login-guard.ts).
 */
export type HolderKind = 'address' | 'device';

export interface EdgeKeys {
  rate(name: string, client: string, window: number): string;
  holders(dropId: string, kind: HolderKind, value: string): string;
  holderCounts(dropId: string, kind: HolderKind): string;
  guestChallenge(challenge: string): string;
  loginPair(account: string, client: string): string;
  loginAccount(account: string): string;
  loginKnown(account: string): string;
  sessionsEnded(): string;
}

export function createEdgeKeys(prefix: string): EdgeKeys {
  return {
    rate: (name, client, window) => `${prefix}rate:${name}:${client}:${window}`,
    holders: (dropId, kind, value) => `${prefix}{drop:${dropId}}:e:holders:${kind}:${value}`,
    holderCounts: (dropId, kind) => `${prefix}{drop:${dropId}}:e:holder-counts:${kind}`,
    loginPair: (account, client) => `${prefix}{login:${account}}:pair:${client}`,
    loginAccount: (account) => `${prefix}{login:${account}}:all`,
    loginKnown: (account) => `${prefix}{login:${account}}:known`,
    guestChallenge: (challenge) => `${prefix}pow:guest:${challenge}`,
    sessionsEnded: () => `${prefix}sessions:ended`,
  };
}
