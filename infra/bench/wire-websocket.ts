/**
 * The load generators' WebSocket client, on `node:net` (RFC 6455: masked client frames, fragmented server messages,
 * ping, close handshake): no more than the wire asks, for the reason `wire.ts` gives.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { CRLF2, parseHead } from './wire.js';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface WireSocket {
  send(text: string): void;
  /** Starts the closing handshake; the TCP connection ends once the server answers it. */
  close(): void;
}

export interface WireSocketHandlers {
  message(text: string): void;
  /** Once, when the connection is over (after a close, an error, or the server ending it). */
  closed(error?: Error): void;
}

/** A client frame: FIN, the opcode, the mask bit with a fresh masking key, and the masked payload. */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerLength + 4 + length);
  out[0] = 0x80 | opcode;
  if (length < 126) out[1] = 0x80 | length;
  else if (length < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  // The masking key only keeps proxies from reading frames as requests: a load generator's PRNG is enough.
  const key = (Math.random() * 0x100000000) >>> 0;
  out.writeUInt32BE(key, headerLength);
  const mask = out.subarray(headerLength, headerLength + 4);
  for (let i = 0; i < length; i++) out[headerLength + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return out;
}

/** One whole server frame at the start of a buffer, and how many bytes it took. */
interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
  size: number;
}

/** The frame at the start of `buf`; undefined until all of it has arrived. */
function readFrame(buf: Buffer): Frame | undefined {
  if (buf.length < 2) return undefined;
  let length = buf[1]! & 0x7f;
  let at = 2;
  if (length === 126) {
    if (buf.length < 4) return undefined;
    length = buf.readUInt16BE(2);
    at = 4;
  } else if (length === 127) {
    if (buf.length < 10) return undefined;
    length = Number(buf.readBigUInt64BE(2));
    at = 10;
  }
  if ((buf[1]! & 0x80) !== 0) throw new Error('the server sent a masked frame');
  if (buf.length < at + length) return undefined;
  return {
    fin: (buf[0]! & 0x80) !== 0,
    opcode: buf[0]! & 0x0f,
    payload: buf.subarray(at, at + length),
    size: at + length,
  };
}

/** Opens a WebSocket to `ws://host:port/path`; `message` gets each text message once the upgrade is accepted. */
export function openWebSocket(
  host: string,
  port: number,
  path: string,
  handlers: WireSocketHandlers,
): WireSocket {
  return new WebSocketClient(host, port, path, handlers);
}

class WebSocketClient implements WireSocket {
  private readonly socket: Socket;
  /** The `sec-websocket-accept` the server must answer with. */
  private readonly accept: string;
  private upgraded = false;
  /** Once over, nothing more reaches the handlers. */
  private over = false;
  /** A close frame has been sent or received: the end of the TCP connection is expected, not an error. */
  private closing = false;
  private buf: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];

  constructor(
    host: string,
    port: number,
    path: string,
    private readonly handlers: WireSocketHandlers,
  ) {
    const key = randomBytes(16).toString('base64');
    this.accept = createHash('sha1')
      .update(key + WS_GUID)
      .digest('base64');
    this.socket = connect({ host, port, noDelay: true });
    this.socket.write(
      `GET ${path} HTTP/1.1\r\nhost: ${host}:${port}\r\nupgrade: websocket\r\nconnection: Upgrade\r\n` +
        `sec-websocket-key: ${key}\r\nsec-websocket-version: 13\r\n\r\n`,
    );
    this.socket.on('error', (error) => this.finish(error));
    this.socket.on('end', () =>
      this.closing ? this.finish() : this.finish(new Error('the server ended the connection')),
    );
    this.socket.on('close', () => this.finish(this.closing ? undefined : new Error('the connection closed')));
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  send(text: string) {
    if (!this.over && !this.closing) this.socket.write(frame(0x1, Buffer.from(text)));
  }

  close() {
    if (this.over || this.closing) return;
    this.closing = true;
    if (this.upgraded)
      this.socket.write(frame(0x8, Buffer.from([0x03, 0xe8]))); // 1000, normal closure
    else this.socket.destroy();
  }

  private finish(error?: Error) {
    if (this.over) return;
    this.over = true;
    this.socket.destroy();
    this.handlers.closed(error);
  }

  private onData(chunk: Buffer) {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    if (!this.upgraded && !this.readUpgrade()) return;
    for (;;) {
      let next: Frame | undefined;
      try {
        next = readFrame(this.buf);
      } catch (error) {
        return this.finish(error as Error);
      }
      if (!next) return;
      this.buf = this.buf.subarray(next.size);
      if (!this.onFrame(next)) return;
    }
  }

  /** Reads the server's answer to the upgrade; false while it is incomplete, or when it refused. */
  private readUpgrade(): boolean {
    const end = this.buf.indexOf(CRLF2);
    if (end < 0) return false;
    const { status, headers } = parseHead(this.buf.toString('latin1', 0, end));
    if (status !== 101 || headers['sec-websocket-accept'] !== this.accept) {
      this.finish(new Error(`the WebSocket upgrade was refused (${status})`));
      return false;
    }
    this.upgraded = true;
    this.buf = this.buf.subarray(end + 4);
    return true;
  }

  /** Acts on one frame; false when the connection is closing and the frames after it are not read. */
  private onFrame({ fin, opcode, payload }: Frame): boolean {
    if (opcode === 0x8) {
      // The server closes, or answers our close: answer it (once) and let the server end the TCP connection.
      if (!this.closing) this.socket.write(frame(0x8, payload.subarray(0, 2)));
      this.closing = true;
      this.socket.end();
      return false;
    }
    if (opcode === 0x9) this.socket.write(frame(0xa, payload));
    else if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) {
      this.fragments.push(payload);
      if (!fin) return true;
      const text = (
        this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments)
      ).toString('utf8');
      this.fragments = [];
      if (!this.over) this.handlers.message(text);
    }
    return true;
  }
}
