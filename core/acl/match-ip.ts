// IP patterns (manual §7.1.6) and `map_ip` keys: networks parsed at load (plain, abbreviated `10.12`, `/prefix` or a
// dotted IPv4 mask) into one table per family and prefix length, each a sorted array searched by bisection, probed
// from the longest prefix down, so the most specific network answers first (map_ip) and a -f file of 100k networks
// costs at most 33 (or 129) bisections, never a linear scan. HAProxy's cross-family rules apply: an IPv4 sample is
// compared with IPv6 patterns as ::ffff:a.b.c.d, an IPv6 sample with IPv4 ones when it embeds an IPv4 address
// (::ffff:a.b.c.d, ::a.b.c.d, 2002:a.b.c.d::). Built on the main thread and each forwarder at start; lookups
// allocate nothing.

import { readIPv4, readIPv6 } from '../net/ip-address.js';

/** An address as 4 32-bit words (IPv6), or one (IPv4) in the first word. */
const scratch = new Uint32Array(4);

/** Reads inet_aton's forms (`a`, `a.b`, `a.b.c`, `a.b.c.d`, parts in decimal, octal or hex) as a 32-bit word. */
export function readIPv4Loose(text: string, end = text.length): number {
  // The common dotted quad, read by scanning (a -f file holds hundreds of thousands of them).
  const quad = readIPv4(text, 0, end);
  if (quad >= 0) return quad;
  if (end !== text.length) text = text.slice(0, end);
  const parts = text.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return -1;
  const values: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(p)) v = parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) v = parseInt(p, 8);
    else if (/^[1-9]\d*$/.test(p)) v = Number(p);
    else return -1;
    values.push(v);
  }
  const last = values.pop() ?? 0;
  if (values.some((v) => v > 255)) return -1;
  const rest = 4 - values.length;
  if (last >= 2 ** (8 * rest)) return -1;
  let word = 0;
  for (const v of values) word = word * 256 + v;
  return word * 2 ** (8 * rest) + last;
}

/** A parsed network: family, the address words (masked) and the prefix length. */
export interface IpNet {
  readonly family: 4 | 6;
  readonly words: Uint32Array;
  readonly prefix: number;
}

function maskWords(words: Uint32Array, prefix: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const keep = Math.max(0, Math.min(32, prefix - 32 * i));
    words[i] = keep === 0 ? 0 : keep === 32 ? words[i] ?? 0 : ((words[i] ?? 0) & (0xffffffff << (32 - keep))) >>> 0;
  }
}

/** A prefix length of 1-3 decimal digits from text[at…] to its end, or -1. */
function maskBits(text: string, at: number): number {
  const n = text.length - at;
  if (n < 1 || n > 3) return -1;
  let v = 0;
  for (let i = at; i < text.length; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** A dotted IPv4 netmask's prefix length, -1 when not contiguous. */
function dottedPrefix(word: number): number {
  let prefix = 0;
  let v = word >>> 0;
  while (prefix < 32 && (v & 0x80000000) !== 0) {
    prefix++;
    v = (v << 1) >>> 0;
  }
  return v === 0 ? prefix : -1;
}

/**
 * Parses an IP pattern: `<address>[/<mask>]`, IPv4 in inet_aton's forms with a prefix or a dotted mask, IPv6 with a
 * prefix. Returns the network or HAProxy's error text ("'x' is not a valid IPv4 or IPv6 address"). Host names are not
 * resolved (see README: orcalb does no DNS in ACL patterns).
 */
export function parseIpPattern(text: string): IpNet | string {
  const slash = text.indexOf('/');
  const bad = `'${text}' is not a valid IPv4 or IPv6 address`;
  const v4 = readIPv4Loose(text, slash < 0 ? text.length : slash);
  if (v4 >= 0) {
    let prefix = 32;
    if (slash >= 0) {
      const bits = maskBits(text, slash + 1);
      if (bits >= 0 && bits <= 32) prefix = bits;
      else {
        const mask = text.slice(slash + 1);
        const m = readIPv4Loose(mask);
        prefix = m < 0 ? -1 : dottedPrefix(m);
        if (prefix < 0) return bad;
      }
    }
    const words = Uint32Array.of(v4);
    maskWords(words, prefix, 1);
    return { family: 4, words, prefix };
  }
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = new Uint8Array(16);
  if (!addr.includes(':') || !readIPv6(addr, 0, addr.length, bytes, 0)) return bad;
  let prefix = 128;
  if (slash >= 0) {
    prefix = maskBits(text, slash + 1);
    if (prefix < 0 || prefix > 128) return bad;
  }
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i++) words[i] = ((bytes[4 * i] ?? 0) * 0x1000000 + ((bytes[4 * i + 1] ?? 0) << 16) + ((bytes[4 * i + 2] ?? 0) << 8) + (bytes[4 * i + 3] ?? 0)) >>> 0;
  maskWords(words, prefix, 4);
  return { family: 6, words, prefix };
}

/** Networks of one family and prefix length: keys sorted, each with the index of the entry it came from. */
interface Level {
  readonly prefix: number;
  readonly keys: Uint32Array;
  readonly values: Int32Array;
}

function compareKey(keys: Uint32Array, at: number, probe: Uint32Array, n: number): number {
  for (let i = 0; i < n; i++) {
    const a = keys[at * n + i] ?? 0;
    const b = probe[i] ?? 0;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

/** Networks of one family while a table is built: flat words (n per entry), prefixes and entry values. */
class Pending {
  words: Uint32Array;
  prefixes: Uint8Array;
  values: Int32Array;
  size = 0;
  private readonly n: number;

  constructor(n: number) {
    this.n = n;
    this.words = new Uint32Array(64 * n);
    this.prefixes = new Uint8Array(64);
    this.values = new Int32Array(64);
  }

  push(net: IpNet, value: number): void {
    if (this.size === this.values.length) {
      const grow = <T extends Uint32Array | Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.words = grow(this.words, (k) => new Uint32Array(k));
      this.prefixes = grow(this.prefixes, (k) => new Uint8Array(k));
      this.values = grow(this.values, (k) => new Int32Array(k));
    }
    this.words.set(net.words.subarray(0, this.n), this.size * this.n);
    this.prefixes[this.size] = net.prefix;
    this.values[this.size] = value;
    this.size++;
  }
}

/**
 * Sorts each prefix length's networks by key (equal keys: the first declared first, then dropped) into levels,
 * longest prefix first. Entries are numbers in typed arrays, sorted as indexes: no object per network.
 */
function buildLevels(p: Pending, n: number): Level[] {
  const byPrefix = new Map<number, number[]>();
  for (let e = 0; e < p.size; e++) {
    const prefix = p.prefixes[e] ?? 0;
    const list = byPrefix.get(prefix);
    if (list === undefined) byPrefix.set(prefix, [e]);
    else list.push(e);
  }
  const levels: Level[] = [];
  for (const prefix of [...byPrefix.keys()].sort((a, b) => b - a)) {
    const order = Int32Array.from(byPrefix.get(prefix) ?? []);
    order.sort((a, b) => {
      for (let i = 0; i < n; i++) {
        const d = (p.words[a * n + i] ?? 0) - (p.words[b * n + i] ?? 0);
        if (d !== 0) return d;
      }
      return a - b;
    });
    const keys = new Uint32Array(order.length * n);
    const values = new Int32Array(order.length);
    let count = 0;
    for (let k = 0; k < order.length; k++) {
      const e = order[k] ?? 0;
      if (count > 0 && compareKey(keys, count - 1, p.words.subarray(e * n, e * n + n), n) === 0) continue;
      keys.set(p.words.subarray(e * n, e * n + n), count * n);
      values[count] = p.values[e] ?? -1;
      count++;
    }
    levels.push({ prefix, keys: keys.slice(0, count * n), values: values.slice(0, count) });
  }
  return levels;
}

function lookupLevels(levels: readonly Level[], addr: Uint32Array, n: number): number {
  const probe = scratch;
  for (let l = 0; l < levels.length; l++) {
    const level = levels[l];
    if (level === undefined) continue;
    for (let i = 0; i < n; i++) probe[i] = addr[i] ?? 0;
    maskWords(probe, level.prefix, n);
    let lo = 0;
    let hi = level.values.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKey(level.keys, mid, probe, n);
      if (c === 0) return level.values[mid] ?? -1;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
  }
  return -1;
}

/** The address words of a sample's bytes. */
const sampleWords = new Uint32Array(4);

function wordsOf(bytes: Uint8Array, family: 4 | 6): Uint32Array {
  const n = family === 4 ? 1 : 4;
  for (let i = 0; i < n; i++) sampleWords[i] = ((bytes[4 * i] ?? 0) * 0x1000000 + ((bytes[4 * i + 1] ?? 0) << 16) + ((bytes[4 * i + 2] ?? 0) << 8) + (bytes[4 * i + 3] ?? 0)) >>> 0;
  return sampleWords;
}

/** The IPv4 word an IPv6 address embeds (::ffff:a.b.c.d, ::a.b.c.d, 2002:a.b.c.d::), or -1. */
function embeddedIPv4(w: Uint32Array): number {
  const [a = 0, b = 0, c = 0, d = 0] = w;
  if (a === 0 && b === 0 && (c === 0xffff || c === 0)) return d;
  if (a >>> 16 === 0x2002) return (((a & 0xffff) << 16) | (b >>> 16)) >>> 0;
  return -1;
}

/**
 * A table of networks, each carrying the index of its entry (its pattern or map line). Build with add() then
 * freeze(); lookup() returns the entry of the most specific network holding the address, or -1.
 */
export class IpTable {
  private readonly pending4 = new Pending(1);
  private readonly pending6 = new Pending(4);
  private v4: Level[] = [];
  private v6: Level[] = [];

  get size(): number {
    return this.pending4.size + this.pending6.size;
  }

  add(net: IpNet, value: number): void {
    (net.family === 4 ? this.pending4 : this.pending6).push(net, value);
  }

  freeze(): this {
    this.v4 = buildLevels(this.pending4, 1);
    this.v6 = buildLevels(this.pending6, 4);
    return this;
  }

  /** The entry for `bytes` (4 or 16 bytes of family `family`), or -1. Allocates nothing. */
  lookup(bytes: Uint8Array, family: 4 | 6): number {
    const w = wordsOf(bytes, family);
    if (family === 4) {
      const hit = lookupLevels(this.v4, w, 1);
      if (hit >= 0 || this.v6.length === 0) return hit;
      // An IPv4 sample against IPv6 patterns: as ::ffff:a.b.c.d.
      const v4 = w[0] ?? 0;
      w[0] = 0;
      w[1] = 0;
      w[2] = 0xffff;
      w[3] = v4;
      return lookupLevels(this.v6, w, 4);
    }
    const hit = lookupLevels(this.v6, w, 4);
    if (hit >= 0 || this.v4.length === 0) return hit;
    const v4 = embeddedIPv4(w);
    if (v4 < 0) return -1;
    w[0] = v4;
    return lookupLevels(this.v4, w, 1);
  }
}
