/**
 * The shoppers' HTTP client: fetch with a timeout, every answer's status tallied (5xx counted), and a request whose
 * answer is lost on purpose (sent whole over a socket that is closed before anything is read).
 */
import { connect } from 'node:net';

export interface Answer {
  /** 0 when no answer came (connection refused or reset, or the timeout). */
  status: number;
  body: Record<string, unknown>;
}

export interface Tally {
  /** `<step> <status>` → count, e.g. `pay 200`, `pay 503`, `reserve 0` (no answer). */
  statuses: Record<string, number>;
  fiveXx: number;
}

export const newTally = (): Tally => ({ statuses: {}, fiveXx: 0 });

export interface RequestInit {
  method?: string;
  token?: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
}

function headersOf(init: RequestInit): Record<string, string> {
  return {
    ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    ...init.headers,
  };
}

/** One request; never throws: a failure to get an answer is status 0. */
export async function request(
  tally: Tally,
  step: string,
  url: string,
  init: RequestInit = {},
): Promise<Answer> {
  let answer: Answer;
  try {
    const res = await fetch(url, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: headersOf(init),
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = { text: text.slice(0, 200) };
    }
    answer = {
      status: res.status,
      body: typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {},
    };
  } catch (error) {
    answer = { status: 0, body: { error: error instanceof Error ? error.message : String(error) } };
  }
  const key = `${step} ${answer.status}`;
  tally.statuses[key] = (tally.statuses[key] ?? 0) + 1;
  if (answer.status >= 500) tally.fiveXx++;
  return answer;
}

/**
 * Sends a whole POST and closes the connection without reading the answer: the server still handles the request
 * (its body has arrived), but the shopper never learns the outcome, as when a phone loses its signal.
 */
export function sendAndDrop(url: string, init: RequestInit): Promise<void> {
  const { hostname, port, pathname } = new URL(url);
  const body = init.body === undefined ? '' : JSON.stringify(init.body);
  let head = `${init.method ?? 'POST'} ${pathname} HTTP/1.1\r\nhost: ${hostname}:${port}\r\nconnection: close\r\n`;
  for (const [name, value] of Object.entries(headersOf(init))) head += `${name}: ${value}\r\n`;
  head += `content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('error', () => resolve());
    // Whatever comes back is read and dropped, so that the socket closes when the server closes it.
    socket.resume();
    socket.setTimeout(30_000, () => socket.destroy());
    socket.once('connect', () => socket.end(head + body, () => resolve()));
  });
}
