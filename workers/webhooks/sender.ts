/**
 * One HTTP attempt: a POST of the signed body, never following a redirect (node:http does not), given up after the
 * timeout. A 2xx answer is success; any other answer, a refused or reset connection or the timeout is a failed
 * attempt, described in a few words that hold neither the body nor the secret. Where internal addresses are not
 * allowed, the host's addresses are checked as they are resolved, so a public name pointing inside is refused too.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isInternalAddress } from './target.js';

export const REQUEST_TIMEOUT_MS = 10_000;
const MAX_ANSWER_BYTES = 64 * 1024;

export type AttemptResult =
  { ok: true; status: number } | { ok: false; status: number | null; error: string };

export interface SendOptions {
  timeoutMs?: number;
  /** Whether the host may resolve to a loopback, private or other internal address (never in production). */
  allowInternal: boolean;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** dns.lookup that refuses internal addresses. */
function publicLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses;
    const refused = list.find((a) => isInternalAddress(a.address));
    if (refused || list.length === 0) {
      const blocked = new Error('the host resolves to an internal address') as NodeJS.ErrnoException;
      blocked.code = 'EADDRBLOCKED';
      return callback(blocked, []);
    }
    if (options.all) return callback(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRBLOCKED: 'host resolves to an internal address',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
};

/** A short, safe description of a failed connection: its code only, never a message that may quote the URL. */
function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return NETWORK_ERRORS[code] ?? `network error (${code.slice(0, 40)})`;
  return 'network error';
}

export function sendAttempt(
  url: string,
  body: string,
  headers: Record<string, string>,
  { timeoutMs = REQUEST_TIMEOUT_MS, allowInternal }: SendOptions,
): Promise<AttemptResult> {
  const target = new URL(url);
  // An address written in the URL is never looked up: it is checked here.
  if (!allowInternal && isInternalAddress(target.hostname))
    return Promise.resolve({ ok: false, status: null, error: NETWORK_ERRORS.EADDRBLOCKED! });
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const options: RequestOptions = {
    method: 'POST',
    headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    signal: AbortSignal.timeout(timeoutMs),
    ...(allowInternal ? {} : { lookup: publicLookup }),
  };
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: AttemptResult) => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    const req = request(target, options, (res) => {
      const status = res.statusCode ?? 0;
      let read = 0;
      // The answer's body is not kept; it is read (to a limit) so the connection ends cleanly.
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) res.destroy();
      });
      res.on('error', () => {});
      res.on('close', () =>
        finish(
          status >= 200 && status < 300
            ? { ok: true, status }
            : { ok: false, status, error: `answered ${status}` },
        ),
      );
    });
    req.on('error', (error) => {
      const timedOut =
        (error as { name?: string }).name === 'AbortError' ||
        (error as { name?: string }).name === 'TimeoutError';
      finish({
        ok: false,
        status: null,
        error: timedOut ? `no answer within ${timeoutMs / 1000} s` : describe(error),
      });
    });
    req.end(body);
  });
}
