// String patterns (manual §7.1.3) compared with a sample's bytes: exact (`str`, and `bin` on hex patterns), prefix
// (`beg`), suffix (`end`), substring (`sub`), slash-delimited (`dir`) and domain (`dom`) matches, each with `-i`
// (ASCII case folding, as HAProxy's strncasecmp). Exact matches look up a hash of the bytes; long pattern lists for
// beg/end are bucketed by length, so a -f file of many strings is never scanned one by one (sub/dir/dom scan their
// patterns, as HAProxy does). Built at load; matching allocates nothing. Forwarder threads, hot path.

const FOLD: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  return t;
})();

/** FNV-1a of b[start, end), folded to ASCII lower case when `fold`, kept within V8's small integers. */
function hashBytes(b: Uint8Array, start: number, end: number, fold: boolean): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const c = b[i] ?? 0;
    h = Math.imul(h ^ (fold ? (FOLD[c] ?? 0) : c), 0x01000193);
  }
  return h & 0x3fffffff;
}

function equalAt(b: Uint8Array, at: number, p: Uint8Array, fold: boolean): boolean {
  if (fold) {
    for (let k = 0; k < p.length; k++) if (FOLD[b[at + k] ?? 0] !== FOLD[p[k] ?? 0]) return false;
  } else {
    for (let k = 0; k < p.length; k++) if (b[at + k] !== p[k]) return false;
  }
  return true;
}

/** A pattern and the index of the entry it came from (its place in the ACL or map file). */
export interface IndexedPattern {
  readonly bytes: Uint8Array;
  /** `-i` was in force for it. */
  readonly fold: boolean;
  readonly index: number;
}

/** A set of byte strings of any lengths, looked up by hash; find() gives the lowest entry index among equals. */
class ByteSet {
  private readonly buckets = new Map<number, IndexedPattern[]>();
  private readonly fold: boolean;

  constructor(patterns: readonly IndexedPattern[], fold: boolean) {
    this.fold = fold;
    for (const p of patterns) {
      const h = hashBytes(p.bytes, 0, p.bytes.length, fold);
      const list = this.buckets.get(h);
      if (list === undefined) this.buckets.set(h, [p]);
      else list.push(p);
    }
  }

  find(b: Uint8Array, start: number, end: number): number {
    const list = this.buckets.get(hashBytes(b, start, end, this.fold));
    if (list === undefined) return -1;
    // Lists hold patterns in entry order: the first equal one is the lowest index.
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      if (p !== undefined && p.bytes.length === end - start && equalAt(b, start, p.bytes, this.fold)) return p.index;
    }
    return -1;
  }
}

/** Below this many patterns beg/end compare one by one; from it they bucket by length. */
const BUCKET_FROM = 8;

/** Prefix or suffix patterns: one ByteSet per distinct length, probed with the sample's first/last bytes. */
class AffixSet {
  private readonly lengths: Int32Array;
  private readonly sets: ByteSet[];
  private readonly list: readonly IndexedPattern[];
  private readonly fold: boolean;
  private readonly suffix: boolean;

  constructor(patterns: readonly IndexedPattern[], fold: boolean, suffix: boolean) {
    this.fold = fold;
    this.suffix = suffix;
    this.list = patterns;
    const byLength = new Map<number, IndexedPattern[]>();
    if (patterns.length >= BUCKET_FROM) {
      for (const p of patterns) {
        const list = byLength.get(p.bytes.length);
        if (list === undefined) byLength.set(p.bytes.length, [p]);
        else list.push(p);
      }
    }
    const lengths = [...byLength.keys()].sort((a, b) => a - b);
    this.lengths = Int32Array.from(lengths);
    this.sets = lengths.map((n) => new ByteSet(byLength.get(n) ?? [], fold));
  }

  /** The lowest entry index matching (all = false: any match, returned at once). */
  find(b: Uint8Array, start: number, end: number, all: boolean): number {
    const n = end - start;
    let best = -1;
    if (this.lengths.length === 0) {
      const list = this.list;
      for (let i = 0; i < list.length; i++) {
        const p = list[i];
        if (p === undefined) continue;
        const len = p.bytes.length;
        if (len <= n && equalAt(b, this.suffix ? end - len : start, p.bytes, this.fold)) return p.index;
      }
      return -1;
    }
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

/** True when p occurs in b[start, end). */
function contains(b: Uint8Array, start: number, end: number, p: Uint8Array, fold: boolean): boolean {
  for (let at = start; at + p.length <= end; at++) if (equalAt(b, at, p, fold)) return true;
  return false;
}

const SLASH_DELIMS = new Uint8Array(256);
SLASH_DELIMS[0x2f] = 1;
const DOMAIN_DELIMS = new Uint8Array(256);
for (const c of './:?') DOMAIN_DELIMS[c.charCodeAt(0)] = 1;

/** A pattern with its leading and trailing delimiters removed (dir/dom: "leading and trailing delimiters ignored"). */
function trimDelims(p: Uint8Array, delims: Uint8Array): Uint8Array {
  let a = 0;
  let z = p.length;
  while (a < z && delims[p[a] ?? 0] === 1) a++;
  while (z > a && delims[p[z - 1] ?? 0] === 1) z--;
  return p.subarray(a, z);
}

/** p occurs in b[start, end) between delimiters (or the span's ends). An empty pattern never matches. */
function containsWord(b: Uint8Array, start: number, end: number, p: Uint8Array, fold: boolean, delims: Uint8Array): boolean {
  if (p.length === 0) return false;
  for (let at = start; at + p.length <= end; at++) {
    if (at > start && delims[b[at - 1] ?? 0] !== 1) continue;
    const after = at + p.length;
    if (after < end && delims[b[after] ?? 0] !== 1) continue;
    if (equalAt(b, at, p, fold)) return true;
  }
  return false;
}

export type StringMethod = 'str' | 'bin' | 'beg' | 'end' | 'sub' | 'dir' | 'dom';

/**
 * A compiled list of string patterns for one method: test() says whether a span matches one of them, find() which
 * entry matches first (a map's line). Exact, prefix and suffix lists are hashed; sub/dir/dom are scanned in order.
 */
export class StringPatterns {
  private readonly exact: ByteSet[] = [];
  private readonly affix: AffixSet[] = [];
  private readonly scan: IndexedPattern[] = [];
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
    if (method === 'sub' || method === 'dir' || method === 'dom') {
      this.scan = patterns.map((p) => (method === 'sub' ? p : { ...p, bytes: trimDelims(p.bytes, this.delims) }));
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
    if (best >= 0 || this.scan.length === 0) return best;
    const sub = this.method === 'sub';
    // Scanned lists are in entry order: the first hit is the lowest index.
    for (let i = 0; i < this.scan.length; i++) {
      const p = this.scan[i];
      if (p === undefined) continue;
      if (sub ? contains(b, start, end, p.bytes, p.fold) : containsWord(b, start, end, p.bytes, p.fold, this.delims)) return p.index;
    }
    return -1;
  }
}
