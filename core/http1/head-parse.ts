// HTTP/1.x request and status lines (RFC 9112 §3, §4) and the entry points that parse a whole head into a HeadView:
// offsets over the caller's Buffer, no string built. As strict as HAProxy 2.6's h1 parser, with exactly the verdicts,
// statuses and reasons of parser.ts (parseRequestHead / parseResponseHead: tests/http1/head-parse-differential.test.ts
// holds both to the same answers over the corpus and seeded mutations; parser.ts stays for the health checks and
// error files). Each stage can stop for more bytes and go on later (head-resume.ts). Forwarder threads, once per
// message head (hot path); synchronous; allocates only for rare shapes (folds, rewrites).

import { skipBlanks } from './head-bytes.js';
import { checkRequestFields, checkResponseFields } from './head-checks.js';
import { bad, BAD, failure, fieldBlock, lineEnd, NEED, tooBigForHtx } from './head-fields.js';
import { METHOD, methodId } from './head-names.js';
import { PHASE, STAGE, type ParseResume } from './head-resume.js';
import { HEAD, type HeadView } from './head-view.js';
import { TARGET_CHAR, TOKEN_CHAR } from './header-list.js';
import { sizeLimits, type ParseLimits } from './parser.js';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const HTTP_PREFIX = 'HTTP/';

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

function refuse(view: HeadView, status: 400 | 422, reason: string): number {
  view.resume.valid = false;
  view.errorStatus = status;
  view.errorReason = reason;
  return HEAD.ERROR;
}

/**
 * Ends a parse that stopped early: BAD is the error; NEED is "incomplete" (the state kept for a resumed parse)
 * unless the bytes seen already fill the buffer. `stage`/`at`/`token`: where the start line stands (FIELDS: the
 * field block saved its own state).
 */
function stop(view: HeadView, code: number, stage: ParseResume['stage'], at: number, token: number, end: number, maxHeaders: number): number {
  if (code === BAD) return refuse(view, 400, failure());
  if (end - view.base >= lim.raw) return refuse(view, 400, 'head too large');
  const r = view.resume;
  if (stage !== STAGE.FIELDS) {
    r.stage = stage;
    r.at = at;
    r.tokenStart = token;
  }
  r.valid = true;
  r.buf = view.buf;
  r.start = view.base;
  r.end = end;
  r.maxHeadBytes = limitsFor;
  r.maxHeaders = maxHeaders;
  return HEAD.INCOMPLETE;
}

/** True when `view` stopped INCOMPLETE on buf[start, ≤ end) under these limits: continue*() may go on from there. */
function resumable(view: HeadView, isRequest: boolean, buf: Buffer, start: number, end: number, limits: ParseLimits): boolean {
  const r = view.resume;
  return (
    r.valid && view.isRequest === isRequest && r.buf === buf && r.start === start && end >= r.end &&
    r.maxHeadBytes === limits.maxHeadBytes && r.maxHeaders === (limits.maxHeaders ?? 101)
  );
}

/** Starts a parse afresh: the view forgets its previous head; the resume state points at the first byte. */
function fresh(view: HeadView, buf: Buffer, start: number, isRequest: boolean): void {
  view.begin(buf, start, isRequest);
  const r = view.resume;
  r.valid = false;
  r.stage = STAGE.EMPTY_LINES;
  r.at = start;
}

/** Prepares the field block's state at `line` (just after the start line). */
function toFields(r: ParseResume, line: number): void {
  r.stage = STAGE.FIELDS;
  r.phase = PHASE.LINE;
  r.line = line;
  r.joined = -1;
}

/**
 * Parses the request head at buf[start, end) into `view` (a client's bytes). Returns the head's length (> 0; the
 * body or the next pipelined request starts at start + length), HEAD.INCOMPLETE while more bytes could still make a
 * valid head, or HEAD.ERROR with view.errorStatus (400, or 422 for a coding before chunked) and view.errorReason:
 * exactly parser.ts parseRequestHead's answers. The view then holds the head as HAProxy forwards it (folds joined,
 * duplicate Content-Length merged, Content-Length dropped beside Transfer-Encoding, a repeated identical Host kept
 * once, Upgrade dropped from a request with a body; dropped fields keep their place, flagged). After INCOMPLETE,
 * call continueRequest() with the same bytes plus more. Forwarder threads; never throws.
 */
export function parseRequest(buf: Buffer, start: number, end: number, view: HeadView, limits: ParseLimits): number {
  fresh(view, buf, start, true);
  return requestFrom(buf, start, end, view, limits);
}

/**
 * parseRequest for buf[start, end) when buf[start, previous end) is unchanged since the call that answered
 * INCOMPLETE on `view`: goes on where that parse stopped, so that a head arriving a byte at a time costs each byte
 * once. Same answers as parseRequest (it starts afresh when the view did not stop on these bytes). The caller must
 * not have changed the bytes it already passed (a pooled buffer reused for another message: call parseRequest).
 */
export function continueRequest(buf: Buffer, start: number, end: number, view: HeadView, limits: ParseLimits): number {
  if (!resumable(view, true, buf, start, end, limits)) return parseRequest(buf, start, end, view, limits);
  return requestFrom(buf, start, end, view, limits);
}

function requestFrom(buf: Buffer, start: number, end: number, view: HeadView, limits: ParseLimits): number {
  limitsOf(limits);
  const cap = Math.min(end, start + lim.raw + 1);
  const maxHeaders = limits.maxHeaders ?? 101;
  const r = view.resume;
  if (r.stage !== STAGE.FIELDS) {
    const stopped = requestLine(buf, start, end, cap, maxHeaders, view, r);
    if (stopped < 0) return stopped;
  }
  const headEnd = fieldBlock(view, buf, cap, maxHeaders - 1, r);
  if (headEnd < 0) return stop(view, headEnd, STAGE.FIELDS, 0, 0, end, maxHeaders);
  return requestEnd(buf, start, headEnd, view);
}

/**
 * The request line from where r says, into view; leaves r at the field block. Returns 0, or HEAD.INCOMPLETE /
 * HEAD.ERROR (already recorded by stop()). Kept apart from the field scan so that each stays small for the JIT.
 */
function requestLine(buf: Buffer, start: number, end: number, cap: number, maxHeaders: number, view: HeadView, r: ParseResume): number {
  let stage: number = r.stage;
  let p = r.at;
  let token = r.tokenStart;
  if (stage === STAGE.EMPTY_LINES) {
    // Empty lines before a start line are ignored (RFC 9112 §2.2; HAProxy does the same).
    while (p < cap && (buf[p] === CR || buf[p] === LF)) {
      const q = lineEnd(buf, p, cap);
      if (q < 0) return stop(view, q, STAGE.EMPTY_LINES, p, token, end, maxHeaders);
      p = q;
    }
    // Out of bytes after an empty line: the next byte may start another one.
    if (p >= cap) return stop(view, NEED, STAGE.EMPTY_LINES, p, token, end, maxHeaders);
    token = p;
    stage = STAGE.METHOD;
  }
  if (stage === STAGE.METHOD) {
    while (p < cap && TOKEN_CHAR[buf[p]!] === 1) p++;
    if (p >= cap) return stop(view, NEED, STAGE.METHOD, p, token, end, maxHeaders);
    if (p === token || (buf[p] !== SP && buf[p] !== HTAB)) return stop(view, bad('invalid method'), 0, 0, 0, end, maxHeaders);
    view.methodStart = token - start;
    view.methodEnd = p - start;
    stage = STAGE.METHOD_BLANKS;
  }
  if (stage === STAGE.METHOD_BLANKS) {
    p = skipBlanks(buf, p, cap);
    if (p >= cap) return stop(view, NEED, STAGE.METHOD_BLANKS, p, token, end, maxHeaders);
    token = p;
    stage = STAGE.TARGET;
  }
  if (stage === STAGE.TARGET) {
    while (p < cap && TARGET_CHAR[buf[p]!] === 1) p++;
    if (p >= cap) return stop(view, NEED, STAGE.TARGET, p, token, end, maxHeaders);
    const c = buf[p];
    if (c === CR || c === LF) return stop(view, bad('HTTP/0.9 request (no version)'), 0, 0, 0, end, maxHeaders);
    if (c !== SP && c !== HTAB) return stop(view, bad('invalid character in request target'), 0, 0, 0, end, maxHeaders);
    view.targetStart = token - start;
    view.targetEnd = p - start;
    stage = STAGE.TARGET_BLANKS;
  }
  if (stage === STAGE.TARGET_BLANKS) {
    p = skipBlanks(buf, p, cap);
    if (p >= cap) return stop(view, NEED, STAGE.TARGET_BLANKS, p, token, end, maxHeaders);
    stage = STAGE.VERSION;
  }
  if (stage === STAGE.VERSION) {
    // Eight bytes at most: a stop here starts the version again.
    const v0 = p;
    p = version(buf, v0, cap, view);
    if (p >= 0 && p >= cap) p = NEED;
    if (p < 0) return stop(view, p, STAGE.VERSION, v0, token, end, maxHeaders);
    if (buf[p] !== CR && buf[p] !== LF) return stop(view, bad('junk after HTTP version'), 0, 0, 0, end, maxHeaders);
    // "METHOD SP target SP HTTP/1.x CRLF" as it goes out: the writer may copy the line whole.
    const me = start + view.methodEnd;
    const te = start + view.targetEnd;
    view.startCanon =
      view.methodStart === 0 && buf[me] === SP && view.targetStart === view.methodEnd + 1 && buf[te] === SP && v0 === te + 1 &&
      buf[p] === CR && buf[p - 1] === (view.version === '1.1' ? 0x31 : 0x30) && buf[p - 3] === 0x31;
    stage = STAGE.LINE_END;
  }
  if (stage === STAGE.LINE_END) {
    const q = lineEnd(buf, p, cap);
    if (q < 0) return stop(view, q, STAGE.LINE_END, p, token, end, maxHeaders);
    view.startEnd = q - start;
    toFields(r, q);
  }
  return 0;
}

/** A complete request head ending at headEnd: HAProxy's size limits, then the field checks. */
function requestEnd(buf: Buffer, start: number, headEnd: number, view: HeadView): number {
  view.resume.valid = false;
  const startLine = view.methodEnd - view.methodStart + view.targetEnd - view.targetStart + 8;
  if (headEnd - start > lim.raw || tooBigForHtx(view, headEnd - start, startLine, lim.htx)) return refuse(view, 400, 'head too large');
  view.length = headEnd - start;
  const m0 = start + view.methodStart;
  view.method = methodId(buf, m0, start + view.methodEnd);
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
 * Content-Length and Transfer-Encoding). After INCOMPLETE, call continueResponse(). Forwarder threads; never throws.
 */
export function parseResponse(buf: Buffer, start: number, end: number, view: HeadView, limits: ParseLimits): number {
  fresh(view, buf, start, false);
  return responseFrom(buf, start, end, view, limits);
}

/** parseResponse going on where an INCOMPLETE parse of the same bytes stopped (see continueRequest). */
export function continueResponse(buf: Buffer, start: number, end: number, view: HeadView, limits: ParseLimits): number {
  if (!resumable(view, false, buf, start, end, limits)) return parseResponse(buf, start, end, view, limits);
  return responseFrom(buf, start, end, view, limits);
}

function responseFrom(buf: Buffer, start: number, end: number, view: HeadView, limits: ParseLimits): number {
  limitsOf(limits);
  const cap = Math.min(end, start + lim.raw + 1);
  const maxHeaders = limits.maxHeaders ?? 101;
  const r = view.resume;
  if (r.stage !== STAGE.FIELDS) {
    const stopped = statusLine(buf, start, end, cap, maxHeaders, view, r);
    if (stopped < 0) return stopped;
  }
  const headEnd = fieldBlock(view, buf, cap, maxHeaders - 1, r);
  if (headEnd < 0) return stop(view, headEnd, STAGE.FIELDS, 0, 0, end, maxHeaders);
  return responseEnd(start, headEnd, view);
}

/** The status line from where r says, into view; leaves r at the field block. Returns 0 or a stop()'s answer. */
function statusLine(buf: Buffer, start: number, end: number, cap: number, maxHeaders: number, view: HeadView, r: ParseResume): number {
  let stage: number = r.stage;
  let p = r.at;
  let token = r.tokenStart;
  if (stage === STAGE.EMPTY_LINES) {
    while (p < cap && (buf[p] === CR || buf[p] === LF)) {
      const q = lineEnd(buf, p, cap);
      if (q < 0) return stop(view, q, STAGE.EMPTY_LINES, p, token, end, maxHeaders);
      p = q;
    }
    if (p >= cap) return stop(view, NEED, STAGE.EMPTY_LINES, p, token, end, maxHeaders);
    stage = STAGE.VERSION;
  }
  if (stage === STAGE.VERSION) {
    const q = version(buf, p, cap, view);
    if (q < 0) return stop(view, q, STAGE.VERSION, p, token, end, maxHeaders);
    p = q;
    // `token`: where the version ends (a status right after it, without a blank, is refused).
    token = p;
    stage = STAGE.STATUS_BLANKS;
  }
  if (stage === STAGE.STATUS_BLANKS) {
    p = skipBlanks(buf, p, cap);
    if (p >= cap) return stop(view, NEED, STAGE.STATUS_BLANKS, p, token, end, maxHeaders);
    if (p === token) return stop(view, bad('no space after HTTP version'), 0, 0, 0, end, maxHeaders);
    token = p;
    r.status = 0;
    stage = STAGE.STATUS;
  }
  if (stage === STAGE.STATUS) {
    // Any number of digits, kept modulo 2^16 as HAProxy keeps its uint16 code (measured on 2.6.12).
    let status = r.status;
    while (p < cap) {
      const d = (buf[p] ?? 0) - 0x30;
      if (d < 0 || d > 9) break;
      status = (status * 10 + d) & 0xffff;
      p++;
    }
    r.status = status;
    if (p >= cap) return stop(view, NEED, STAGE.STATUS, p, token, end, maxHeaders);
    if (p === token) return stop(view, bad('invalid status code'), 0, 0, 0, end, maxHeaders);
    view.status = status;
    view.statusStart = token - start;
    view.statusEnd = p - start;
    view.reasonStart = p - start;
    view.reasonEnd = p - start;
    stage = buf[p] === SP || buf[p] === HTAB ? STAGE.REASON_BLANKS : STAGE.LINE_END;
  }
  if (stage === STAGE.REASON_BLANKS) {
    p = skipBlanks(buf, p, cap);
    if (p >= cap) return stop(view, NEED, STAGE.REASON_BLANKS, p, token, end, maxHeaders);
    token = p;
    r.cr = -1;
    stage = STAGE.REASON;
  }
  if (stage === STAGE.REASON) {
    let cr = r.cr;
    while (p < cap && buf[p] !== LF) {
      if (buf[p] === CR && cr < 0) cr = p;
      p++;
    }
    r.cr = cr;
    if (p >= cap) return stop(view, NEED, STAGE.REASON, p, token, end, maxHeaders);
    const rEnd = p - 1 >= token && buf[p - 1] === CR ? p - 1 : p;
    if (cr >= 0 && cr < rEnd) return stop(view, bad('CR not followed by LF'), 0, 0, 0, end, maxHeaders);
    view.reasonStart = token - start;
    view.reasonEnd = rEnd - start;
    p = rEnd;
    stage = STAGE.LINE_END;
  }
  if (stage === STAGE.LINE_END) {
    if (buf[p] !== CR && buf[p] !== LF) return stop(view, bad('junk after status code'), 0, 0, 0, end, maxHeaders);
    // "HTTP/1.x SP status SP reason CRLF" as it goes out (the writer puts the SP before an empty reason back).
    view.startCanon =
      view.statusStart === 9 && buf[start + 8] === SP && buf[start + 7] === (view.version === '1.1' ? 0x31 : 0x30) &&
      buf[start + 5] === 0x31 && buf[start + view.statusEnd] === SP && view.reasonStart === view.statusEnd + 1 && buf[p] === CR;
    const q = lineEnd(buf, p, cap);
    if (q < 0) return stop(view, q, STAGE.LINE_END, p, token, end, maxHeaders);
    view.startEnd = q - start;
    toFields(r, q);
  }
  return 0;
}

/** A complete response head ending at headEnd: HAProxy's size limits, then the field checks. */
function responseEnd(start: number, headEnd: number, view: HeadView): number {
  view.resume.valid = false;
  // The start line costs 8 + the status as sent (3 for a plain code) + the reason.
  const startLine = 8 + view.statusEnd - view.statusStart + view.reasonEnd - view.reasonStart;
  if (headEnd - start > lim.raw || tooBigForHtx(view, headEnd - start, startLine, lim.htx)) return refuse(view, 400, 'head too large');
  view.length = headEnd - start;
  view.method = METHOD.OTHER;
  return checkResponseFields(view) ? view.length : HEAD.ERROR;
}
