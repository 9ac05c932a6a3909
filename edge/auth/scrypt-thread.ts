/**
 * The source of one password-hashing thread of hash-pool.ts, run with `new Worker(source, { eval: true })` so that
 * it needs no loader (it runs as it is under tsx, vitest and node alike). It hashes with scrypt synchronously, on a
 * thread of its own at a low CPU priority (Linux: niceness 10 for this thread alone, found through
 * /proc/thread-self), so that a flood of sign-ins yields the CPU to the event loop, and never takes a slot of libuv's
 * thread pool, which file reads share. Not the lowest (19): on a saturated machine that left a hash a share of about
 * 1.5 % of a core, 20 s for 0.3 s of work; at 10 it gets about a tenth.
 *
 * Message in: { id, password, salt (Uint8Array), keyLength, N, r, p, maxmem }; out: { id, key } or { id, error }.
 */
export const SCRYPT_THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').at(-1));
  if (Number.isInteger(tid) && tid > 0) require('node:os').setPriority(tid, 10);
} catch {
  // Not Linux, or not allowed: the thread keeps the process's priority.
}
parentPort.on('message', ({ id, password, salt, keyLength, N, r, p, maxmem }) => {
  try {
    const key = scryptSync(password.normalize('NFKC'), salt, keyLength, { N, r, p, maxmem });
    parentPort.postMessage({ id, key });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;
