/**
 * The proof of work's cost in a shopper's browser: Chromium (playwright-core, /usr/bin/chromium headless) solves
 * challenges with WebCrypto SHA-256 in batches, as the page's worker (web/src/pow-worker.ts) does, on the page's
 * thread here (a worker hashes at the same rate; it only keeps the page responsive). Where Chromium cannot start,
 * Node's WebCrypto stands in, and the result says so.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';

/** Solves `challenge` at `bits`; returns the hashes computed. The same code runs in Chromium and in Node. */
async function solveInPage([challenge, bits]: [string, number]): Promise<number> {
  const encoder = new TextEncoder();
  const zeroBits = (d: Uint8Array) => {
    let n = 0;
    for (const byte of d) {
      if (byte !== 0) return n + Math.clz32(byte) - 24;
      n += 8;
    }
    return n;
  };
  for (let start = 0; ; start += 256) {
    const digests = await Promise.all(
      Array.from({ length: 256 }, (_, i) =>
        crypto.subtle.digest('SHA-256', encoder.encode(`${challenge}:${start + i}`)),
      ),
    );
    // The work done is the whole batch, as in the page's worker.
    if (digests.some((d) => zeroBits(new Uint8Array(d)) >= bits)) return start + 256;
  }
}

export interface BrowserSolve {
  bits: number;
  solves: number;
  /** Median and slowest solve of the sample, ms. */
  medianMs: number;
  maxMs: number;
  /** Hashes a second over the sample, and the mean solve time that rate gives (2^bits hashes). */
  hashesPerSecond: number;
  expectedMs: number;
}

export interface BrowserCost {
  engine: 'chromium' | 'node-webcrypto';
  rows: BrowserSolve[];
}

type Solver = (challenge: string, bits: number) => Promise<number>;

async function sample(solve: Solver, bits: number, solves: number): Promise<BrowserSolve> {
  // At 0 bits the page joins as before, with no challenge at all.
  if (bits === 0) return { bits, solves: 0, medianMs: 0, maxMs: 0, hashesPerSecond: 0, expectedMs: 0 };
  const times: number[] = [];
  let hashes = 0;
  for (let i = 0; i < solves; i += 1) {
    const started = performance.now();
    hashes += await solve(randomBytes(16).toString('base64url'), bits);
    times.push(performance.now() - started);
  }
  const total = times.reduce((a, b) => a + b, 0);
  const sorted = [...times].sort((a, b) => a - b);
  const rate = hashes / (total / 1000);
  return {
    bits,
    solves,
    medianMs: Math.round(sorted[Math.floor(sorted.length / 2)]!),
    maxMs: Math.round(sorted.at(-1)!),
    hashesPerSecond: Math.round(rate),
    expectedMs: Math.round((2 ** bits / rate) * 1000),
  };
}

/** An empty page on 127.0.0.1: a secure context, as the shopper's https page is, so WebCrypto's subtle is there. */
async function blankPage(): Promise<Server> {
  const server = createServer((_req, res) => res.end('<!doctype html><title>pow</title>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** `solves(bits)`: how many challenges to solve at each difficulty. */
export async function browserCost(
  bitsList: number[],
  solves: (bits: number) => number,
): Promise<BrowserCost> {
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
  } catch {
    browser = undefined;
  }
  const server = await blankPage();
  try {
    const page = browser && (await (await browser.newContext()).newPage());
    await page?.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    // tsx names functions with a `__name` helper that the page does not have: give it one that does nothing.
    await page?.evaluate('globalThis.__name = (fn) => fn');
    const solve: Solver = page
      ? (challenge, bits) => page.evaluate(solveInPage, [challenge, bits] as [string, number])
      : (challenge, bits) => solveInPage([challenge, bits]);
    const rows = [];
    for (const bits of bitsList) rows.push(await sample(solve, bits, solves(bits)));
    return { engine: page ? 'chromium' : 'node-webcrypto', rows };
  } finally {
    await browser?.close();
    server.close();
  }
}
