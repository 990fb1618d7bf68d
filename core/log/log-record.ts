// What one traffic log line says about a session (TCP) or a transaction (HTTP): the facts HAProxy's §8.2 formats
// print — dates, the timers of §8.4, byte counts, the termination state of §8.5, the counters and queues of the
// moment, the request line and the captures. Filled by the session hooks only when the frontend logs
// (TrafficLog.logsFrontend), read by core/log/log-vars.ts. Forwarder threads; one object per session, reused by
// every transaction of a keep-alive connection.

import type { ConnError } from './connection-error.js';

/** Not reached: HAProxy prints such a timer as -1. */
export const NOT_REACHED = -1;

/** HAProxy logs at most tune.http.logurilen (1024) bytes of the request line. */
export const LOG_URI_LEN = 1024;

/** What a request line is kept from: method, target and version as bytes where they were received (a HeadView). */
export interface RequestLineSource {
  readonly buf: Buffer;
  readonly base: number;
  readonly extra: Buffer;
  readonly methodStart: number;
  readonly methodEnd: number;
  readonly methodInExtra: boolean;
  readonly targetStart: number;
  readonly targetEnd: number;
  readonly targetInExtra: boolean;
  readonly version: string;
}

const HTTP_SLASH = ' HTTP/';

/** Copies from[base+start, base+end) to out at `at`, no further than LOG_URI_LEN: the new end. */
function copySpan(from: Buffer, base: number, start: number, end: number, out: Buffer, at: number): number {
  const n = Math.min(end - start, LOG_URI_LEN - at);
  if (n <= 0) return at;
  from.copy(out, at, base + start, base + start + n);
  return at + n;
}

export class LogRecord {
  /** The frontend (its index in config.frontends) and the backend and server chosen (-1: none yet / <NOSRV>). */
  frontend = -1;
  backend = -1;
  server = -1;
  /** Client and frontend addresses as text ('unix' for a UNIX socket) and ports. */
  clientAddress = '-';
  clientPort = 0;
  frontendAddress = '-';
  frontendPort = 0;
  /** The server's address and port when one was chosen. */
  serverAddress = '';
  serverPort = 0;
  /** Epoch ms (with the fraction HAProxy keeps: ms) the connection was accepted, and the request began. */
  acceptDate = 0;
  requestDate = 0;
  /** Sweep-clock ms of the moments the timers are made of (0: not reached). */
  tAccept = 0;
  /** The request's first byte may not be seen apart from its head: Ti covers the wait, TR what is left. */
  tRequest = 0;
  tHead = 0;
  tQueued = 0;
  tSlot = 0;
  tConnected = 0;
  tResponse = 0;
  tEnd = 0;
  /** The time the previous transaction of the connection ended (keep-alive idle time Ti), or tAccept. */
  tIdleFrom = 0;
  /** HTTP status sent to the client (-1 none), bytes sent to the client (%B) and received from it (%U). */
  status = -1;
  bytesOut = 0;
  bytesIn = 0;
  /** The connection came in on an ssl bind (%ft prints the frontend's name with a `~`). */
  tls = false;
  /** Why the connection failed before its first stream (`%[fc_err]`, error-log-format); undefined: it did not. */
  connError: ConnError | undefined = undefined;
  /** The 2-char termination state (§8.5), and the two persistence cookie characters of %tsc. */
  termination = '--';
  cookieState = '--';
  /** Connect retries (%rc); `redispatched` prints it with a '+' as HAProxy does. */
  retries = 0;
  redispatched = false;
  /** Queue positions when the request left the queues (%sq, %bq). */
  serverQueue = 0;
  backendQueue = 0;
  /**
   * The request line as received, latin1 bytes cut to LOG_URI_LEN, in a buffer the record keeps across its
   * transactions (no string per request: the line is written from these bytes; requestLine decodes on demand).
   * lineLength -1: none was parsed (HAProxy's <BADREQ>).
   */
  private lineBytes: Buffer | undefined = undefined;
  private lineLength = -1;
  private lineText: string | undefined = undefined;
  /** The captures (undefined entries: the header was absent) and the persistence cookie captured both ways. */
  requestCaptures: (string | undefined)[] = [];
  responseCaptures: (string | undefined)[] = [];
  cookieRequest: string | undefined = undefined;
  cookieResponse: string | undefined = undefined;
  /** %rt: the request's (HTTP) or session's (TCP) number in the process-wide count, when a format uses it. */
  requestCounter = 0;
  /** The request's unique id (%ID), when unique-id-format is set. */
  uniqueId: string | undefined = undefined;
  /** `%[ddb.err]`: the last DolphinDB error reply of the session (option dolphindb-inspect), '' when none. */
  ddbErr = '';
  /** True when the session is HTTP (the formats print %r, %ST…). */
  http = false;
  /** The server's current connections when the line is built (%sc), and the frontend's lines so far (%lc). */
  serverConns = 0;
  lineCount = 0;

  /**
   * Starts a new transaction on the same connection: what was the previous request's is cleared. `start`: the
   * moment of the request's first byte (0: none came, HAProxy's <BADREQ> of a silent client: the request then
   * begins where the idle time did); `date`: the epoch ms of `now`, by default the accept date moved on by the
   * sweep clock (monotonic within the connection, as HAProxy dates its lines from its own clock; and no Date.now(),
   * whose epoch ms is no small integer: a boxed number per request).
   */
  nextTransaction(start: number, now: number, date = this.acceptDate + (now - this.tAccept)): void {
    this.tIdleFrom = this.tEnd === 0 ? this.tAccept : this.tEnd;
    this.tRequest = start === 0 ? this.tIdleFrom : start;
    this.requestDate = date - (now - this.tRequest);
    this.tHead = 0;
    this.tQueued = 0;
    this.tSlot = 0;
    this.tConnected = 0;
    this.tResponse = 0;
    this.tEnd = 0;
    this.status = -1;
    this.bytesOut = 0;
    this.bytesIn = 0;
    this.termination = '--';
    this.cookieState = '--';
    this.retries = 0;
    this.redispatched = false;
    this.serverQueue = 0;
    this.backendQueue = 0;
    this.lineLength = -1;
    this.lineText = undefined;
    this.requestCaptures.fill(undefined);
    this.responseCaptures.fill(undefined);
    this.cookieRequest = undefined;
    this.cookieResponse = undefined;
    this.uniqueId = undefined;
    this.server = -1;
  }

  /** The request line as text (undefined: <BADREQ>); decoded once per transaction when a variable asks. */
  get requestLine(): string | undefined {
    if (this.lineLength < 0) return undefined;
    this.lineText ??= (this.lineBytes as Buffer).toString('latin1', 0, this.lineLength);
    return this.lineText;
  }

  /** Sets the request line from text (one byte per char, cut to LOG_URI_LEN); undefined: <BADREQ>. */
  set requestLine(text: string | undefined) {
    this.lineText = undefined;
    if (text === undefined) {
      this.lineLength = -1;
      return;
    }
    const bytes = this.lineBuffer();
    this.lineLength = bytes.write(text.length > LOG_URI_LEN ? text.slice(0, LOG_URI_LEN) : text, 0, 'latin1');
  }

  /** True when a request line was parsed (no string made). */
  get hasRequestLine(): boolean {
    return this.lineLength >= 0;
  }

  /** The request line's bytes [0, requestLineLength) (valid when hasRequestLine). */
  get requestLineBytes(): Buffer {
    return this.lineBuffer();
  }

  get requestLineLength(): number {
    return this.lineLength;
  }

  /**
   * Keeps `METHOD SP target SP HTTP/version` from `src`'s bytes, cut to LOG_URI_LEN: copies, no string. Forwarder
   * threads, once per logged request.
   */
  setRequestLine(src: RequestLineSource): void {
    const out = this.lineBuffer();
    let n = copySpan(src.methodInExtra ? src.extra : src.buf, src.methodInExtra ? 0 : src.base, src.methodStart, src.methodEnd, out, 0);
    if (n < LOG_URI_LEN) out[n++] = 0x20;
    n = copySpan(src.targetInExtra ? src.extra : src.buf, src.targetInExtra ? 0 : src.base, src.targetStart, src.targetEnd, out, n);
    // ' HTTP/1.1': the version HAProxy forwards (what the line logs), one of two constants.
    for (let i = 0; i < 6 && n < LOG_URI_LEN; i++) out[n++] = HTTP_SLASH.charCodeAt(i);
    for (let i = 0; i < src.version.length && n < LOG_URI_LEN; i++) out[n++] = src.version.charCodeAt(i);
    this.lineLength = n;
    this.lineText = undefined;
  }

  private lineBuffer(): Buffer {
    this.lineBytes ??= Buffer.allocUnsafe(LOG_URI_LEN);
    return this.lineBytes;
  }

  /** §8.4 Tw: time in the queues (-1: never got a slot). */
  get tw(): number {
    return this.tSlot === 0 ? NOT_REACHED : this.tQueued === 0 ? 0 : this.tSlot - this.tQueued;
  }

  /** §8.4 Tc: time to connect to the server (-1: never connected). */
  get tc(): number {
    return this.tConnected === 0 || this.tSlot === 0 ? NOT_REACHED : this.tConnected - this.tSlot;
  }

  /** §8.4 Tr: time the server took to send its response head after the request went (-1: no response head). */
  get tr(): number {
    return this.tResponse === 0 || this.tConnected === 0 ? NOT_REACHED : this.tResponse - this.tConnected;
  }

  /** §8.4 Ti: idle time before the request (keep-alive: since the previous transaction ended). */
  get ti(): number {
    return this.tRequest === 0 ? 0 : Math.max(0, this.tRequest - this.tIdleFrom);
  }

  /** §8.4 TR: time to receive the full request head from its first byte (-1: never complete). */
  get tR(): number {
    return this.tHead === 0 ? NOT_REACHED : Math.max(0, this.tHead - this.tRequest);
  }

  /** §8.4 Tt: the total time, from accept (HTTP: from the end of the previous transaction) to the end. */
  get tt(): number {
    const from = this.http ? this.tIdleFrom : this.tAccept;
    return Math.max(0, (this.tEnd === 0 ? from : this.tEnd) - from);
  }

  /** §8.4 Ta: the request's active time, from its start (after the idle time) to the end of the response. */
  get ta(): number {
    return Math.max(0, this.tEnd - (this.http ? this.tRequest : this.tAccept));
  }
}
