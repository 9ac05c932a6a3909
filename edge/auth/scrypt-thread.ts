/**
 * The source of one password-hashing thread of hash-pool.ts, run with `new Worker(source, { eval: true })` so that
 * it needs no loader (it runs as it is under tsx, vitest and node alike). It hashes with scrypt synchronously, on a
 * thread of its own at the lowest CPU priority (Linux: niceness 19 for this thread alone, found through
 * /proc/thread-self), so that a flood of sign-ins takes CPU only when the event loop has none to use, and never takes
 * a slot of libuv's thread pool, which file reads share.
 *
 * Message in: { id, password, salt (Uint8Array), keyLength, N, r, p, maxmem }; out: { id, key } or { id, error }.
 */
export const SCRYPT_THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').at(-1));
  if (Number.isInteger(tid) && tid > 0) require('node:os').setPriority(tid, 19);
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
