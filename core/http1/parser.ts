// HTTP/1.x message heads (RFC 9112 §2–5): request and status lines, header fields, size limits and serialisation,
// as strict as HAProxy 2.6's h1 parser (src/h1.c, src/mux_h1.c) measured on haproxy 2.6.12 (tests/compat/
// http-malformed.test.ts holds the evidence). Forwarder threads call it on each client or server buffer; the
// health-check thread on each `option httpchk` response (core/health/probe-http.ts).
// The framing, chunked, header-list and target rules it applies live beside it in core/http1/.
// Over 400 lines: request heads, response heads and trailer sections share one field scanner (headerBlock) and its
// failure slot; the target and framing rules already live in target.ts and framing.ts.

import { applyFramingRewrite, readFramingHeaders } from './framing.js';
import { hasToken, headerLines, headerValue, headerValues, TARGET_CHAR, TOKEN_CHAR, type HeaderField } from './header-list.js';
import { checkRequestTarget } from './target.js';
import { TRAILERS_TOO_LARGE } from './chunked.js';

export interface RequestHead {
  readonly method: string;
  readonly target: string;
  readonly version: '1.0' | '1.1';
  readonly headers: HeaderField[];
  /**
   * Transfer-Encoding came with Content-Length (a smuggling shape; Content-Length is already dropped): RFC 9112 §6.1
   * says the connection must close after the response, and HAProxy 2.6 closes it.
   */
  readonly mustClose?: boolean;
}

export interface ResponseHead {
  readonly version: '1.0' | '1.1';
  /** The status code as HAProxy keeps it: the digits' value modulo 2^16 (any number of digits is accepted). */
  readonly status: number;
  /** The status digits as received, only when they are not `status` on three digits ("99", "1000", "65736"). */
  readonly statusText?: string;
  readonly reason: string;
  readonly headers: HeaderField[];
  /** Transfer-Encoding came with Content-Length: haproxy 2.6.12 does not reuse that server connection (measured). */
  readonly mustClose?: boolean;
}

/**
 * `incomplete`: more bytes are needed (and fewer than the raw limit were seen). `ok`: `length` bytes, final empty line
 * included, form the head. `error`: HAProxy 2.6 answers 400 to every malformed or oversized request head (measured:
 * never 414, 431, 501 or 505; those stay in the type for callers written against them) and 422 to `TE: gzip, chunked`.
 */
export type HeadResult<H> =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'ok'; readonly head: H; readonly length: number }
  | { readonly kind: 'error'; readonly status: 400 | 414 | 422 | 431 | 501 | 505; readonly reason: string };

export interface ParseLimits {
  /** tune.bufsize (HAProxy default 16384). */
  readonly maxHeadBytes: number;
  /** tune.http.maxhdr (HAProxy default 101); the start line takes one slot, so 100 header fields fit. */
  readonly maxHeaders?: number;
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
const NEED = -1;
const BAD = -2;
const HTTP_PREFIX = 'HTTP/';

// Why a step answered BAD. Parsing is synchronous on one thread, so one slot is enough.
let failure = '';

function bad(reason: string): number {
  failure = reason;
  return BAD;
}

/**
 * HAProxy keeps a head in a raw input buffer and then converts it to HTX; both must fit. Measured on 2.6.12 with
 * tune.bufsize 16384: a head of 16320 raw bytes passes and 16321 fails (the raw buffer keeps 64 bytes spare), and the
 * HTX form may use 15291 bytes (bufsize - maxrewrite 1024 - 69 bytes of HTX/start-line structs), where each header
 * costs 8 + name + value bytes, the start line 8 + method + target + version, and the end-of-headers mark 8.
 */
export function sizeLimits(bufsize: number): { raw: number; htx: number } {
  const maxrewrite = Math.min(1024, Math.floor(bufsize / 2));
  return { raw: bufsize - 64, htx: bufsize - maxrewrite - 69 };
}

function htxCost(startLine: number, headers: readonly HeaderField[]): number {
  // Start-line block + end-of-headers block; the start-line struct itself is inside the 69 bytes above.
  let cost = 8 + startLine + 8;
  for (const h of headers) cost += 8 + h.name.length + h.value.length;
  return cost;
}

/** At a CR or LF: the position after the line end, NEED, or BAD for a CR not followed by LF. */
function lineEnd(s: string, p: number): number {
  if (s.charCodeAt(p) === LF) return p + 1;
  if (p + 1 >= s.length) return NEED;
  return s.charCodeAt(p + 1) === LF ? p + 2 : bad('CR not followed by LF');
}

function skipBlanks(s: string, p: number): number {
  while (p < s.length && (s.charCodeAt(p) === SP || s.charCodeAt(p) === HTAB)) p++;
  return p;
}

/** Empty lines before a start line are ignored (RFC 9112 §2.2; HAProxy does the same). */
function skipEmptyLines(s: string, p: number): number {
  while (p < s.length && (s.charCodeAt(p) === CR || s.charCodeAt(p) === LF)) {
    p = lineEnd(s, p);
    if (p < 0) return p;
  }
  return p;
}

/** "HTTP/" DIGIT "." DIGIT at p, exactly (HAProxy refuses `http/1.1`, `HTTP/1`, `HTTP/11.1`). Returns p + 8. */
function version(s: string, p: number, out: { major: number; minor: number }): number {
  for (let k = 0; k < 8; k++) {
    if (p + k >= s.length) return NEED;
    const c = s.charCodeAt(p + k);
    const ok = k < 5 ? c === HTTP_PREFIX.charCodeAt(k) : k === 6 ? c === 0x2e : c >= 0x30 && c <= 0x39;
    if (!ok) return bad('invalid HTTP version');
  }
  out.major = s.charCodeAt(p + 5) - 0x30;
  out.minor = s.charCodeAt(p + 7) - 0x30;
  return p + 8;
}

/**
 * HAProxy forwards HTTP/1.2 … 9.x as HTTP/1.1 and treats 0.x like 1.0 (it keeps "HTTP/0.9" on the wire; our type
 * has no 0.9, so that one is forwarded as 1.0).
 */
function versionName(v: { major: number; minor: number }): '1.0' | '1.1' {
  return v.major > 1 || (v.major === 1 && v.minor >= 1) ? '1.1' : '1.0';
}

/**
 * Header lines from p up to and including the empty line. Folded lines (obs-fold) are joined the way HAProxy 2.6
 * joins them: each CR and LF of the fold becomes a space. Returns the position after the head, NEED or BAD.
 */
function headerBlock(s: string, p: number, headers: HeaderField[], maxFields: number): number {
  const len = s.length;
  // The last field's value before its trailing OWS is trimmed: a fold appends to it.
  let lastRaw = '';
  // Next CR at or after the current line, kept across lines: with LF-only line ends a fresh search per line would
  // scan into the body each time. -1: none in the rest of the buffer.
  let nextCr = -2;
  for (;;) {
    if (p >= len) return NEED;
    const c = s.charCodeAt(p);
    if (c === CR || c === LF) return lineEnd(s, p);
    let valueStart: number;
    let name = '';
    if (c === SP || c === HTAB) {
      if (headers.length === 0) return bad('obs-fold before any header');
      valueStart = p;
    } else {
      let q = p;
      while (q < len && TOKEN_CHAR[s.charCodeAt(q)] === 1) q++;
      if (q >= len) return NEED;
      if (q === p) return bad('empty or invalid header name');
      if (s.charCodeAt(q) !== COLON) return bad('invalid character in header name');
      name = s.slice(p, q);
      valueStart = skipBlanks(s, q + 1);
    }
    const lf = s.indexOf('\n', valueStart);
    if (nextCr !== -1 && nextCr < valueStart) nextCr = s.indexOf('\r', valueStart);
    const cr = nextCr;
    if (lf < 0) return cr >= 0 && cr < len - 1 ? bad('CR not followed by LF') : NEED;
    const crlf = s.charCodeAt(lf - 1) === CR && lf - 1 >= valueStart;
    const valueEnd = crlf ? lf - 1 : lf;
    if (cr >= 0 && cr < valueEnd) return bad('CR not followed by LF');
    const raw = s.slice(valueStart, valueEnd);
    if (name === '') {
      const prev = headers.pop();
      if (prev === undefined) return bad('obs-fold before any header');
      lastRaw = lastRaw + (crlf ? '  ' : ' ') + raw;
      // A field whose first line was empty starts with the fold's blanks: HAProxy forwards the value trimmed on both
      // sides (measured: `Transfer-Encoding:` + CRLF + ` chunked` reaches the server as `transfer-encoding: chunked`).
      headers.push({ name: prev.name, value: trimEnd(lastRaw).replace(/^[ \t]+/, '') });
    } else {
      if (headers.length >= maxFields) return bad('too many headers');
      lastRaw = raw;
      headers.push({ name, value: trimEnd(raw) });
    }
    p = lf + 1;
  }
}

function trimEnd(s: string): string {
  let e = s.length;
  while (e > 0 && (s.charCodeAt(e - 1) === SP || s.charCodeAt(e - 1) === HTAB)) e--;
  return e === s.length ? s : s.slice(0, e);
}

/** What one parse over a decoded window needs to know about the whole buffer. */
interface Window {
  readonly bufLength: number;
  readonly rawLimit: number;
  /** The window stops before the buffer (and before the raw limit): running out of text means "decode more". */
  readonly truncated: boolean;
}

// Returned by a parse over a truncated window that ran out of text; never leaves this module.
const MORE = Object.freeze({ kind: 'incomplete' as const });
const INCOMPLETE = Object.freeze({ kind: 'incomplete' as const });

function unfinished(w: Window, code: number): HeadResult<never> {
  if (code === BAD) return { kind: 'error', status: 400, reason: failure };
  if (w.truncated) return MORE;
  if (w.bufLength >= w.rawLimit) return { kind: 'error', status: 400, reason: 'head too large' };
  return INCOMPLETE;
}

// Most heads are well under 1 KiB; a bigger one is decoded again in a 4x window (at most three parses up to 16 KiB).
const FIRST_WINDOW = 1024;

/**
 * Runs `parse` over the start of `buf` decoded as one Latin-1 string (one char per byte). Decoding once and slicing
 * the string is 2-3x faster than a Buffer.toString per field, each a native call (measured with
 * native-bench/micro/http-head-parse.ts), and cheaper than searching for the empty line first. Only a window is
 * decoded, so a buffer holding a large body after the head costs nothing extra.
 */
function inWindows<H>(buf: Buffer, rawLimit: number, parse: (s: string, w: Window) => HeadResult<H>): HeadResult<H> {
  const cap = Math.min(buf.length, rawLimit + 1);
  let size = Math.min(cap, FIRST_WINDOW);
  for (;;) {
    const w: Window = { bufLength: buf.length, rawLimit, truncated: size < cap };
    const r = parse(buf.toString('latin1', 0, size), w);
    if (r !== MORE) return r;
    size = Math.min(cap, size * 4);
  }
}

/**
 * Parses the request head at the start of `buf` (a client's bytes, Latin-1 in the strings). Answers `incomplete`
 * while more bytes could still make a valid head, `ok` with the head and its length in bytes (the body, or the next
 * pipelined request, starts there), or `error` with the status HAProxy 2.6 answers: 400 for every malformed or
 * oversized head, 422 for a Transfer-Encoding listing another coding before chunked. The returned headers are what
 * HAProxy forwards: folds joined, duplicate Content-Length merged, Content-Length dropped when Transfer-Encoding is
 * present, a repeated identical Host kept once. Stateless: a caller that gets `incomplete` calls again with the
 * grown buffer (cheapest when it waits for a new LF first). Any thread; never throws.
 */
export function parseRequestHead(buf: Buffer, limits: ParseLimits): HeadResult<RequestHead> {
  const lim = sizeLimits(limits.maxHeadBytes);
  return inWindows(buf, lim.raw, (s, w) => requestFromText(s, w, lim, limits));
}

function requestFromText(s: string, w: Window, lim: { raw: number; htx: number }, limits: ParseLimits): HeadResult<RequestHead> {
  const start = skipEmptyLines(s, 0);
  if (start < 0) return unfinished(w, start);
  let p = start;
  while (p < s.length && TOKEN_CHAR[s.charCodeAt(p)] === 1) p++;
  if (p >= s.length) return unfinished(w, NEED);
  if (p === start || (s.charCodeAt(p) !== SP && s.charCodeAt(p) !== HTAB)) return unfinished(w, bad('invalid method'));
  const method = s.slice(start, p);
  const t0 = skipBlanks(s, p);
  p = t0;
  while (p < s.length && TARGET_CHAR[s.charCodeAt(p)] === 1) p++;
  if (p >= s.length) return unfinished(w, NEED);
  if (s.charCodeAt(p) === CR || s.charCodeAt(p) === LF) return unfinished(w, bad('HTTP/0.9 request (no version)'));
  if (s.charCodeAt(p) !== SP && s.charCodeAt(p) !== HTAB) return unfinished(w, bad('invalid character in request target'));
  const target = s.slice(t0, p);
  const v = { major: 0, minor: 0 };
  p = version(s, skipBlanks(s, p), v);
  if (p < 0) return unfinished(w, p);
  if (p >= s.length) return unfinished(w, NEED);
  if (s.charCodeAt(p) !== CR && s.charCodeAt(p) !== LF) return unfinished(w, bad('junk after HTTP version'));
  p = lineEnd(s, p);
  if (p < 0) return unfinished(w, p);
  const headers: HeaderField[] = [];
  const end = headerBlock(s, p, headers, (limits.maxHeaders ?? 101) - 1);
  if (end < 0) return unfinished(w, end);
  if (end > lim.raw || htxCost(method.length + target.length + 8, headers) > lim.htx) {
    return { kind: 'error', status: 400, reason: 'head too large' };
  }
  const framing = readFramingHeaders(headers, true);
  if (framing.kind === 'error') return { kind: 'error', status: framing.status, reason: framing.reason };
  if (framing.otherCodings) return { kind: 'error', status: 422, reason: 'transfer coding other than chunked' };
  const checked = checkRequestTarget(method, target, headers);
  if ('error' in checked) return { kind: 'error', status: 400, reason: checked.error };
  let forwarded = applyFramingRewrite(checked.headers, framing);
  const hasBody = framing.transfer === 'chunked' || (framing.contentLength ?? 0) > 0;
  // Hot path: one pass over the fields, and nearly every request has no Upgrade field.
  if (headerValue(forwarded, 'upgrade') !== undefined) {
    const upgrade = checkUpgrade(forwarded, hasBody);
    if (typeof upgrade === 'string') return { kind: 'error', status: 400, reason: upgrade };
    forwarded = upgrade;
  }
  const head: RequestHead = { method, target: checked.target, version: versionName(v), headers: forwarded };
  const mustClose = framing.transfer === 'chunked' && framing.contentLength !== undefined;
  return { kind: 'ok', head: mustClose ? { ...head, mustClose } : head, length: end };
}

/**
 * A request that asks for a protocol switch, as HAProxy 2.6.12 treats it (measured): with a body (Content-Length
 * above 0, or chunked) the Upgrade fields are dropped and the request goes on as a plain one (a 101 to it is then a
 * 502); a WebSocket upgrade (`Connection: upgrade`, `Upgrade: websocket`) needs each Sec-WebSocket-Key to be 24
 * characters (the base64 of 16 bytes), else 400. Returns the fields to forward, or why the request is refused.
 */
function checkUpgrade(headers: HeaderField[], hasBody: boolean): HeaderField[] | string {
  if (hasBody) return headers.filter((h) => h.name.length !== 7 || h.name.toLowerCase() !== 'upgrade');
  if (!hasToken(headers, 'connection', 'upgrade') || !hasToken(headers, 'upgrade', 'websocket')) return headers;
  const keys = headerValues(headers, 'sec-websocket-key');
  if (keys.length === 0 || keys.some((k) => k.length !== 24)) return 'WebSocket upgrade without a valid Sec-WebSocket-Key';
  return headers;
}

/**
 * Parses a server's response head at the start of `buf`, with the same line and header rules as requests plus
 * "HTTP/x.y SP 3DIGIT [SP reason]". Errors use status 400 as a marker; the engine answers the client 502 (as
 * HAProxy does for a bad status line, a bad Content-Length or a coding other than chunked). Headers get the same
 * framing rewrite as requests, and a 1xx or 204 loses its Content-Length. Stateless; any thread; never throws.
 */
export function parseResponseHead(buf: Buffer, limits: ParseLimits): HeadResult<ResponseHead> {
  const lim = sizeLimits(limits.maxHeadBytes);
  return inWindows(buf, lim.raw, (s, w) => responseFromText(s, w, lim, limits));
}

function responseFromText(s: string, w: Window, lim: { raw: number; htx: number }, limits: ParseLimits): HeadResult<ResponseHead> {
  let p = skipEmptyLines(s, 0);
  if (p < 0) return unfinished(w, p);
  const v = { major: 0, minor: 0 };
  p = version(s, p, v);
  if (p < 0) return unfinished(w, p);
  const s0 = skipBlanks(s, p);
  if (s0 === p && s0 < s.length) return unfinished(w, bad('no space after HTTP version'));
  // Any number of digits, kept modulo 2^16 as HAProxy keeps its uint16 code (measured on 2.6.12: `099`, `5`, `1000`
  // and `99999999999` are all relayed, `65740` counts as a 204). A 3-digit code is the common case.
  let status = 0;
  p = s0;
  while (p < s.length) {
    const c = s.charCodeAt(p);
    if (c < 0x30 || c > 0x39) break;
    status = (status * 10 + c - 0x30) & 0xffff;
    p++;
  }
  if (p >= s.length) return unfinished(w, NEED);
  if (p === s0) return unfinished(w, bad('invalid status code'));
  const statusText = p - s0 === 3 && status >= 100 ? undefined : s.slice(s0, p);
  let reason = '';
  if (s.charCodeAt(p) === SP || s.charCodeAt(p) === HTAB) {
    const r0 = skipBlanks(s, p);
    const lf = s.indexOf('\n', r0);
    if (lf < 0) return unfinished(w, NEED);
    const rEnd = s.charCodeAt(lf - 1) === CR && lf - 1 >= r0 ? lf - 1 : lf;
    const cr = s.indexOf('\r', r0);
    if (cr >= 0 && cr < rEnd) return unfinished(w, bad('CR not followed by LF'));
    reason = s.slice(r0, rEnd);
    p = rEnd;
  }
  if (s.charCodeAt(p) !== CR && s.charCodeAt(p) !== LF) return unfinished(w, bad('junk after status code'));
  p = lineEnd(s, p);
  if (p < 0) return unfinished(w, p);
  const headers: HeaderField[] = [];
  const end = headerBlock(s, p, headers, (limits.maxHeaders ?? 101) - 1);
  if (end < 0) return unfinished(w, end);
  if (end > lim.raw || htxCost(8 + (statusText?.length ?? 3) + reason.length, headers) > lim.htx) {
    return { kind: 'error', status: 400, reason: 'head too large' };
  }
  const framing = readFramingHeaders(headers, false);
  if (framing.kind === 'error') return { kind: 'error', status: 400, reason: framing.reason };
  let forwarded = applyFramingRewrite(headers, framing);
  // 1xx and 204 cannot have a body (RFC 9110 §8.6): HAProxy strips their Content-Length and Transfer-Encoding
  // (measured on 2.6.12 for 100, 101 and 204; a 304 keeps both). A code under 100 loses them too, but its body is
  // still framed by them: the session strips those after framing (withoutFramingFields).
  if (((status >= 100 && status < 200) || status === 204) && (framing.contentLength !== undefined || framing.transfer !== 'none')) {
    forwarded = withoutFramingFields(forwarded);
  }
  let head: ResponseHead = { version: versionName(v), status, reason, headers: forwarded };
  // Rare shapes get their optional fields added; the common head keeps one object shape.
  if (statusText !== undefined) head = { ...head, statusText };
  if (framing.transfer === 'chunked' && framing.contentLength !== undefined) head = { ...head, mustClose: true };
  return { kind: 'ok', head, length: end };
}

/** The fields without Content-Length and Transfer-Encoding (a message that cannot or must not show its framing). */
export function withoutFramingFields(headers: readonly HeaderField[]): HeaderField[] {
  return headers.filter((h) => {
    const n = h.name.toLowerCase();
    return n !== 'content-length' && n !== 'transfer-encoding';
  });
}

/**
 * The trailer section of a chunked body (ChunkedScanner.trailers(): the raw lines and the final empty line) as
 * HAProxy 2.6 forwards it: parsed like header fields (folds joined), names in lower case, CRLF line ends, the empty
 * line last. Measured on 2.6.12 (tune.bufsize 16384, tune.http.maxhdr 101): 100 trailer fields pass and 101 are a 400;
 * each field costs 8 + name + value bytes plus 8 for the end mark, within bufsize - maxrewrite - 49 (15311) bytes.
 * Returns the bytes to write after the last chunk's "0\r\n" (Latin-1), or why the section is refused. Pure.
 */
export function parseTrailerSection(raw: string, limits: ParseLimits): string | { readonly error: string } {
  // Nearly every chunked body ends without trailers.
  if (raw === '\r\n' || raw === '\n') return '\r\n';
  const fields: HeaderField[] = [];
  const end = headerBlock(raw, 0, fields, (limits.maxHeaders ?? 101) - 1);
  if (end < 0) return { error: end === BAD ? failure : 'incomplete trailer section' };
  const { htx } = sizeLimits(limits.maxHeadBytes);
  let cost = 8;
  for (const f of fields) cost += 8 + f.name.length + f.value.length;
  if (cost > htx + 20) return { error: TRAILERS_TOO_LARGE };
  let out = '';
  for (const f of fields) out += `${f.name.toLowerCase()}: ${f.value}\r\n`;
  return `${out}\r\n`;
}

/** "METHOD target HTTP/1.x\r\n", the fields, "\r\n", encoded Latin-1 (byte-for-byte what was parsed). */
export function serializeRequestHead(head: RequestHead): Buffer {
  return Buffer.from(`${head.method} ${head.target} HTTP/${head.version}\r\n${headerLines(head.headers)}\r\n`, 'latin1');
}

/** "HTTP/1.x status reason\r\n", the fields, "\r\n", encoded Latin-1. */
export function serializeResponseHead(head: ResponseHead): Buffer {
  const status = head.statusText ?? String(head.status).padStart(3, '0');
  return Buffer.from(`HTTP/${head.version} ${status} ${head.reason}\r\n${headerLines(head.headers)}\r\n`, 'latin1');
}
