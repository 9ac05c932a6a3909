/**
 * Lean clients for the load generators, written on `node:net`: HTTP/1.1 over a pool of keep-alive connections
 * (one request at a time on each, as a browser does), here, and a WebSocket client in `wire-websocket.ts`. They
 * share the two cores with the server they measure, so they do no more than the wire asks: `node:http` and `ws`
 * cost the rush generator about three times the CPU per shopper.
 */
import { connect, type Socket } from 'node:net';

/** The end of a message head. */
export const CRLF2 = Buffer.from('\r\n\r\n');

export interface HttpAnswer {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
}

/** Splits a response head (`HTTP/1.1 201 Created\r\nname: value…`) into its status and lower-cased headers. */
export function parseHead(head: string): { status: number; headers: Record<string, string> } {
  const lines = head.split('\r\n');
  const status = Number(lines[0]?.split(' ')[1]);
  if (!Number.isInteger(status)) throw new Error(`not an HTTP response: ${lines[0]?.slice(0, 80)}`);
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers };
}

/**
 * Decodes a chunked body from `buf`; undefined until the last chunk has arrived.
 * `{ body, used }`: the body and how many bytes of `buf` it took.
 */
function dechunk(buf: Buffer): { body: Buffer; used: number } | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(buf.toString('latin1', at, eol), 16);
    if (!Number.isInteger(size)) throw new Error('a malformed chunked body');
    if (size === 0) {
      const end = buf.indexOf(CRLF2, eol);
      return end < 0 ? undefined : { body: Buffer.concat(parts), used: end + 4 };
    }
    if (buf.length < eol + 2 + size + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

interface Pending {
  head: string;
  resolve(answer: HttpAnswer): void;
  reject(error: Error): void;
}

/** One keep-alive connection: a request at a time; the pool hears when it is free again, or gone. */
class HttpConnection {
  private readonly socket: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private current: Pending | undefined;

  constructor(
    host: string,
    port: number,
    private readonly pool: { free(c: HttpConnection): void; gone(c: HttpConnection): void },
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', () => {}); // `close` follows and settles the request in flight
    this.socket.on('close', () => {
      this.current?.reject(new Error('the server closed the connection before answering'));
      this.current = undefined;
      this.pool.gone(this);
    });
  }

  send(pending: Pending) {
    this.current = pending;
    this.socket.write(pending.head);
  }

  private onData(chunk: Buffer) {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const end = this.buf.indexOf(CRLF2);
    if (end < 0 || !this.current) return;
    try {
      const { status, headers } = parseHead(this.buf.toString('latin1', 0, end));
      let body: Buffer;
      let used: number;
      if (headers['transfer-encoding']?.includes('chunked')) {
        const decoded = dechunk(this.buf.subarray(end + 4));
        if (!decoded) return;
        ({ body } = decoded);
        used = end + 4 + decoded.used;
      } else {
        const length = Number(headers['content-length'] ?? 0);
        if (this.buf.length < end + 4 + length) return;
        body = this.buf.subarray(end + 4, end + 4 + length);
        used = end + 4 + length;
      }
      this.buf = this.buf.subarray(used);
      const done = this.current;
      this.current = undefined;
      done.resolve({ status, headers, body: body.toString('utf8') });
      if (headers.connection?.toLowerCase() === 'close') this.socket.end();
      else this.pool.free(this);
    } catch (error) {
      this.current?.reject(error instanceof Error ? error : new Error(String(error)));
      this.current = undefined;
      this.socket.destroy();
    }
  }
}

/** HTTP/1.1 to one host over at most `size` keep-alive connections; requests beyond them wait their turn. */
export class HttpPool {
  private readonly idle: HttpConnection[] = [];
  private readonly waiting: Pending[] = [];
  private readonly live = new Set<HttpConnection>();
  private readonly events = {
    free: (c: HttpConnection) => {
      const next = this.waiting.shift();
      if (next) c.send(next);
      else this.idle.push(c);
    },
    gone: (c: HttpConnection) => {
      this.live.delete(c);
      const at = this.idle.indexOf(c);
      if (at >= 0) this.idle.splice(at, 1);
      const next = this.waiting.shift();
      if (next) this.dispatch(next);
    },
  };

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly size: number,
  ) {}

  request(method: string, path: string, headers: Record<string, string>, body = ''): Promise<HttpAnswer> {
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    head += `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    return new Promise((resolve, reject) => this.dispatch({ head, resolve, reject }));
  }

  private dispatch(pending: Pending) {
    let connection = this.idle.pop();
    if (!connection && this.live.size < this.size) {
      connection = new HttpConnection(this.host, this.port, this.events);
      this.live.add(connection);
    }
    if (connection) connection.send(pending);
    else this.waiting.push(pending);
  }
}
