/**
 * Redis keys that edge/ itself uses (the waiting room's and the inventory's keys live in their folders).
 *
 *   <prefix>rate:<name>:<client>:<window>    string   requests of one client address in one fixed window
 */
export interface EdgeKeys {
  rate(name: string, client: string, window: number): string;
}

export function createEdgeKeys(prefix: string): EdgeKeys {
  return {
    rate: (name, client, window) => `${prefix}rate:${name}:${client}:${window}`,
  };
}
