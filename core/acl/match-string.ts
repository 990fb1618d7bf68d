// String patterns (manual §7.1.3) compared with a sample's bytes: exact (`str`, and `bin` on hex patterns), prefix
// (`beg`), suffix (`end`), substring (`sub`), slash-delimited (`dir`) and domain (`dom`) matches, each with `-i`
// (ASCII case folding, as HAProxy's strncasecmp). Exact matches probe an open-addressing hash table over one flat
// byte store; long beg/end lists are bucketed by length, so a -f file of 200 000 strings is neither scanned one by one
// nor held as 200 000 objects (sub/dir/dom scan their patterns, as HAProxy does). Built at load; matching allocates
// nothing. Forwarder threads, hot path.

const FOLD: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  return t;
})();

/** FNV-1a of b[start, end), folded to ASCII lower case when `fold`. */
function hashBytes(b: Uint8Array, start: number, end: number, fold: boolean): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const c = b[i] ?? 0;
    h = Math.imul(h ^ (fold ? (FOLD[c] ?? 0) : c), 0x01000193);
  }
  return h >>> 0;
}

function equalAt(b: Uint8Array, at: number, p: Uint8Array, pStart: number, n: number, fold: boolean): boolean {
  if (fold) {
    for (let k = 0; k < n; k++) if (FOLD[b[at + k] ?? 0] !== FOLD[p[pStart + k] ?? 0]) return false;
  } else {
    for (let k = 0; k < n; k++) if (b[at + k] !== p[pStart + k]) return false;
  }
  return true;
}

/** A pattern as the compiler hands it over: its text (UTF-8) or bytes (hex patterns), `-i`, and its entry index. */
export interface IndexedPattern {
  readonly bytes: Uint8Array | string;
  /** `-i` was in force for it. */
  readonly fold: boolean;
  readonly index: number;
}

/** Patterns in one flat byte store: pattern k is data[offs[k], offs[k + 1]), from entry index[k]. */
class FlatPatterns {
  readonly data: Buffer;
  readonly offs: Int32Array;
  readonly index: Int32Array;

  constructor(patterns: readonly IndexedPattern[]) {
    let total = 0;
    for (const p of patterns) total += typeof p.bytes === 'string' ? Buffer.byteLength(p.bytes, 'utf8') : p.bytes.length;
    this.data = Buffer.allocUnsafe(total);
    this.offs = new Int32Array(patterns.length + 1);
    this.index = new Int32Array(patterns.length);
    let at = 0;
    patterns.forEach((p, k) => {
      this.offs[k] = at;
      this.index[k] = p.index;
      if (typeof p.bytes === 'string') at += this.data.write(p.bytes, at, 'utf8');
      else {
        this.data.set(p.bytes, at);
        at += p.bytes.length;
      }
    });
    this.offs[patterns.length] = at;
  }

  get size(): number {
    return this.index.length;
  }

  length(k: number): number {
    return (this.offs[k + 1] ?? 0) - (this.offs[k] ?? 0);
  }
}

/** Exact-match set: open addressing (linear probing) over a FlatPatterns; find() gives the first-declared equal entry. */
class ByteSet {
  private readonly store: FlatPatterns;
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly fold: boolean;

  constructor(patterns: readonly IndexedPattern[], fold: boolean) {
    this.fold = fold;
    this.store = new FlatPatterns(patterns);
    let size = 8;
    while (size < patterns.length * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    const s = this.store;
    for (let k = 0; k < s.size; k++) {
      const off = s.offs[k] ?? 0;
      const len = s.length(k);
      let h = hashBytes(s.data, off, off + len, fold) & this.mask;
      // An equal pattern already in place keeps its slot: the first declared entry answers.
      for (;;) {
        const other = (this.slots[h] ?? 0) - 1;
        if (other < 0) {
          this.slots[h] = k + 1;
          break;
        }
        if (s.length(other) === len && equalAt(s.data, s.offs[other] ?? 0, s.data, off, len, fold)) break;
        h = (h + 1) & this.mask;
      }
    }
  }

  /** The entry index of the pattern equal to b[start, end), or -1. */
  find(b: Uint8Array, start: number, end: number): number {
    const s = this.store;
    const n = end - start;
    let h = hashBytes(b, start, end, this.fold) & this.mask;
    // Bounded: the table is at most half full, so an empty slot comes.
    for (;;) {
      const k = (this.slots[h] ?? 0) - 1;
      if (k < 0) return -1;
      if (s.length(k) === n && equalAt(b, start, s.data, s.offs[k] ?? 0, n, this.fold)) return s.index[k] ?? -1;
      h = (h + 1) & this.mask;
    }
  }
}

/** Below this many patterns beg/end compare one by one; from it they bucket by length. */
const BUCKET_FROM = 8;

/** Prefix or suffix patterns: one ByteSet per distinct length, probed with the sample's first/last bytes. */
class AffixSet {
  private readonly lengths: Int32Array;
  private readonly sets: ByteSet[];
  private readonly list: FlatPatterns | undefined;
  private readonly fold: boolean;
  private readonly suffix: boolean;

  constructor(patterns: readonly IndexedPattern[], fold: boolean, suffix: boolean) {
    this.fold = fold;
    this.suffix = suffix;
    if (patterns.length < BUCKET_FROM) {
      this.list = new FlatPatterns(patterns);
      this.lengths = new Int32Array(0);
      this.sets = [];
      return;
    }
    this.list = undefined;
    const byLength = new Map<number, IndexedPattern[]>();
    for (const p of patterns) {
      const n = typeof p.bytes === 'string' ? Buffer.byteLength(p.bytes, 'utf8') : p.bytes.length;
      const list = byLength.get(n);
      if (list === undefined) byLength.set(n, [p]);
      else list.push(p);
    }
    const lengths = [...byLength.keys()].sort((a, b) => a - b);
    this.lengths = Int32Array.from(lengths);
    this.sets = lengths.map((n) => new ByteSet(byLength.get(n) ?? [], fold));
  }

  /** The lowest entry index matching (all = false: any match, returned at once). */
  find(b: Uint8Array, start: number, end: number, all: boolean): number {
    const n = end - start;
    const list = this.list;
    if (list !== undefined) {
      // Few patterns, in entry order: the first hit is the lowest index.
      for (let k = 0; k < list.size; k++) {
        const len = list.length(k);
        if (len <= n && equalAt(b, this.suffix ? end - len : start, list.data, list.offs[k] ?? 0, len, this.fold)) return list.index[k] ?? -1;
      }
      return -1;
    }
    let best = -1;
    for (let i = 0; i < this.lengths.length; i++) {
      const len = this.lengths[i] ?? 0;
      if (len > n) break;
      const from = this.suffix ? end - len : start;
      const hit = this.sets[i]?.find(b, from, from + len) ?? -1;
      if (hit >= 0 && (best < 0 || hit < best)) {
        if (!all) return hit;
        best = hit;
      }
    }
    return best;
  }
}

/** True when p[pStart, pStart + n) occurs in b[start, end). */
function contains(b: Uint8Array, start: number, end: number, p: Uint8Array, pStart: number, n: number, fold: boolean): boolean {
  for (let at = start; at + n <= end; at++) if (equalAt(b, at, p, pStart, n, fold)) return true;
  return false;
}

const SLASH_DELIMS = new Uint8Array(256);
SLASH_DELIMS[0x2f] = 1;
const DOMAIN_DELIMS = new Uint8Array(256);
for (const c of './:?') DOMAIN_DELIMS[c.charCodeAt(0)] = 1;

/**
 * p[pStart, pStart + n) occurs in b[start, end) between delimiters (or the span's ends). An empty pattern never
 * matches.
 */
function containsWord(b: Uint8Array, start: number, end: number, p: Uint8Array, pStart: number, n: number, fold: boolean, delims: Uint8Array): boolean {
  if (n === 0) return false;
  for (let at = start; at + n <= end; at++) {
    if (at > start && delims[b[at - 1] ?? 0] !== 1) continue;
    const after = at + n;
    if (after < end && delims[b[after] ?? 0] !== 1) continue;
    if (equalAt(b, at, p, pStart, n, fold)) return true;
  }
  return false;
}

export type StringMethod = 'str' | 'bin' | 'beg' | 'end' | 'sub' | 'dir' | 'dom';

/**
 * A compiled list of string patterns for one method: test() says whether a span matches one of them, find() which
 * entry matches first (a map's line). Exact, prefix and suffix lists are hashed; sub/dir/dom are scanned in order,
 * dir/dom patterns without their leading and trailing delimiters ("ignored", §7.1.3).
 */
export class StringPatterns {
  private readonly exact: ByteSet[] = [];
  private readonly affix: AffixSet[] = [];
  private readonly scan: FlatPatterns | undefined;
  /** Per scanned pattern: the trimmed span's start offset and length in `scan`, and -i. */
  private readonly scanStart: Int32Array;
  private readonly scanLength: Int32Array;
  private readonly scanFold: Uint8Array;
  private readonly delims: Uint8Array;
  private readonly method: StringMethod;

  constructor(method: StringMethod, patterns: readonly IndexedPattern[]) {
    this.method = method;
    this.delims = method === 'dir' ? SLASH_DELIMS : DOMAIN_DELIMS;
    for (const fold of [false, true]) {
      const group = patterns.filter((p) => p.fold === fold);
      if (group.length === 0) continue;
      if (method === 'str' || method === 'bin') this.exact.push(new ByteSet(group, fold));
      else if (method === 'beg' || method === 'end') this.affix.push(new AffixSet(group, fold, method === 'end'));
    }
    const scanned = method === 'sub' || method === 'dir' || method === 'dom';
    this.scan = scanned ? new FlatPatterns(patterns) : undefined;
    this.scanStart = new Int32Array(scanned ? patterns.length : 0);
    this.scanLength = new Int32Array(scanned ? patterns.length : 0);
    this.scanFold = new Uint8Array(scanned ? patterns.length : 0);
    const scan = this.scan;
    if (scan === undefined) return;
    for (let k = 0; k < scan.size; k++) {
      let a = scan.offs[k] ?? 0;
      let z = scan.offs[k + 1] ?? 0;
      if (method !== 'sub') {
        while (a < z && this.delims[scan.data[a] ?? 0] === 1) a++;
        while (z > a && this.delims[scan.data[z - 1] ?? 0] === 1) z--;
      }
      this.scanStart[k] = a;
      this.scanLength[k] = z - a;
      this.scanFold[k] = patterns[k]?.fold === true ? 1 : 0;
    }
  }

  test(b: Uint8Array, start: number, end: number): boolean {
    return this.search(b, start, end, false) >= 0;
  }

  /** The lowest entry index whose pattern matches, or -1. */
  find(b: Uint8Array, start: number, end: number): number {
    return this.search(b, start, end, true);
  }

  private search(b: Uint8Array, start: number, end: number, all: boolean): number {
    let best = -1;
    // Indexed loops on the hot path: an unoptimised for-of allocates an iterator per call.
    for (let i = 0; i < this.exact.length; i++) {
      const hit = this.exact[i]?.find(b, start, end) ?? -1;
      if (hit >= 0 && (best < 0 || hit < best)) best = hit;
    }
    for (let i = 0; i < this.affix.length; i++) {
      const hit = this.affix[i]?.find(b, start, end, all) ?? -1;
      if (hit >= 0 && (best < 0 || hit < best)) best = hit;
    }
    const scan = this.scan;
    if (best >= 0 || scan === undefined) return best;
    const sub = this.method === 'sub';
    // Scanned lists are in entry order: the first hit is the lowest index.
    for (let k = 0; k < scan.size; k++) {
      const p = this.scanStart[k] ?? 0;
      const n = this.scanLength[k] ?? 0;
      const fold = this.scanFold[k] === 1;
      if (sub ? contains(b, start, end, scan.data, p, n, fold) : containsWord(b, start, end, scan.data, p, n, fold, this.delims)) return scan.index[k] ?? -1;
    }
    return -1;
  }
}
