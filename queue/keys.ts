/**
 * Every Redis key that queue/ uses. All keys of one drop share the hash tag `{drop:<id>}`, so every script touches one
 * slot and runs on Redis Cluster too. `prefix` isolates deployments and tests (default `dl:`).
 *
 *   <prefix>{drop:<id>}:q:config   hash    status, perMinute, maxActive, paused, pauseMessage, challengeBits,
 *                                          version (mirrored from the drop);
 *                                          credit, lastTick (the admission controller's rate state);
 *                                          activeMs (how long an admitted shopper keeps a slot, a moving average
 *                                          kept by the tick: the line's pace when maxActive binds)
 *   <prefix>{drop:<id>}:q:pre      zset    pre-queue: shopper → random score drawn at join; its order at opening
 *   <prefix>{drop:<id>}:q:wait     zset    waiting shoppers: shopper → place (1-based, never reused)
 *   <prefix>{drop:<id>}:q:seq      string  the last place given
 *   <prefix>{drop:<id>}:q:state    hash    shopper → "status|place|admissionEndsAtMs" for every shopper who ever joined
 *   <prefix>{drop:<id>}:q:active   zset    active shoppers: shopper → end of their admission (ms). Whoever keeps holds
 *                                          sets it to ACTIVE_SCORE.holding while the shopper holds units, and to
 *                                          ACTIVE_SCORE.finished when all its holds have ended; the next tick then
 *                                          records `finished` and frees the slot
 *   <prefix>{drop:<id>}:q:serving  string  nowServing: the highest place admitted so far
 *   <prefix>{drop:<id>}:q:stats    hash    "j:<10 s bucket>" joins, "a:<bucket>" admissions, "admitted" total
 *   <prefix>{drop:<id>}:q:lease    string  the admission controller that ticks this drop (owner id, expires)
 *   <prefix>{drop:<id>}:q:pow:<c>  string  an unused proof-of-work challenge `c` → the shopper it was issued to;
 *                                          expires (PX) after the challenge's lifetime, deleted by the join that uses it
 *   <prefix>queue:live             set     drops the admission controllers tick (open, sold out, or just ended)
 */
/**
 * The active-set scores that whoever keeps holds writes (infra/ hands them to the inventory's scripts): `holding`
 * keeps a shopper active until its holds end, however long its window was; `finished` (below every time) marks a
 * shopper whose holds have all ended (paid, released or expired), which the next tick records as `finished`.
 */
export const ACTIVE_SCORE = { holding: 1e15, finished: -1 } as const;

export interface QueueKeys {
  config(dropId: string): string;
  pre(dropId: string): string;
  wait(dropId: string): string;
  seq(dropId: string): string;
  state(dropId: string): string;
  active(dropId: string): string;
  serving(dropId: string): string;
  stats(dropId: string): string;
  lease(dropId: string): string;
  challenge(dropId: string, challenge: string): string;
  live(): string;
}

export function createQueueKeys(prefix: string): QueueKeys {
  if (/[{}]/.test(prefix))
    throw new Error('a key prefix may not contain braces: they would move the hash tag');
  const drop = (dropId: string, name: string) => `${prefix}{drop:${dropId}}:q:${name}`;
  return {
    config: (id) => drop(id, 'config'),
    pre: (id) => drop(id, 'pre'),
    wait: (id) => drop(id, 'wait'),
    seq: (id) => drop(id, 'seq'),
    state: (id) => drop(id, 'state'),
    active: (id) => drop(id, 'active'),
    serving: (id) => drop(id, 'serving'),
    stats: (id) => drop(id, 'stats'),
    lease: (id) => drop(id, 'lease'),
    challenge: (id, challenge) => drop(id, `pow:${challenge}`),
    live: () => `${prefix}queue:live`,
  };
}
