// Sample fetches over a parsed request head (HAProxy 2.6 §7.3.6 "Fetching HTTP samples"): method, url, path, query,
// req.hdr / req.hdr_cnt (comma-separated values), req.fhdr / req.fhdr_cnt (whole fields), and the Host, each read as a
// Span over the bytes (no allocation) or as a string on demand. The ACL issue evaluates rules with these; the semantics
// are haproxy 2.6.12's, measured side by side (tests/http1/head-fetch-compat.test.ts). Forwarder threads, per rule.
// The view is the head as HAProxy's own rules see it: Content-Length merged, one Host, Connection without its close
// and keep-alive tokens (HAProxy's H1 parser removes them before any rule runs).

import { cleanConnection } from '../forward/l7-connection-mode.js';
import { spanIs } from './head-bytes.js';
import { HDR, headerIdOf, type HdrId } from './head-names.js';
import { FIELD, type HeadView } from './head-view.js';

const EMPTY = Buffer.alloc(0);
const SLASH = 0x2f;
const QUESTION = 0x3f;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SP = 0x20;
const HTAB = 0x09;

/** A run of bytes buf[start, end) a fetch found; valid while the view's bytes are. Reuse one per caller. */
export class Span {
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;

  /** Points the span at buf[start, end); returns true (a fetch's "found"). */
  set(buf: Buffer, start: number, end: number): true {
    this.buf = buf;
    this.start = start;
    this.end = end;
    return true;
  }

  get length(): number {
    return this.end - this.start;
  }

  /** True when the bytes are exactly `text` (Latin-1), byte for byte. Allocates nothing. */
  equals(text: string): boolean {
    if (text.length !== this.end - this.start) return false;
    for (let k = 0; k < text.length; k++) if (this.buf[this.start + k] !== text.charCodeAt(k)) return false;
    return true;
  }

  /** The bytes as a Latin-1 string. Allocates. */
  toString(): string {
    return this.buf.toString('latin1', this.start, this.end);
  }
}

/** A header name compiled once (at configuration load) for the fetches: its lower-case text and known id. */
export interface HeaderName {
  readonly lower: string;
  readonly id: HdrId;
}

/** Compiles `name` for the fetches (case-insensitive, as HAProxy matches header names). */
export function headerName(name: string): HeaderName {
  const lower = name.toLowerCase();
  return { lower, id: headerIdOf(lower) };
}

/** `method`: the request method as received. */
export function fetchMethod(view: HeadView, out: Span): boolean {
  if (view.methodInExtra) return out.set(view.extra, view.methodStart, view.methodEnd);
  return out.set(view.buf, view.base + view.methodStart, view.base + view.methodEnd);
}

/** `url`: the request target as HAProxy keeps it (an absolute-form target without its default port). */
export function fetchUrl(view: HeadView, out: Span): boolean {
  if (view.targetInExtra) return out.set(view.extra, view.targetStart, view.targetEnd);
  return out.set(view.buf, view.base + view.targetStart, view.base + view.targetEnd);
}

/**
 * `path`: from the first slash to the question mark, without scheme and authority. Measured on haproxy 2.6.12: none
 * for `*`, an authority (CONNECT), `http://h`, `http://h?q` or a target that is neither origin- nor absolute-form.
 */
export function fetchPath(view: HeadView, out: Span): boolean {
  fetchUrl(view, out);
  const b = out.buf;
  const e = out.end;
  let p = out.start;
  if (b[p] !== SLASH) {
    const sep = b.indexOf('://', p, 'latin1');
    if (sep < 0 || sep >= e) return false;
    p = sep + 3;
    while (p < e && b[p] !== SLASH && b[p] !== QUESTION) p++;
    if (p >= e || b[p] !== SLASH) return false;
  }
  let q = p;
  while (q < e && b[q] !== QUESTION) q++;
  return out.set(b, p, q);
}

/** `query`: what follows the first question mark (empty after a bare `?`); none without one. */
export function fetchQuery(view: HeadView, out: Span): boolean {
  fetchUrl(view, out);
  const b = out.buf;
  for (let q = out.start; q < out.end; q++) if (b[q] === QUESTION) return out.set(b, q + 1, out.end);
  return false;
}

/** True when field i is a live field called `name` (any live field when `name` is undefined: every header). */
function named(view: HeadView, i: number, name: HeaderName | undefined): boolean {
  if (!view.live(i)) return false;
  if (name === undefined) return true;
  if (name.id !== HDR.OTHER) return view.ids[i] === name.id;
  return view.ids[i] === HDR.OTHER && spanIs(view.nameBuf(i), view.nameStart(i), view.nameEnd(i), name.lower);
}

// Connection values as HAProxy's rules see them (rebuilt only for a field whose tokens cleaning changes; rare).
let cleaned = EMPTY;

/** Points `out` at field i's value as HAProxy's rules see it; false for a Connection field cleaning empties. */
function fieldValue(view: HeadView, i: number, out: Span): boolean {
  const f = view.flags[i] ?? 0;
  if (view.ids[i] === HDR.CONNECTION && (f & (FIELD.CONN_DROP | FIELD.CONN_TEXT)) !== 0) {
    if ((f & FIELD.CONN_DROP) !== 0) return false;
    const text = cleanConnection([{ name: 'connection', value: view.valueString(i) }])[0]?.value ?? '';
    cleaned = Buffer.from(text, 'latin1');
    return out.set(cleaned, 0, cleaned.length);
  }
  return out.set(view.valueBuf(i), view.valueStart(i), view.valueEnd(i));
}

/** Where a walk over header values stands: the field to look at and, inside a split field, where to resume. */
export class ValueCursor {
  field = 0;
  /** Offset in the current field's value to resume from; -1 at the start of a field. */
  pos = -1;

  reset(): this {
    this.field = 0;
    this.pos = -1;
    return this;
  }
}

/**
 * The next value of the fields called `name` (every field when undefined) after `cur`: with `split`, each
 * comma-separated element trimmed of blanks (a comma inside a quoted string does not split, `\` escapes inside quotes,
 * an empty element counts: `a,,b` has three); without, each field's whole value. Connection fields as HAProxy's rules
 * see them. Points `out` at it and returns true; false past the last. Allocates nothing.
 */
export function nextValue(view: HeadView, name: HeaderName | undefined, split: boolean, cur: ValueCursor, out: Span): boolean {
  // Bounded: every turn consumes a field or an element of one.
  while (cur.field < view.count) {
    const i = cur.field;
    if (!named(view, i, name) || !fieldValue(view, i, scratch)) {
      cur.field++;
      cur.pos = -1;
      continue;
    }
    if (!split) {
      cur.field++;
      cur.pos = -1;
      return out.set(scratch.buf, scratch.start, scratch.end);
    }
    const b = scratch.buf;
    const e = scratch.end;
    const p = cur.pos < 0 ? scratch.start : cur.pos;
    let q = p;
    let quoted = false;
    for (; q < e; q++) {
      const c = b[q];
      if (quoted) {
        if (c === BACKSLASH) q++;
        else if (c === QUOTE) quoted = false;
      } else if (c === QUOTE) quoted = true;
      else if (c === COMMA) break;
    }
    if (q > e) q = e;
    if (q >= e) {
      cur.field++;
      cur.pos = -1;
    } else {
      cur.pos = q + 1;
    }
    let a = p;
    let z = q;
    while (a < z && (b[a] === SP || b[a] === HTAB)) a++;
    while (z > a && (b[z - 1] === SP || b[z - 1] === HTAB)) z--;
    return out.set(b, a, z);
  }
  return false;
}

const walk = new ValueCursor();

/** `req.fhdr_cnt(name)`: how many fields called `name` the request has (every field when undefined). */
export function countFields(view: HeadView, name: HeaderName | undefined): number {
  walk.reset();
  let n = 0;
  while (nextValue(view, name, false, walk, scratch)) n++;
  return n;
}

const scratch = new Span();
const found = new Span();

/**
 * `req.fhdr(name, occurrence)`: the whole value of one field called `name`: occurrence 1 is the first, -1 the last
 * (the default, as HAProxy's), 2 the second, -2 the one before the last. False when there is no such field.
 */
export function fetchField(view: HeadView, name: HeaderName | undefined, occurrence: number, out: Span): boolean {
  return nth(view, name, false, occurrence, out);
}

/** Value number `occurrence` (from 1, or from the last when negative) of a walk; false when there is none. */
function nth(view: HeadView, name: HeaderName | undefined, split: boolean, occurrence: number, out: Span): boolean {
  if (occurrence === 0) return false;
  let want = occurrence;
  if (want < 0) {
    walk.reset();
    let n = 0;
    while (nextValue(view, name, split, walk, found)) n++;
    want = n + 1 + occurrence;
    if (want < 1) return false;
  }
  walk.reset();
  for (let k = 1; nextValue(view, name, split, walk, found); k++) if (k === want) return out.set(found.buf, found.start, found.end);
  return false;
}

/** `req.hdr_cnt(name)`: how many comma-separated values the fields called `name` hold (every field when undefined). */
export function countValues(view: HeadView, name: HeaderName | undefined): number {
  walk.reset();
  let n = 0;
  while (nextValue(view, name, true, walk, found)) n++;
  return n;
}

/**
 * `req.hdr(name, occurrence)`: one comma-separated value of the fields called `name` (quoted commas kept), occurrence
 * 1 the first, -1 the last (the default), negative counting from the last. False when there is none.
 */
export function fetchValue(view: HeadView, name: HeaderName | undefined, occurrence: number, out: Span): boolean {
  return nth(view, name, true, occurrence, out);
}

const HOST = headerName('host');

/** `req.hdr(host)`: the Host value HAProxy forwards (one field; a default port dropped for an absolute-form target). */
export function fetchHost(view: HeadView, out: Span): boolean {
  return fetchValue(view, HOST, -1, out);
}

/** The string form of a fetch: `text(fetchPath, view)` → the path, or undefined when the fetch finds none. */
export function text(fetch: (view: HeadView, out: Span) => boolean, view: HeadView): string | undefined {
  return fetch(view, scratchText) ? scratchText.toString() : undefined;
}

const scratchText = new Span();
