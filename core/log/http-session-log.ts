// The HTTP session's side of `option httplog` (manual §8.2.3, §8.8 captures): what the L7 session's hooks tell its
// LogRecord when a request head is in (the request line, `capture request header`, the cookie), when the response
// head comes (`capture response header`, Set-Cookie), and when the transaction ends (its timers, state, server).
// Forwarder threads; runs only for frontends that log, once per request.

import type net from 'node:net';
import { Span, fetchField, headerName, nextValue, ValueCursor, type HeaderName } from '../http1/head-fetch.js';
import type { HeadView } from '../http1/head-view.js';
import { HDR } from '../http1/head-names.js';
import type { DialFacts } from '../forward/dispatch.js';
import type { LogRecord } from './log-record.js';
import { connectionRecord } from './tcp-session-log.js';
import type { FrontendLine } from './traffic-lines.js';

const value = new Span();
const cursor = new ValueCursor();

/**
 * What haproxy 2.6.12 logs as a message's size (%U, %B) is its HTX size: the start line's three parts, each header's
 * name and value, 20 bytes of start-line record and 1 of end-of-headers, then the body's data. The stats' head count
 * (wire bytes less 4 per field: ': ' and CRLF) is that less 15, whatever the fields (measured: `GET /x HTTP/1.1` with
 * `Host: a` logs %U 39, a 38-byte `200` with one header %B 49, the 214-byte 503 %B 217).
 */
export const HTX_EXTRA = 15;

/**
 * The name and value bytes of the head's Connection fields: HAProxy's HTTP/1 parser turns them into flags, so they
 * are not in the HTX message and not in %U/%B (measured: a response with `Connection: close` logs 15 bytes less).
 */
export function connectionFieldBytes(view: HeadView): number {
  let n = 0;
  for (let i = 0; i < view.count; i++) {
    if (view.ids[i] !== HDR.CONNECTION || !view.live(i)) continue;
    n += view.nameEnd(i) - view.nameStart(i) + (view.valueEnd(i) - view.valueStart(i));
  }
  return n;
}

const CONNECTION_LINE = /\r\nconnection:[ \t]*([^\r]*)\r\n/i;

/** The same for an answer orcalb built (its bytes, head first). */
export function answerConnectionBytes(bytes: Buffer): number {
  const head = bytes.toString('latin1', 0, Math.min(bytes.length, 4096));
  const m = CONNECTION_LINE.exec(head.slice(0, head.indexOf('\r\n\r\n') + 2));
  return m === null ? 0 : 10 + (m[1] ?? '').trimEnd().length;
}

/** A record for an HTTP connection adopted now. */
export function httpRecord(line: FrontendLine, client: net.Socket, now: number): LogRecord {
  const rec = connectionRecord(line, client, now);
  rec.http = true;
  return rec;
}

/**
 * A request head arrived (`view`; undefined for a request that could not be parsed, HAProxy's <BADREQ>): a new
 * transaction on the record, its request line and captures. `headBytes`: the head as the stats count it (%U).
 * `start`: when the head's first byte came, if it came in an earlier read than `now` (0: in this one, or none came
 * at all for a <BADREQ>): %TR runs from it, %Ti up to it (manual §8.4).
 */
export function openTransaction(line: FrontendLine, rec: LogRecord, view: HeadView | undefined, headBytes: number, now: number, start: number): void {
  rec.nextTransaction(start === 0 && view !== undefined ? now : start, now);
  // Each request is its own HAProxy stream, a <BADREQ> one too: its %rt.
  line.countRequest(rec);
  if (view === undefined) return;
  rec.tHead = now;
  rec.bytesIn = headBytes + HTX_EXTRA - connectionFieldBytes(view);
  rec.setRequestLine(view);
  captureHeaders(view, line.requestNames, line.config.captureRequest, rec.requestCaptures);
  const cookie = line.config.captureCookie;
  if (cookie !== undefined) rec.cookieRequest = findCookie(view, COOKIE, cookie.name, cookie.len);
}

/** The response head (`view`, from server `server`) is going to the client at `now`: its moment and captures. */
export function captureResponse(line: FrontendLine, rec: LogRecord, view: HeadView, server: number, now: number): void {
  rec.tResponse = now;
  rec.server = server;
  // The response as it came from the server (haproxy 2.6.12 logs the same %B whatever its http-response edits).
  rec.bytesOut += view.length - 4 * view.count + HTX_EXTRA - connectionFieldBytes(view);
  captureHeaders(view, line.responseNames, line.config.captureResponse, rec.responseCaptures);
  const cookie = line.config.captureCookie;
  if (cookie !== undefined) rec.cookieResponse = findCookie(view, SET_COOKIE, cookie.name, cookie.len);
}

/** The last occurrence of each captured header, cut to its `len` (§4.2 capture request header). */
function captureHeaders(view: HeadView, names: readonly HeaderName[], specs: readonly { readonly len: number }[], out: (string | undefined)[]): void {
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as HeaderName;
    const len = specs[i]?.len ?? 0;
    out[i] = fetchField(view, name, -1, value) ? cut(value, len) : undefined;
  }
}

const COOKIE: HeaderName = headerName('cookie');
const SET_COOKIE: HeaderName = headerName('set-cookie');

/** The first `NAME=value` of the Cookie (or Set-Cookie) fields whose name starts with `prefix`, cut to `len`. */
function findCookie(view: HeadView, header: HeaderName, prefix: string, len: number): string | undefined {
  cursor.reset();
  // Bounded by the head's field count: nextValue walks each field once.
  while (nextValue(view, header, false, cursor, value)) {
    const text = value.toString();
    for (const part of header === COOKIE ? text.split(';') : [text]) {
      const p = part.trimStart();
      if (p.startsWith(prefix)) return p.length > len ? p.slice(0, len) : p;
    }
  }
  return undefined;
}

function cut(span: Span, len: number): string {
  const n = Math.min(len, span.end - span.start);
  return span.buf.toString('latin1', span.start, span.start + n);
}

/**
 * A null connection to `option dontlognull`: a 408, or a close, on a connection that never sent a byte of its
 * request (`headStarted`: a byte of a head came; `pendingBytes`: client bytes buffered, not parsed yet). Asked at
 * every close: reads hasRequestLine, never the requestLine getter (which decodes the line into a string). Pure.
 */
export function clientSentNothing(rec: LogRecord, headStarted: boolean, pendingBytes: number): boolean {
  return !rec.hasRequestLine && (rec.termination === 'cR' || rec.termination === 'CR') && !headStarted && pendingBytes === 0;
}

/**
 * The transaction is over: its times (the session's sweep-clock moments: asked for a server, slot taken, connected;
 * 0 = not reached), its server (or the one a failed dial blamed), its state; the line goes. Never throws.
 */
export function closeTransaction(
  line: FrontendLine,
  rec: LogRecord,
  tDial: number,
  tSlot: number,
  tConnected: number,
  facts: DialFacts | undefined,
  backend: number,
  server: number,
  serverConns: number,
  now: number,
  clientSentNothing: boolean,
): void {
  rec.backend = backend;
  rec.server = server;
  rec.tQueued = tDial;
  rec.tSlot = tSlot;
  rec.tConnected = tConnected;
  rec.tEnd = now;
  if (facts !== undefined) {
    rec.retries = facts.retries;
    rec.redispatched = facts.redispatched;
    // A later request of the connection that dials nobody (a rule answers it) must not show this one's dial.
    facts.retries = 0;
    facts.server = -1;
    facts.redispatched = false;
  }
  rec.serverConns = serverConns;
  line.end(rec, clientSentNothing);
}
