/**
 * Solves a proof-of-work challenge off the page's thread: finds a nonce such that SHA-256(`<challenge>:<nonce>`)
 * starts with `bits` zero bits (the edge checks the same in edge/proof-of-work.ts). Hashes in batches with
 * WebCrypto, posting `{tried}` after each batch and `{nonce}` when done.
 */
interface Scope {
  onmessage: ((event: MessageEvent<{ challenge: string; bits: number }>) => void) | null;
  postMessage(message: { tried: number } | { nonce: string }): void;
}
const scope = self as unknown as Scope;
const encoder = new TextEncoder();
const BATCH = 256;

function zeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

async function solve(challenge: string, bits: number): Promise<string> {
  for (let start = 0; ; start += BATCH) {
    const nonces = Array.from({ length: BATCH }, (_, i) => String(start + i));
    const digests = await Promise.all(
      nonces.map((n) => crypto.subtle.digest('SHA-256', encoder.encode(`${challenge}:${n}`))),
    );
    // The first solving nonce of the batch, as a sequential search would find it.
    const found = digests.findIndex((d) => zeroBits(new Uint8Array(d)) >= bits);
    if (found >= 0) return nonces[found]!;
    scope.postMessage({ tried: start + BATCH });
  }
}

scope.onmessage = (event) => {
  void solve(event.data.challenge, event.data.bits).then((nonce) => scope.postMessage({ nonce }));
};
