// HAProxy's peers protocol 2.1 on the wire (doc/peers-v2.0.txt, checked byte by byte against haproxy 2.6.12):
// the message classes and types, the handshake status codes, the key type numbers, and the "encoded integer" (one
// byte below 240, else 4 bits in a 0xF0 lead byte and 7 bits per continuation byte). A growable writer and a
// bounds-checked reader over one message's bytes. Peers thread only; not a hot path for the forwarders.

/** Message classes (first byte). */
export const MsgClass = { CONTROL: 0, ERROR: 1, STICKTABLE: 10, RESERVED: 255 } as const;

/** Control messages (class 0): no payload. */
export const CtrlType = { RESYNC_REQUEST: 0, RESYNC_FINISHED: 1, RESYNC_PARTIAL: 2, RESYNC_CONFIRM: 3, HEARTBEAT: 4 } as const;

/** Error messages (class 1), sent just before the session is closed. */
export const ErrType = { PROTOCOL: 0, SIZE_LIMIT: 1 } as const;

/** Stick-table messages (class 10): types ≥ 128 carry an encoded length and a payload. */
export const StktType = {
  UPDATE: 128,
  INCUPDATE: 129,
  DEFINE: 130,
  SWITCH: 131,
  ACK: 132,
  UPDATE_TIMED: 133,
  INCUPDATE_TIMED: 134,
} as const;

/** Handshake status lines: the server's answer to a hello. */
export const PeerStatus = {
  SUCCEEDED: 200,
  TRY_AGAIN: 300,
  PROTOCOL_ERROR: 501,
  BAD_VERSION: 502,
  LOCAL_NAME_MISMATCH: 503,
  REMOTE_NAME_MISMATCH: 504,
} as const;

/** The hello's first line as haproxy 2.6 sends it: protocol name and version 2.1. */
export const PEER_PROTOCOL = 'HAProxyS';
export const PEER_MAJOR = 2;
export const PEER_MINOR = 1;

/** Key type numbers in a table definition (HAProxy's peer key types: sint 2, ipv4 4, ipv6 5, string 6, binary 7). */
export const KEY_TYPE_CODE = { integer: 2, ip: 4, ipv6: 5, string: 6, binary: 7 } as const;

/** The largest message orcalb reads (HAProxy's default buffer size): a longer one is a size-limit error. */
export const MAX_MESSAGE_BYTES = 16_384;

/** A malformed or unexpected message: the session answers with `errType` and closes. */
export class PeerProtocolError extends Error {
  readonly errType: number;
  constructor(message: string, errType: number = ErrType.PROTOCOL) {
    super(message);
    this.errType = errType;
  }
}

/** Appends bytes, growing as needed; `bytes()` is a view of what was written. */
export class WireWriter {
  private buf = new Uint8Array(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b & 0xff;
  }

  /** HAProxy's encoded integer, for 0 ≤ v < 2^53. */
  varint(v: number): void {
    this.room(10);
    if (v < 240) {
      this.buf[this.length++] = v;
      return;
    }
    this.buf[this.length++] = (v % 16) | 0xf0;
    let rest = Math.floor((v - 240) / 16);
    while (rest >= 128) {
      this.buf[this.length++] = (rest % 128) | 0x80;
      rest = Math.floor((rest - 128) / 128);
    }
    this.buf[this.length++] = rest;
  }

  /** A 32-bit big-endian word (update ids, timed expiries, integer keys). */
  u32(v: number): void {
    this.room(4);
    const b = this.buf;
    const at = this.length;
    b[at] = (v >>> 24) & 0xff;
    b[at + 1] = (v >>> 16) & 0xff;
    b[at + 2] = (v >>> 8) & 0xff;
    b[at + 3] = v & 0xff;
    this.length += 4;
  }

  raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Starts a stick-table message: class, type and a placeholder for the length, which end() fills in. */
  begin(type: number): number {
    this.byte(MsgClass.STICKTABLE);
    this.byte(type);
    return this.length;
  }

  /** Ends the message begun at `start`: moves its payload to make room for the encoded length. */
  end(start: number): void {
    const payload = this.buf.slice(start, this.length);
    this.length = start;
    this.varint(payload.length);
    this.raw(payload);
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }
}

/** Reads one message's payload; every read past its end throws a protocol error. */
export class WireReader {
  at = 0;
  private b: Uint8Array;
  private end: number;
  constructor(b: Uint8Array, end: number = b.length) {
    this.b = b;
    this.end = end;
  }

  /** Points the reader at `b[at, end)` (one reader serves every message of a read: no allocation per message). */
  reset(b: Uint8Array, at: number, end: number): void {
    this.b = b;
    this.at = at;
    this.end = end;
  }

  get left(): number {
    return this.end - this.at;
  }

  byte(): number {
    if (this.at >= this.end) throw new PeerProtocolError('message ends early');
    return this.b[this.at++] ?? 0;
  }

  varint(): number {
    let v = this.byte();
    if (v < 240) return v;
    let shift = 4;
    for (let n = 0; ; n++) {
      // Ten bytes hold 64 bits: more is garbage, not a number.
      if (n > 9) throw new PeerProtocolError('encoded integer too long');
      const b = this.byte();
      v += b * 2 ** shift;
      shift += 7;
      if (b < 128) return v;
    }
  }

  u32(): number {
    if (this.left < 4) throw new PeerProtocolError('message ends early');
    const b = this.b;
    const at = this.at;
    this.at += 4;
    return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
  }

  bytes(n: number): Uint8Array {
    if (n > this.left) throw new PeerProtocolError('message ends early');
    const out = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

/** Where one framed message lies in a read buffer (nextMessage fills one, reused for every message). */
export interface MessageBounds {
  cls: number;
  type: number;
  payload: number;
  payloadEnd: number;
}

/**
 * Frames the head of `b[at, end)` into `out`: false when more bytes are needed, else true with its class, type and
 * payload bounds (the next message starts at out.payloadEnd). Throws PeerProtocolError for a payload over
 * MAX_MESSAGE_BYTES or a length that is no encoded integer. Allocation-free.
 */
export function nextMessage(b: Uint8Array, at: number, end: number, out: MessageBounds): boolean {
  if (end - at < 2) return false;
  out.cls = b[at] ?? 0;
  out.type = b[at + 1] ?? 0;
  if (out.type < 128) {
    out.payload = out.payloadEnd = at + 2;
    return true;
  }
  // The length: an encoded integer, possibly split across reads.
  let i = at + 2;
  if (i >= end) return false;
  let len = b[i++] ?? 0;
  if (len >= 240) {
    let shift = 4;
    for (let n = 0; ; n++) {
      if (i >= end) return false;
      if (n > 4) throw new PeerProtocolError('message length is no encoded integer');
      const c = b[i++] ?? 0;
      len += c * 2 ** shift;
      shift += 7;
      if (c < 128) break;
    }
  }
  if (len > MAX_MESSAGE_BYTES) throw new PeerProtocolError(`message of ${len} bytes`, ErrType.SIZE_LIMIT);
  if (end - i < len) return false;
  out.payload = i;
  out.payloadEnd = i + len;
  return true;
}
