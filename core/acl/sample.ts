// One fetched value (HAProxy's `struct sample`, manual §7.3): its type (bool, integer, IPv4/IPv6 address, string,
// binary, method), its data as a span over a buffer or a number, and the "may change" flag that tells a rule to wait
// for more bytes; plus the per-thread scratch arena converters write their outputs into (HAProxy's trash chunks), and
// the type casts between samples. Forwarder threads, per rule evaluation (hot path): nothing here allocates after
// the thread's first use, except the casts that build text of an address (ip → str), which only log formats need.

import { formatIPv4, formatIPv6, readIPv6 } from '../net/ip-address.js';

/** Sample types (HAProxy's SMP_T_*). METH: a request method, `int` holding its METHOD id and the span its text. */
export const SMP = { BOOL: 1, SINT: 2, IPV4: 3, IPV6: 4, STR: 5, BIN: 6, METH: 7 } as const;
export type SmpType = (typeof SMP)[keyof typeof SMP];

/** The type names HAProxy's `-dKsmp` / `-dKcnv` print (and its error texts use). */
export const SMP_TYPE_NAME: Readonly<Record<SmpType, string>> = {
  [SMP.BOOL]: 'bool',
  [SMP.SINT]: 'sint',
  [SMP.IPV4]: 'ipv4',
  [SMP.IPV6]: 'ipv6',
  [SMP.STR]: 'str',
  [SMP.BIN]: 'bin',
  [SMP.METH]: 'meth',
};

const EMPTY = new Uint8Array(0);

/**
 * A sample, reused: fetches and converters overwrite its fields. String and binary data are a span
 * `buf[start, end)` of the message (no copy) or of the arena; an address is held in `ip` (4 or 16 bytes).
 */
export class Sample {
  type: SmpType = SMP.BOOL;
  /** BOOL (0/1), SINT, METH (its METHOD id). */
  int = 0;
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  /** IPV4: bytes 0-3; IPV6: bytes 0-15. */
  readonly ip = new Uint8Array(16);
  /**
   * The value may be different once more bytes arrive (HAProxy's SMP_F_MAY_CHANGE): a failed fetch or a failed
   * match is then "not yet" (the rule waits for inspect-delay) rather than "no".
   */
  mayChange = false;
  /** A multi-valued fetch has more values after this one (HAProxy's SMP_F_NOT_LAST). */
  notLast = false;

  setBool(value: boolean): true {
    this.type = SMP.BOOL;
    this.int = value ? 1 : 0;
    return true;
  }

  setInt(value: number): true {
    this.type = SMP.SINT;
    this.int = value;
    return true;
  }

  /** A string span over `buf` (no copy). */
  setStr(buf: Uint8Array, start: number, end: number): true {
    this.type = SMP.STR;
    this.buf = buf;
    this.start = start;
    this.end = end;
    return true;
  }

  setBin(buf: Uint8Array, start: number, end: number): true {
    this.setStr(buf, start, end);
    this.type = SMP.BIN;
    return true;
  }

  /** Copies an address of 4 or 16 bytes at bytes[offset…]. */
  setIp(bytes: Uint8Array, offset: number, family: 4 | 6): true {
    const n = family === 4 ? 4 : 16;
    for (let i = 0; i < n; i++) this.ip[i] = bytes[offset + i] ?? 0;
    this.type = family === 4 ? SMP.IPV4 : SMP.IPV6;
    return true;
  }

  get length(): number {
    return this.end - this.start;
  }

  /** The string or binary data as Latin-1 text (one char per byte). Allocates: regexes and log formats only. */
  text(): string {
    const b = this.buf;
    if (Buffer.isBuffer(b)) return b.toString('latin1', this.start, this.end);
    let s = '';
    for (let i = this.start; i < this.end; i++) s += String.fromCharCode(b[i] ?? 0);
    return s;
  }

  /** Copies every field of `other` (the address bytes too). */
  copyFrom(other: Sample): void {
    this.type = other.type;
    this.int = other.int;
    this.buf = other.buf;
    this.start = other.start;
    this.end = other.end;
    this.ip.set(other.ip);
    this.mayChange = other.mayChange;
    this.notLast = other.notLast;
  }
}

/**
 * Where converters write their outputs (HAProxy's trash chunks): one buffer per thread, bump-allocated and reset at
 * the start of each top-level evaluation. When it is full a converter fails, as HAProxy's does when its chunk is too
 * small: nothing grows on the hot path.
 */
export class SampleArena {
  readonly buf: Buffer;
  used = 0;

  constructor(size = 65536) {
    this.buf = Buffer.alloc(size);
  }

  reset(): void {
    this.used = 0;
  }

  /** Reserves n bytes; returns their offset, or -1 when the arena is full. */
  take(n: number): number {
    if (this.used + n > this.buf.length) return -1;
    const at = this.used;
    this.used += n;
    return at;
  }

  /** Gives back the bytes past `end` (a converter that reserved the worst case and wrote less). */
  trim(end: number): void {
    this.used = end;
  }
}

/** Writes the decimal text of an integer at `at`; returns the end, or -1 without room. Allocates nothing. */
export function writeDecimal(value: number, out: Uint8Array, at: number, limit: number): number {
  let v = Math.trunc(value);
  if (v < 0) {
    if (at >= limit) return -1;
    out[at++] = 0x2d;
    v = -v;
  }
  let digits = 1;
  for (let p = 10; p <= v; p *= 10) digits++;
  if (at + digits > limit) return -1;
  for (let i = digits - 1; i >= 0; i--) {
    out[at + i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  return at + digits;
}

/**
 * Reads a signed decimal integer at the start of buf[start, end) as HAProxy's string-to-integer cast does: an
 * optional sign, then digits up to the first other byte. Returns NaN when no digit comes first.
 */
export function readLeadingInt(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (i < end && (buf[i] === 0x2d || buf[i] === 0x2b)) {
    negative = buf[i] === 0x2d;
    i++;
  }
  const first = i;
  let v = 0;
  while (i < end) {
    const d = (buf[i] ?? 0) - 0x30;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    i++;
  }
  if (i === first) return Number.NaN;
  return negative ? -v : v;
}

/**
 * The IPv4 address at the start of buf[start, end) as HAProxy's string-to-address cast reads it (measured on 2.6.12):
 * the run of digits and dots up to the first other byte must be four decimal parts of 0-255 (leading zeros allowed:
 * `010.001.2.3` is 10.1.2.3); whatever follows the run is ignored (`10.1.2.3:99`, `10.1.2.3x`). Returns the address
 * as an unsigned 32-bit number, or -1 (`1.2.3.4.5`, `1.2.3.4.`, `256.1.1.1`, `10.1.2`). Allocates nothing.
 */
export function readLeadingIPv4(buf: Uint8Array, start: number, end: number): number {
  let word = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i] ?? 0;
    if (c >= 0x30 && c <= 0x39) {
      part = part * 10 + (c - 0x30);
      if (part > 255) return -1;
      digits++;
    } else if (c === 0x2e) {
      if (digits === 0 || dots === 3) return -1;
      word = word * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      break;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return word * 256 + part;
}

/** Scratch text for address parsing of spans (an address is at most 45 chars). */
function spanText(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end && i < start + 64; i++) s += String.fromCharCode(buf[i] ?? 0);
  return s;
}

/**
 * Casts `s` in place to `to`, as HAProxy's sample casts do (sample.c's cast table, manual §7.1 "compatibility
 * matrix"): bool ↔ int, int/ip/meth → str (text in the arena), str → int (leading digits), str → ip (an address
 * literal), str ↔ bin, ipv4 → ipv6 (::ffff:a.b.c.d), ipv6 → ipv4 only when mapped, ipv4 → int. Returns false when
 * the cast is impossible or fails (then the sample is unusable). Allocates only for ip → str.
 */
export function castSample(s: Sample, to: SmpType, arena: SampleArena): boolean {
  const from = s.type;
  if (from === to) return true;
  switch (to) {
    case SMP.BOOL:
      if (from === SMP.SINT) return s.setBool(s.int !== 0);
      if (from === SMP.STR || from === SMP.BIN) {
        const v = readLeadingInt(s.buf, s.start, s.end);
        return Number.isNaN(v) ? false : s.setBool(v !== 0);
      }
      return false;
    case SMP.SINT:
      if (from === SMP.BOOL) return s.setInt(s.int);
      if (from === SMP.IPV4) return s.setInt((((s.ip[0] ?? 0) << 24) >>> 0) + ((s.ip[1] ?? 0) << 16) + ((s.ip[2] ?? 0) << 8) + (s.ip[3] ?? 0));
      if (from === SMP.STR || from === SMP.BIN) {
        if (s.end === s.start) return false;
        const v = readLeadingInt(s.buf, s.start, s.end);
        return s.setInt(Number.isNaN(v) ? 0 : v);
      }
      return false;
    case SMP.STR:
    case SMP.BIN:
      return castToText(s, to, arena);
    case SMP.IPV4:
      if (from === SMP.IPV6) {
        for (let i = 0; i < 10; i++) if (s.ip[i] !== 0) return false;
        if (s.ip[10] !== 0xff || s.ip[11] !== 0xff) return false;
        s.ip.copyWithin(0, 12, 16);
        s.type = SMP.IPV4;
        return true;
      }
      if (from === SMP.SINT) {
        const v = s.int >>> 0;
        s.ip[0] = v >>> 24;
        s.ip[1] = (v >>> 16) & 0xff;
        s.ip[2] = (v >>> 8) & 0xff;
        s.ip[3] = v & 0xff;
        s.type = SMP.IPV4;
        return true;
      }
      if (from === SMP.STR || from === SMP.BIN) {
        const word = readLeadingIPv4(s.buf, s.start, s.end);
        if (word < 0) return false;
        s.ip[0] = word >>> 24;
        s.ip[1] = (word >>> 16) & 0xff;
        s.ip[2] = (word >>> 8) & 0xff;
        s.ip[3] = word & 0xff;
        s.type = SMP.IPV4;
        return true;
      }
      return false;
    case SMP.IPV6:
      if (from === SMP.IPV4) {
        s.ip.copyWithin(12, 0, 4);
        s.ip.fill(0, 0, 10);
        s.ip[10] = 0xff;
        s.ip[11] = 0xff;
        s.type = SMP.IPV6;
        return true;
      }
      if (from === SMP.STR || from === SMP.BIN) {
        const text = spanText(s.buf, s.start, s.end);
        if (!readIPv6(text, 0, text.length, s.ip, 0)) return false;
        s.type = SMP.IPV6;
        return true;
      }
      return false;
    case SMP.METH:
      return false;
  }
}

/** int/bool/ip/meth → str or bin; str ↔ bin keep their span. */
function castToText(s: Sample, to: SmpType, arena: SampleArena): boolean {
  const from = s.type;
  if (from === SMP.STR || from === SMP.BIN || from === SMP.METH) {
    s.type = to;
    return true;
  }
  if (from === SMP.BOOL || from === SMP.SINT) {
    const at = arena.take(24);
    if (at < 0) return false;
    const end = writeDecimal(s.int, arena.buf, at, at + 24);
    arena.trim(end);
    s.buf = arena.buf;
    s.start = at;
    s.end = end;
    s.type = to;
    return true;
  }
  if (from === SMP.IPV4 || from === SMP.IPV6) {
    const text = from === SMP.IPV4 ? formatIPv4(s.ip) : formatIPv6(s.ip);
    const at = arena.take(text.length);
    if (at < 0) return false;
    arena.buf.write(text, at, 'latin1');
    s.buf = arena.buf;
    s.start = at;
    s.end = at + text.length;
    s.type = to;
    return true;
  }
  return false;
}

/** True when a sample of type `from` can be cast to `to` (what the config check asks of a converter chain). */
export function castable(from: SmpType, to: SmpType): boolean {
  if (from === to) return true;
  switch (to) {
    case SMP.BOOL:
      return from === SMP.SINT || from === SMP.STR || from === SMP.BIN;
    case SMP.SINT:
      return from === SMP.BOOL || from === SMP.IPV4 || from === SMP.STR || from === SMP.BIN;
    case SMP.STR:
    case SMP.BIN:
      return true;
    case SMP.IPV4:
    case SMP.IPV6:
      return from === SMP.IPV4 || from === SMP.IPV6 || from === SMP.STR || from === SMP.BIN || (to === SMP.IPV4 && from === SMP.SINT);
    case SMP.METH:
      return false;
  }
}
