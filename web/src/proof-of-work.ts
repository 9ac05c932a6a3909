/**
 * Proof of work on the page: a drop (or the guest sign-in) may ask for a solved challenge. The solving runs in a
 * Web Worker (pow-worker.ts) so the page stays responsive, and reports how far it got.
 */
import { api } from './api.js';

interface Challenge {
  challenge: string;
  bits: number;
}

/** How far a solve has come: the hashes tried, and the chance it would have finished by now (0..1). */
export interface SolveProgress {
  tried: number;
  share: number;
}

/** Solves the challenge in a worker; `onProgress` after each batch of hashes. */
export function solve(
  { challenge, bits }: Challenge,
  onProgress: (p: SolveProgress) => void,
): Promise<string> {
  if (bits === 0) return Promise.resolve('0');
  const worker = new Worker(new URL('./pow-worker.ts', import.meta.url), { type: 'module' });
  const expected = 2 ** bits;
  return new Promise<string>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<{ tried?: number; nonce?: string }>) => {
      const { tried, nonce } = event.data;
      if (nonce !== undefined) {
        worker.terminate();
        resolve(nonce);
      } else if (tried !== undefined) {
        onProgress({ tried, share: 1 - Math.exp(-tried / expected) });
      }
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(event.message || 'the challenge could not be solved in this browser'));
    };
    worker.postMessage({ challenge, bits });
  });
}

/** Asks `challengePath` for a challenge, solves it, and gives the X-Proof-Of-Work header to send. */
export async function proofHeader(
  challengePath: string,
  onProgress: (p: SolveProgress) => void,
): Promise<Record<string, string>> {
  const issued = await api<Challenge>(challengePath, { method: 'POST' });
  onProgress({ tried: 0, share: 0 });
  const nonce = await solve(issued, onProgress);
  return { 'x-proof-of-work': `${issued.challenge}.${nonce}` };
}

/** The page's device id, kept in localStorage: sent with holds, for the operator's hoarding report. */
export function deviceId(): string {
  try {
    let id = localStorage.getItem('dropline.device');
    if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      localStorage.setItem('dropline.device', id);
    }
    return id;
  } catch {
    return ''; // storage refused (private mode): no device id
  }
}
