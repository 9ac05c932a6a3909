/**
 * infra/kit/: plumbing with no domain knowledge, written once and handed in by the composition roots — the Lua
 * script loader, the ticker loop and the lease. It imports no project folder; the rooms never import it: they take
 * what it makes as arguments (a clock is anything with `Date`'s `now()`, Date itself in production).
 */
export { defineScripts, scriptText, type ScriptSet } from './lua-scripts.js';
export { createTicker, startTicker, type Ticker, type TickerOptions } from './ticker.js';
export { createLease, type TakeLease } from './lease.js';
