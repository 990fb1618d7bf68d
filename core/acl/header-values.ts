// Walks the values of a request's header fields and cookies as HAProxy's fetches see them (manual §7.3.6): a field's
// value split at commas outside double-quoted strings and trimmed (req.hdr), or whole (req.fhdr); Cookie fields cut
// into `name=value` pairs at semicolons, names and values trimmed (RFC 6265, req.cook). Each step writes the span it
// found into a Cursor and moves on. Forwarder threads, hot path: offsets only, nothing allocated.

import { spanIs } from '../http1/head-bytes.js';
import { HDR, type HdrId } from '../http1/head-names.js';
import type { HeadView } from '../http1/head-view.js';

const SP = 0x20;
const HTAB = 0x09;
const COMMA = 0x2c;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const SEMI = 0x3b;
const EQUALS = 0x3d;

/** A position in a head's fields, and the last span found. */
export class Cursor {
  /** Field index to look at next. */
  field = 0;
  /** Offset in that field's value buffer to resume from; -1: at the start of the field. */
  pos = -1;
  buf: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;
  /** Cookie name span of the last pair (nextCookie). */
  nameStart = 0;
  nameEnd = 0;

  reset(): void {
    this.field = 0;
    this.pos = -1;
  }
}

/** A header name to look for: lower-case text and, for the names the parser knows, its id (a byte compare). */
export interface HeaderName {
  readonly lower: string;
  readonly id: HdrId;
}

/** True when field i of `head` is called `name` (any case); an undefined name matches every field. */
function nameMatches(head: HeadView, i: number, name: HeaderName | undefined): boolean {
  if (name === undefined) return true;
  if (name.id !== HDR.OTHER) return head.ids[i] === name.id;
  return spanIs(head.buf, head.nameStart(i), head.nameEnd(i), name.lower);
}

/** Where a comma-separated value starting at p ends (HAProxy skips commas inside "…", honouring \ pairs). */
function valueEnd(b: Uint8Array, p: number, end: number): number {
  let quoted = false;
  for (; p < end; p++) {
    const c = b[p];
    if (quoted) {
      if (c === BACKSLASH) p++;
      else if (c === DQUOTE) quoted = false;
    } else if (c === DQUOTE) quoted = true;
    else if (c === COMMA) return p;
  }
  return end;
}

/**
 * The next value of the fields called `name` after the cursor: with `split`, each comma-separated element trimmed
 * of SP/HTAB; without, each field's whole value. Sets cur.buf/start/end and returns true, or false past the last.
 */
export function nextValue(head: HeadView, name: HeaderName | undefined, split: boolean, cur: Cursor): boolean {
  // Bounded: every turn consumes a field or a part of one.
  while (cur.field < head.count) {
    const i = cur.field;
    if (!head.live(i) || !nameMatches(head, i, name)) {
      cur.field++;
      cur.pos = -1;
      continue;
    }
    const b = head.valueBuf(i);
    const vs = head.valueStart(i);
    const ve = head.valueEnd(i);
    if (!split) {
      cur.field++;
      cur.pos = -1;
      cur.buf = b;
      cur.start = vs;
      cur.end = ve;
      return true;
    }
    const from = cur.pos < 0 ? vs : cur.pos;
    if (from > ve) {
      cur.field++;
      cur.pos = -1;
      continue;
    }
    const e = valueEnd(b, from, ve);
    let a = from;
    let z = e;
    while (a < z && (b[a] === SP || b[a] === HTAB)) a++;
    while (z > a && (b[z - 1] === SP || b[z - 1] === HTAB)) z--;
    cur.pos = e + 1;
    cur.buf = b;
    cur.start = a;
    cur.end = z;
    return true;
  }
  return false;
}

/** How many values nextValue would give. */
export function countValues(head: HeadView, name: HeaderName | undefined, split: boolean, cur: Cursor): number {
  cur.reset();
  let n = 0;
  while (nextValue(head, name, split, cur)) n++;
  cur.reset();
  return n;
}

/**
 * The next `name=value` pair of the Cookie fields after the cursor whose name is `cookie` (any name when
 * undefined): sets cur.nameStart/nameEnd and cur.start/end (the value, trimmed) and returns true; false past the
 * last. Pairs without `=` are skipped.
 */
export function nextCookie(head: HeadView, cookie: Uint8Array | undefined, cur: Cursor): boolean {
  while (cur.field < head.count) {
    const i = cur.field;
    if (!head.live(i) || head.ids[i] !== HDR.COOKIE) {
      cur.field++;
      cur.pos = -1;
      continue;
    }
    const b = head.valueBuf(i);
    const ve = head.valueEnd(i);
    let p = cur.pos < 0 ? head.valueStart(i) : cur.pos;
    const nameLen = cookie?.length ?? 0;
    // haproxy 2.6.12 looks at a pair only while more than `name=` is left from where it starts (measured: a field
    // that is just `theme=` has no cookie theme, `x=1; theme=` has one, `theme=;` too).
    while (p + nameLen + 1 < ve) {
      let e = p;
      while (e < ve && b[e] !== SEMI) e++;
      let ns = p;
      while (ns < e && (b[ns] === SP || b[ns] === HTAB)) ns++;
      let eq = ns;
      while (eq < e && b[eq] !== EQUALS) eq++;
      p = e + 1;
      if (eq >= e) continue;
      let ne = eq;
      while (ne > ns && (b[ne - 1] === SP || b[ne - 1] === HTAB)) ne--;
      if (cookie !== undefined && !sameBytes(b, ns, ne, cookie)) continue;
      let vs = eq + 1;
      let vz = e;
      while (vs < vz && (b[vs] === SP || b[vs] === HTAB)) vs++;
      while (vz > vs && (b[vz - 1] === SP || b[vz - 1] === HTAB)) vz--;
      cur.pos = p;
      cur.buf = b;
      cur.nameStart = ns;
      cur.nameEnd = ne;
      cur.start = vs;
      cur.end = vz;
      return true;
    }
    cur.field++;
    cur.pos = -1;
  }
  return false;
}

function sameBytes(b: Uint8Array, start: number, end: number, want: Uint8Array): boolean {
  if (end - start !== want.length) return false;
  for (let k = 0; k < want.length; k++) if (b[start + k] !== want[k]) return false;
  return true;
}
