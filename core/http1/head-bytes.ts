// Byte-level primitives for HTTP/1 heads held as offsets over a Buffer (issue 10, design change 2): Latin-1 case
// folding, comparisons of a byte span with a lower-case name, and comma-list token scans (RFC 9110 §5.6.1), each
// giving exactly what today's string functions in header-list.ts give on the decoded text. Forwarder threads, per
// header field on the hot path; the health-check thread too. Allocate nothing.

/**
 * What String.prototype.toLowerCase() does to one Latin-1 char: A–Z and À–Þ (but not ×) move by 0x20, the rest
 * stays. Names and tokens are ASCII, so this is HAProxy's ASCII folding there; on values (Host) it matches the
 * toLowerCase() comparisons of target.ts byte for byte.
 */
export const LOWER: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c++) table[c] = c;
  for (let c = 0x41; c <= 0x5a; c++) table[c] = c + 0x20;
  for (let c = 0xc0; c <= 0xde; c++) if (c !== 0xd7) table[c] = c + 0x20;
  return table;
})();

/**
 * The chars String.prototype.trim() removes that a Latin-1 value can hold: TAB, LF, VT, FF, CR, SP and NBSP (0xa0).
 * cleanConnection() in l7-connection-mode.ts trims Connection tokens with trim(), so its byte twin must too.
 */
export const JS_SPACE: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (const c of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0]) table[c] = 1;
  return table;
})();

const SP = 0x20;
const HTAB = 0x09;
const COMMA = 0x2c;

/** True when buf[start, end) folded to lower case is `lower` (a lower-case name or token, chars < 256). */
export function spanIs(buf: Uint8Array, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let k = 0; k < lower.length; k++) {
    if (LOWER[buf[start + k] ?? 0] !== lower.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * True when some comma-separated element of buf[start, end), with its SP/HTAB trimmed, is `token` (lower case)
 * folded: hasToken() in header-list.ts for one field value. `Connection: keep-alive, Upgrade` has `upgrade`.
 */
export function listHasToken(buf: Uint8Array, start: number, end: number, token: string): boolean {
  let e0 = start;
  while (e0 <= end) {
    let e1 = e0;
    while (e1 < end && buf[e1] !== COMMA) e1++;
    let a = e0;
    let b = e1;
    while (a < b && (buf[a] === SP || buf[a] === HTAB)) a++;
    while (b > a && (buf[b - 1] === SP || buf[b - 1] === HTAB)) b--;
    if (spanIs(buf, a, b, token)) return true;
    e0 = e1 + 1;
  }
  return false;
}

/** Where a run of SP/HTAB starting at p ends (at most `end`). */
export function skipBlanks(buf: Uint8Array, p: number, end: number): number {
  while (p < end && (buf[p] === SP || buf[p] === HTAB)) p++;
  return p;
}

/** Where buf[start, end) ends once trailing SP/HTAB are dropped. */
export function trimBlanksEnd(buf: Uint8Array, start: number, end: number): number {
  while (end > start && (buf[end - 1] === SP || buf[end - 1] === HTAB)) end--;
  return end;
}

/**
 * Copies src[start, end) to dst at `at`, folding to lower case (header names go out in lower case, as HAProxy's HTX
 * keeps them). Returns the position after the copy. The caller has checked the room.
 */
export function copyLower(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  for (let k = start; k < end; k++) dst[at++] = LOWER[src[k] ?? 0] ?? 0;
  return at;
}

// Below this many bytes a JS loop beats the native copy (Buffer.copy costs a C++ call, ~40 ns).
const NATIVE_COPY_FROM = 48;

/** Copies src[start, end) to dst at `at`; returns the position after the copy. The caller has checked the room. */
export function copySpan(src: Buffer, start: number, end: number, dst: Buffer, at: number): number {
  const n = end - start;
  if (n >= NATIVE_COPY_FROM) {
    src.copy(dst, at, start, end);
    return at + n;
  }
  for (let k = start; k < end; k++) dst[at++] = src[k] ?? 0;
  return at;
}

/** Writes a Latin-1 string (one byte per char, as Buffer.from(s, 'latin1') does) at `at`; returns the end. */
export function writeLatin1(s: string, dst: Buffer, at: number): number {
  const n = s.length;
  if (n >= NATIVE_COPY_FROM) return at + dst.write(s, at, n, 'latin1');
  for (let k = 0; k < n; k++) dst[at++] = s.charCodeAt(k) & 0xff;
  return at;
}

/**
 * What HAProxy 2.6's stats count for a head held at buf[0, end) (its HTX size, measured on 2.6.12: bin/bout): the
 * head's bytes less the 4 bytes of ": " and CRLF of each header line (the start line and the empty line count as
 * they are). Counts line feeds in [0, end) only: `buf` may be the thread's 128 KiB scratch buffer, and an indexOf
 * past the head's last line feed searched the stale rest of it (up to 128 KiB per head). Allocates nothing.
 */
export function statHeadBytes(buf: Buffer, end: number): number {
  let lines = 0;
  const stop = Math.min(end, buf.length);
  for (let at = 0; at < stop; at++) if (buf[at] === 10) lines++;
  return end - 4 * Math.max(0, lines - 2);
}

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

/** statHeadBytes for a whole message at hand (head, then body bytes counted as they are). */
export function statMessageBytes(msg: Buffer): number {
  const at = msg.indexOf(HEAD_END);
  if (at < 0) return msg.length;
  const end = at + HEAD_END.length;
  return statHeadBytes(msg, end) + (msg.length - end);
}
