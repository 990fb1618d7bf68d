// IP patterns (manual §7.1.6) and `map_ip` keys: networks parsed at load (plain, abbreviated `10.12`, `/prefix` or a
// dotted IPv4 mask) into one table per family and prefix length, each a sorted array searched by bisection, probed
// from the longest prefix down, so the most specific network answers first (map_ip) and a -f file of 100k networks
// costs at most 33 (or 129) bisections, never a linear scan. HAProxy's cross-family rules apply: an IPv4 sample is
// compared with IPv6 patterns as ::ffff:a.b.c.d, an IPv6 sample with IPv4 ones when it embeds an IPv4 address
// (::ffff:a.b.c.d, ::a.b.c.d, 2002:a.b.c.d::). Built on the main thread and each forwarder at start; lookups
// allocate nothing.

import { readIPv6 } from '../net/ip-address.js';

/** An address as 4 32-bit words (IPv6), or one (IPv4) in the first word. */
const scratch = new Uint32Array(4);

/** Reads inet_aton's forms (`a`, `a.b`, `a.b.c`, `a.b.c.d`, parts in decimal, octal or hex) as a 32-bit word. */
export function readIPv4Loose(text: string): number {
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
  const addr = slash < 0 ? text : text.slice(0, slash);
  const mask = slash < 0 ? undefined : text.slice(slash + 1);
  const bad = `'${text}' is not a valid IPv4 or IPv6 address`;
  const v4 = readIPv4Loose(addr);
  if (v4 >= 0) {
    let prefix = 32;
    if (mask !== undefined) {
      if (/^\d{1,2}$/.test(mask) && Number(mask) <= 32) prefix = Number(mask);
      else {
        const m = readIPv4Loose(mask);
        prefix = m < 0 ? -1 : dottedPrefix(m);
        if (prefix < 0) return bad;
      }
    }
    const words = Uint32Array.of(v4);
    maskWords(words, prefix, 1);
    return { family: 4, words, prefix };
  }
  const bytes = new Uint8Array(16);
  if (!addr.includes(':') || !readIPv6(addr, 0, addr.length, bytes, 0)) return bad;
  let prefix = 128;
  if (mask !== undefined) {
    if (!/^\d{1,3}$/.test(mask) || Number(mask) > 128) return bad;
    prefix = Number(mask);
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

function buildLevels(nets: readonly { net: IpNet; value: number }[], n: number): Level[] {
  const byPrefix = new Map<number, { net: IpNet; value: number }[]>();
  for (const e of nets) {
    const list = byPrefix.get(e.net.prefix) ?? [];
    list.push(e);
    byPrefix.set(e.net.prefix, list);
  }
  const levels: Level[] = [];
  for (const [prefix, list] of [...byPrefix].sort((a, b) => b[0] - a[0])) {
    // Sorted by key, the first-declared entry kept among equal keys ("the first of the finest match").
    const sorted = list
      .map((e, order) => ({ ...e, order }))
      .sort((a, b) => {
        for (let i = 0; i < n; i++) {
          const d = (a.net.words[i] ?? 0) - (b.net.words[i] ?? 0);
          if (d !== 0) return d;
        }
        return a.order - b.order;
      })
      .filter((e, i, all) => i === 0 || compareKey(all[i - 1]?.net.words ?? new Uint32Array(n), 0, e.net.words, n) !== 0);
    const keys = new Uint32Array(sorted.length * n);
    const values = new Int32Array(sorted.length);
    sorted.forEach((e, i) => {
      keys.set(e.net.words.subarray(0, n), i * n);
      values[i] = e.value;
    });
    levels.push({ prefix, keys, values });
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
  private readonly pending: { net: IpNet; value: number }[] = [];
  private v4: Level[] = [];
  private v6: Level[] = [];

  get size(): number {
    return this.pending.length;
  }

  add(net: IpNet, value: number): void {
    this.pending.push({ net, value });
  }

  freeze(): this {
    this.v4 = buildLevels(this.pending.filter((e) => e.net.family === 4), 1);
    this.v6 = buildLevels(this.pending.filter((e) => e.net.family === 6), 4);
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
