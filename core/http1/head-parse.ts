// HTTP/1.x request and status lines and header fields (RFC 9112 §2–5) parsed into a HeadView: offsets over the
// caller's Buffer, no string built. As strict as HAProxy 2.6's h1 parser, with exactly the verdicts, statuses and
// reasons of parser.ts (parseRequestHead / parseResponseHead: tests/http1/head-differential.test.ts holds both to the
// same answers over the corpus and seeded mutations; parser.ts stays for the health checks and error files).
// Forwarder threads, once per message head (hot path); synchronous; allocates only for rare shapes (folds, rewrites).

import { skipBlanks, trimBlanksEnd } from './head-bytes.js';
import { checkRequestFields, checkResponseFields } from './head-checks.js';
import { headerId, methodId, METHOD } from './head-names.js';
import { FIELD, HEAD, type HeadView } from './head-view.js';
import { TARGET_CHAR, TOKEN_CHAR } from './header-list.js';
import { sizeLimits, type ParseLimits } from './parser.js';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
/** Internal step results: more bytes needed, or refused (the reason is in `failure`). */
const NEED = -1;
const BAD = -2;
const HTTP_PREFIX = 'HTTP/';

// Why a step answered BAD. Parsing is synchronous on one thread, so one slot is enough.
let failure = '';

function bad(reason: string): number {
  failure = reason;
  return BAD;
}

/** At a CR or LF: the position after the line end, NEED, or BAD for a CR not followed by LF. */
function lineEnd(buf: Buffer, p: number, cap: number): number {
  if (buf[p] === LF) return p + 1;
  if (p + 1 >= cap) return NEED;
  return buf[p + 1] === LF ? p + 2 : bad('CR not followed by LF');
}

/** Empty lines before a start line are ignored (RFC 9112 §2.2; HAProxy does the same). */
function skipEmptyLines(buf: Buffer, p: number, cap: number): number {
  while (p < cap && (buf[p] === CR || buf[p] === LF)) {
    p = lineEnd(buf, p, cap);
    if (p < 0) return p;
  }
  return p;
}

/**
 * "HTTP/" DIGIT "." DIGIT at p, exactly (HAProxy refuses `http/1.1`, `HTTP/1`, `HTTP/11.1`). Sets the version
 * HAProxy forwards: 1.2 … 9.x as 1.1, 0.x as 1.0. Returns p + 8, NEED or BAD.
 */
function version(buf: Buffer, p: number, cap: number, view: HeadView): number {
  for (let k = 0; k < 8; k++) {
    if (p + k >= cap) return NEED;
    const c = buf[p + k] ?? 0;
    const ok = k < 5 ? c === HTTP_PREFIX.charCodeAt(k) : k === 6 ? c === 0x2e : c >= 0x30 && c <= 0x39;
    if (!ok) return bad('invalid HTTP version');
  }
  const major = (buf[p + 5] ?? 0) - 0x30;
  const minor = (buf[p + 7] ?? 0) - 0x30;
  view.version = major > 1 || (major === 1 && minor >= 1) ? '1.1' : '1.0';
  return p + 8;
}

/**
 * Header lines from p up to and including the empty line, into view's fields. Folded lines (obs-fold) are joined
 * the way parser.ts joins them (each line end of the fold becomes one space per byte of the fold line's own line
 * end, then the value is trimmed), into view.extra. Returns the position after the head, NEED or BAD.
 */
function headerBlock(view: HeadView, buf: Buffer, p: number, cap: number, maxFields: number): number {
  const base = view.base;
  // The last field's value before its trailing blanks were trimmed: a fold line appends to it.
  let rawStart = 0;
  let rawEnd = 0;
  // Where the joined raw value of a folded field starts in view.extra (-1: the last field is not folded yet).
  let joined = -1;
  for (;;) {
    if (p >= cap) return NEED;
    const c = buf[p];
    if (c === CR || c === LF) return lineEnd(buf, p, cap);
    let valueStart: number;
    let nameEnd = -1;
    if (c === SP || c === HTAB) {
      if (view.count === 0) return bad('obs-fold before any header');
      valueStart = p;
    } else {
      let q = p;
      while (q < cap && TOKEN_CHAR[buf[q]!] === 1) q++;
      if (q >= cap) return NEED;
      if (q === p) return bad('empty or invalid header name');
      if (buf[q] !== COLON) return bad('invalid character in header name');
      nameEnd = q;
      valueStart = skipBlanks(buf, q + 1, cap);
    }
    // One pass to the LF, noting the first CR on the way (a CR anywhere but before the LF is refused).
    let lf = valueStart;
    let cr = -1;
    while (lf < cap) {
      const b = buf[lf]!;
      if (b <= CR) {
        if (b === LF) break;
        if (b === CR && cr < 0) cr = lf;
      }
      lf++;
    }
    if (lf >= cap) return cr >= 0 && cr < cap - 1 ? bad('CR not followed by LF') : NEED;
    const crlf = lf - 1 >= valueStart && buf[lf - 1] === CR;
    const lineRawEnd = crlf ? lf - 1 : lf;
    if (cr >= 0 && cr < lineRawEnd) return bad('CR not followed by LF');
    if (nameEnd < 0) {
      joined = foldInto(view, buf, joined, rawStart, rawEnd, crlf, valueStart, lineRawEnd);
    } else {
      if (view.count >= maxFields) return bad('too many headers');
      const valueEnd = trimBlanksEnd(buf, valueStart, lineRawEnd);
      // The line goes out as it came when it reads `name: value` CRLF: one SP, no trailing blank.
      const canon = crlf && valueEnd === lineRawEnd && valueStart === nameEnd + 2 && buf[nameEnd + 1] === SP;
      view.addField(p - base, nameEnd - base, valueStart - base, valueEnd - base, headerId(buf, p, nameEnd), canon ? FIELD.CANON : 0);
      rawStart = valueStart;
      rawEnd = lineRawEnd;
      joined = -1;
    }
    p = lf + 1;
  }
}

/**
 * Appends one fold line to the last field's value in view.extra: the raw value so far (copied on the first fold),
 * one space per byte of this line's end (two after a CRLF, one after a bare LF), then this line from its first blank.
 * The field's value becomes that text trimmed of SP/HTAB on both sides. Returns where the joined text starts.
 */
function foldInto(
  view: HeadView,
  buf: Buffer,
  joined: number,
  rawStart: number,
  rawEnd: number,
  crlf: boolean,
  lineStart: number,
  lineEnd: number,
): number {
  const i = view.count - 1;
  let start = joined;
  if (start < 0) {
    start = view.reserveExtra(rawEnd - rawStart);
    buf.copy(view.extra, start, rawStart, rawEnd);
  }
  const sep = crlf ? 2 : 1;
  const at = view.reserveExtra(sep + lineEnd - lineStart);
  view.extra.fill(SP, at, at + sep);
  buf.copy(view.extra, at + sep, lineStart, lineEnd);
  const e = trimBlanksEnd(view.extra, start, view.extraUsed);
  view.spans[i * 4 + 2] = skipBlanks(view.extra, start, e);
  view.spans[i * 4 + 3] = e;
  view.flags[i] = ((view.flags[i] ?? 0) | FIELD.EXTRA) & ~FIELD.CANON;
  return start;
}

/**
 * True when the head outgrows HAProxy's HTX room. Names and values are never longer than the bytes they came in, so
 * a head whose raw length plus 8 per block fits cannot overflow: most heads skip the exact sum.
 */
function tooBigForHtx(view: HeadView, rawLength: number, startLine: number, htx: number): boolean {
  if (16 + startLine + 8 * view.count + rawLength <= htx) return false;
  return htxCost(view, startLine) > htx;
}

/** HAProxy's HTX cost of the fields (8 + name + value each) plus the start line's and end-of-headers blocks. */
function htxCost(view: HeadView, startLine: number): number {
  let cost = 8 + startLine + 8;
  for (let i = 0; i < view.count; i++) {
    const s = i * 4;
    cost += 8 + (view.spans[s + 1] ?? 0) - (view.spans[s] ?? 0) + (view.spans[s + 3] ?? 0) - (view.spans[s + 2] ?? 0);
  }
  return cost;
}

// HAProxy's limits for the last tune.bufsize seen (one per process in practice): no object per parse.
let limitsFor = -1;
let lim = sizeLimits(16384);

function limitsOf(limits: ParseLimits): { raw: number; htx: number } {
  if (limits.maxHeadBytes !== limitsFor) {
    lim = sizeLimits(limits.maxHeadBytes);
    limitsFor = limits.maxHeadBytes;
  }
  return lim;
}

/** Ends a parse that stopped early: the error, or "incomplete" unless the bytes seen already fill the buffer. */
function unfinished(view: HeadView, code: number, seen: number, rawLimit: number): number {
  if (code === BAD) return refuse(view, 400, failure);
  if (seen >= rawLimit) return refuse(view, 400, 'head too large');
  return HEAD.INCOMPLETE;
}

function refuse(view: HeadView, status: 400 | 422, reason: string): number {
  view.errorStatus = status;
  view.errorReason = reason;
  return HEAD.ERROR;
}

/**
 * Parses the request head at buf[start, end) into `view` (a client's bytes). Returns the head's length (> 0; the
 * body or the next pipelined request starts at start + length), HEAD.INCOMPLETE while more bytes could still make a
 * valid head, or HEAD.ERROR with view.errorStatus (400, or 422 for a coding before chunked) and view.errorReason:
 * exactly parser.ts parseRequestHead's answers. The view then holds the head as HAProxy forwards it (folds joined,
 * duplicate Content-Length merged, Content-Length dropped beside Transfer-Encoding, a repeated identical Host kept
 * once, Upgrade dropped from a request with a body; dropped fields keep their place, flagged). Stateless between
 * calls: after INCOMPLETE, call again with more bytes (cheapest once a new LF came). Forwarder threads; never throws.
 */
export function parseRequest(buf: Buffer, start: number, end: number, view: HeadView, limits: ParseLimits): number {
  const lim = limitsOf(limits);
  const cap = Math.min(end, start + lim.raw + 1);
  const seen = end - start;
  view.begin(buf, start, true);
  let p = skipEmptyLines(buf, start, cap);
  if (p < 0) return unfinished(view, p, seen, lim.raw);
  const m0 = p;
  while (p < cap && TOKEN_CHAR[buf[p] ?? 0] === 1) p++;
  if (p >= cap) return unfinished(view, NEED, seen, lim.raw);
  if (p === m0 || (buf[p] !== SP && buf[p] !== HTAB)) return unfinished(view, bad('invalid method'), seen, lim.raw);
  view.methodStart = m0 - start;
  view.methodEnd = p - start;
  const t0 = skipBlanks(buf, p, cap);
  p = t0;
  while (p < cap && TARGET_CHAR[buf[p] ?? 0] === 1) p++;
  if (p >= cap) return unfinished(view, NEED, seen, lim.raw);
  const c = buf[p];
  if (c === CR || c === LF) return unfinished(view, bad('HTTP/0.9 request (no version)'), seen, lim.raw);
  if (c !== SP && c !== HTAB) return unfinished(view, bad('invalid character in request target'), seen, lim.raw);
  view.targetStart = t0 - start;
  view.targetEnd = p - start;
  p = version(buf, skipBlanks(buf, p, cap), cap, view);
  if (p < 0) return unfinished(view, p, seen, lim.raw);
  if (p >= cap) return unfinished(view, NEED, seen, lim.raw);
  if (buf[p] !== CR && buf[p] !== LF) return unfinished(view, bad('junk after HTTP version'), seen, lim.raw);
  // "METHOD SP target SP HTTP/1.x CRLF" as it goes out: the writer may copy the line whole.
  view.startCanon =
    m0 === start && buf[view.methodEnd + start] === SP && t0 === view.methodEnd + start + 1 && buf[view.targetEnd + start] === SP &&
    p === view.targetEnd + start + 9 &&
    buf[p] === CR && buf[p - 1] === (view.version === '1.1' ? 0x31 : 0x30) && buf[p - 3] === 0x31;
  p = lineEnd(buf, p, cap);
  if (p < 0) return unfinished(view, p, seen, lim.raw);
  view.startEnd = p - start;
  const headEnd = headerBlock(view, buf, p, cap, (limits.maxHeaders ?? 101) - 1);
  if (headEnd < 0) return unfinished(view, headEnd, seen, lim.raw);
  const startLine = view.methodEnd - view.methodStart + view.targetEnd - view.targetStart + 8;
  if (headEnd - start > lim.raw || tooBigForHtx(view, headEnd - start, startLine, lim.htx)) return refuse(view, 400, 'head too large');
  view.length = headEnd - start;
  view.method = methodId(buf, m0, m0 + view.methodEnd - view.methodStart);
  // PRI is HTTP/2's preface: the engine answers it in any case (one length check on the hot path).
  view.isPri = view.methodEnd - view.methodStart === 3 && ((buf[m0] ?? 0) | 0x20) === 0x70 && isPriTail(buf, m0);
  return checkRequestFields(view) ? view.length : HEAD.ERROR;
}

function isPriTail(buf: Buffer, m0: number): boolean {
  return ((buf[m0 + 1] ?? 0) | 0x20) === 0x72 && ((buf[m0 + 2] ?? 0) | 0x20) === 0x69;
}

/**
 * Parses a server's response head at buf[start, end) into `view`, with the same line and field rules plus
 * "HTTP/x.y SP digits [SP reason]" (any number of status digits, the code kept modulo 2^16). Returns the length,
 * HEAD.INCOMPLETE or HEAD.ERROR (status 400 as a marker: the engine answers the client 502) exactly as parser.ts
 * parseResponseHead does; the view holds the fields HAProxy forwards (framing rewrite; a 1xx or 204 loses its
 * Content-Length and Transfer-Encoding). Forwarder threads; never throws.
 */
export function parseResponse(buf: Buffer, start: number, end: number, view: HeadView, limits: ParseLimits): number {
  const lim = limitsOf(limits);
  const cap = Math.min(end, start + lim.raw + 1);
  const seen = end - start;
  view.begin(buf, start, false);
  let p = skipEmptyLines(buf, start, cap);
  if (p < 0) return unfinished(view, p, seen, lim.raw);
  p = version(buf, p, cap, view);
  if (p < 0) return unfinished(view, p, seen, lim.raw);
  const s0 = skipBlanks(buf, p, cap);
  if (s0 === p && s0 < cap) return unfinished(view, bad('no space after HTTP version'), seen, lim.raw);
  let status = 0;
  p = s0;
  while (p < cap) {
    const d = (buf[p] ?? 0) - 0x30;
    if (d < 0 || d > 9) break;
    status = (status * 10 + d) & 0xffff;
    p++;
  }
  if (p >= cap) return unfinished(view, NEED, seen, lim.raw);
  if (p === s0) return unfinished(view, bad('invalid status code'), seen, lim.raw);
  view.status = status;
  view.statusStart = s0 - start;
  view.statusEnd = p - start;
  view.reasonStart = p - start;
  view.reasonEnd = p - start;
  if (buf[p] === SP || buf[p] === HTAB) {
    const r0 = skipBlanks(buf, p, cap);
    let lf = r0;
    let cr = -1;
    while (lf < cap && buf[lf] !== LF) {
      if (buf[lf] === CR && cr < 0) cr = lf;
      lf++;
    }
    if (lf >= cap) return unfinished(view, NEED, seen, lim.raw);
    const rEnd = lf - 1 >= r0 && buf[lf - 1] === CR ? lf - 1 : lf;
    if (cr >= 0 && cr < rEnd) return unfinished(view, bad('CR not followed by LF'), seen, lim.raw);
    view.reasonStart = r0 - start;
    view.reasonEnd = rEnd - start;
    p = rEnd;
  }
  if (buf[p] !== CR && buf[p] !== LF) return unfinished(view, bad('junk after status code'), seen, lim.raw);
  // "HTTP/1.x SP status SP reason CRLF" as it goes out (the writer puts the SP before an empty reason back).
  const s0rel = s0 - start;
  view.startCanon =
    s0rel === 9 && buf[start + 8] === SP && buf[start + 7] === (view.version === '1.1' ? 0x31 : 0x30) && buf[start + 5] === 0x31 &&
    buf[start + view.statusEnd] === SP && view.reasonStart === view.statusEnd + 1 && buf[p] === CR;
  p = lineEnd(buf, p, cap);
  if (p < 0) return unfinished(view, p, seen, lim.raw);
  view.startEnd = p - start;
  const headEnd = headerBlock(view, buf, p, cap, (limits.maxHeaders ?? 101) - 1);
  if (headEnd < 0) return unfinished(view, headEnd, seen, lim.raw);
  // The start line costs 8 + the status as sent (3 for a plain code) + the reason.
  const startLine = 8 + view.statusEnd - view.statusStart + view.reasonEnd - view.reasonStart;
  if (headEnd - start > lim.raw || tooBigForHtx(view, headEnd - start, startLine, lim.htx)) return refuse(view, 400, 'head too large');
  view.length = headEnd - start;
  view.method = METHOD.OTHER;
  return checkResponseFields(view) ? view.length : HEAD.ERROR;
}
