// IP address literals ↔ network-order bytes: the one IPv4/IPv6 codec of orcalb (network.ts builds CIDR networks on
// it). Read as glibc's inet_pton reads them, printed exactly as glibc's inet_ntop prints them (HAProxy's PROXY v1
// text, doc/proxy-protocol.txt §2.1). Users: the PROXY protocol encoders and parser, `balance source`, `option
// forwardfor/originalto except`, and config/ for numeric hosts and networks. Pure; any thread.
// Node prints addresses with libuv's own inet_ntop, which differs from glibc on a few IPv6 forms (`::2`), so the
// PROXY encoders re-print every address through formatIPv6 below instead of trusting socket.remoteAddress as text.
// The readers (readIPv4, readIPv6) scan characters and allocate nothing: the per-connection and per-request paths
// (source hash, except networks) call them; parseIPv4/parseIPv6 wrap them for callers that want bytes.

/** Longest IPv6 text without a zone: 6 groups of 4 hex digits and a dotted quad (`ffff:…:255.255.255.255`). */
const MAX_IPV6_TEXT = 45;

/**
 * Reads text[start, end) as a dotted quad the way inet_pton(AF_INET) does (4 decimal parts, 0-255, no leading
 * zeros: glibc refuses "01", which the old inet_aton would read as octal). Returns the address as an unsigned 32-bit
 * number (big-endian word, 127.0.0.1 → 0x7f000001), or -1. Allocates nothing.
 */
export function readIPv4(text: string, start = 0, end = text.length): number {
  let word = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - 0x30);
      if (octet > 255) return -1;
      digits++;
    } else if (c === 0x2e && digits > 0 && dots < 3) {
      word = word * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  // Multiplication, not shifts: the top octet would make a shifted int32 negative.
  return word * 256 + octet;
}

/** The value of one hex digit, or -1. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function writeWord(out: Uint8Array, offset: number, index: number, word: number): void {
  out[offset + index * 2] = word >> 8;
  out[offset + index * 2 + 1] = word & 0xff;
}

/**
 * Reads text[start, end) as an IPv6 literal the way inet_pton(AF_INET6) does: 1-4 hex digits a group, at most one
 * `::` (standing for one or more zero groups), an optional dotted quad as the last 32 bits. No zone here (callers
 * cut `%zone` first). Writes the 16 bytes at out[offset..offset+16) and returns true; false (out partly written)
 * when the text is not one. Allocates nothing.
 */
export function readIPv6(text: string, start: number, end: number, out: Uint8Array, offset = 0): boolean {
  if (end - start === 0 || end - start > MAX_IPV6_TEXT) return false;
  let words = 0;
  /** Word index where `::` stands, -1 when there is none. */
  let gap = -1;
  let i = start;
  if (text.charCodeAt(i) === 0x3a) {
    if (text.charCodeAt(i + 1) !== 0x3a || i + 1 >= end) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    const group = i;
    let value = 0;
    let digits = 0;
    for (let h = hexDigit(text.charCodeAt(i)); i < end && h >= 0; h = hexDigit(text.charCodeAt(i))) {
      if (++digits > 4) return false;
      value = value * 16 + h;
      i++;
    }
    if (i < end && text.charCodeAt(i) === 0x2e) {
      // A dotted quad: the rest of the text, and room for its two words.
      const v4 = words <= 6 ? readIPv4(text, group, end) : -1;
      if (v4 < 0) return false;
      writeWord(out, offset, words++, Math.floor(v4 / 0x10000));
      writeWord(out, offset, words++, v4 & 0xffff);
      break;
    }
    if (digits === 0 || words === 8) return false;
    writeWord(out, offset, words++, value);
    if (i === end) break;
    if (text.charCodeAt(i) !== 0x3a || ++i === end) return false;
    if (text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false;
      gap = words;
      i++;
    }
  }
  if (gap < 0) return words === 8;
  // `::` stands for at least one zero word: move the words written after it to the end, zero the middle.
  if (words > 7) return false;
  const after = words - gap;
  for (let k = after - 1; k >= 0; k--) {
    out[offset + (8 - after + k) * 2] = out[offset + (gap + k) * 2] ?? 0;
    out[offset + (8 - after + k) * 2 + 1] = out[offset + (gap + k) * 2 + 1] ?? 0;
  }
  out.fill(0, offset + gap * 2, offset + (8 - after) * 2);
  return true;
}

/** Parses a dotted quad as inet_pton(AF_INET) does. undefined if not one. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const word = readIPv4(text);
  if (word < 0) return undefined;
  return Uint8Array.of(word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff);
}

/**
 * Parses an IPv6 literal as inet_pton(AF_INET6) does. A `%zone` suffix (link-local scope, as Node reports it) is
 * dropped, whatever it holds: the PROXY protocol and the hashes have no field for it. undefined if not one.
 */
export function parseIPv6(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  return readIPv6(text, 0, zoneStart(text), out) ? out : undefined;
}

/** Where a `%zone` suffix starts (text.length when there is none). */
function zoneStart(text: string): number {
  const pct = text.indexOf('%');
  return pct < 0 ? text.length : pct;
}

/**
 * Reads an address of either family as Node prints it ('127.0.0.1', '::1', '::ffff:10.0.0.1', 'fe80::1%eth0'),
 * a `%zone` suffix dropped, into `out` (16 bytes or more): returns 4 (IPv4, bytes 0-3 written), 6 (IPv6, 16 bytes
 * written) or 0 (anything else, e.g. a UNIX socket path). Allocates nothing.
 */
export function readAddress(text: string, out: Uint8Array): 0 | 4 | 6 {
  const end = zoneStart(text);
  const v4 = readIPv4(text, 0, end);
  if (v4 >= 0) {
    out[0] = v4 >>> 24;
    out[1] = (v4 >>> 16) & 0xff;
    out[2] = (v4 >>> 8) & 0xff;
    out[3] = v4 & 0xff;
    return 4;
  }
  return readIPv6(text, 0, end, out) ? 6 : 0;
}

/** The 4 (IPv4) or 16 (IPv6) bytes of an address as readAddress reads it; undefined for anything else. Allocates. */
export function addressBytes(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  const family = readAddress(text, out);
  if (family === 0) return undefined;
  return family === 4 ? out.slice(0, 4) : out;
}

/** Characters Node's net.isIP accepts in an IPv6 zone id. */
const ZONE_ID = /^[0-9a-zA-Z.:-]+$/;

/**
 * 4 or 6 for an IPv4 or IPv6 literal, 0 for anything else, as Node's net.isIP answers (so config/ keeps its
 * verdicts): no zone on IPv4, and on IPv6 only a non-empty zone of letters, digits, `-`, `.` and `:`.
 */
export function ipFamily(text: string): 0 | 4 | 6 {
  const end = zoneStart(text);
  if (end === text.length && readIPv4(text) >= 0) return 4;
  if (end < text.length && !ZONE_ID.test(text.slice(end + 1))) return 0;
  return readIPv6(text, 0, end, new Uint8Array(16)) ? 6 : 0;
}

/** Dotted-quad text of 4 bytes at `offset`. */
export function formatIPv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset] ?? 0}.${bytes[offset + 1] ?? 0}.${bytes[offset + 2] ?? 0}.${bytes[offset + 3] ?? 0}`;
}

/**
 * IPv6 text of 16 bytes at `offset`, the way glibc inet_ntop writes it: lowercase, no leading zeros, the longest run
 * (first on ties) of two or more zero words as `::`, and a dotted tail only for `::a.b.c.d` and `::ffff:a.b.c.d`.
 */
export function formatIPv6(bytes: Uint8Array, offset = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((bytes[offset + i * 2] ?? 0) << 8) | (bytes[offset + i * 2 + 1] ?? 0));
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  // A single zero word is written as "0", never as "::" (RFC 5952 §4.2.2, and glibc agrees).
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      return out + formatIPv4(bytes, offset + 12);
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** `::ffff:a.b.c.d` as 16 bytes: how HAProxy widens an IPv4 address when the other one is IPv6. */
export function ipv4MappedBytes(v4: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(v4.subarray(0, 4), 12);
  return out;
}

/** True when the 16 bytes at `offset` are `::ffff:a.b.c.d` (the IPv4 address is then bytes 12-15). */
export function isIPv4Mapped(v6: Uint8Array, offset = 0): boolean {
  for (let i = 0; i < 10; i++) if (v6[offset + i] !== 0) return false;
  return v6[offset + 10] === 0xff && v6[offset + 11] === 0xff;
}

/** The IPv4 address inside `::ffff:a.b.c.d`, or undefined for any other IPv6 address. */
export function unmapIPv4(v6: Uint8Array): Uint8Array | undefined {
  return isIPv4Mapped(v6) ? v6.slice(12, 16) : undefined;
}
