// What one traffic log line says about a session (TCP) or a transaction (HTTP): the facts HAProxy's §8.2 formats
// print — dates, the timers of §8.4, byte counts, the termination state of §8.5, the counters and queues of the
// moment, the request line and the captures. Filled by the session hooks only when the frontend logs
// (TrafficLog.logsFrontend), read by core/log/log-vars.ts. Forwarder threads; one object per session, reused by
// every transaction of a keep-alive connection.

/** Not reached: HAProxy prints such a timer as -1. */
export const NOT_REACHED = -1;

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
  /** The 2-char termination state (§8.5), and the two persistence cookie characters of %tsc. */
  termination = '--';
  cookieState = '--';
  /** Connect retries (%rc); `redispatched` prints it with a '+' as HAProxy does. */
  retries = 0;
  redispatched = false;
  /** Queue positions when the request left the queues (%sq, %bq). */
  serverQueue = 0;
  backendQueue = 0;
  /** The request line as received (undefined: none was parsed, HAProxy's <BADREQ>). */
  requestLine: string | undefined = undefined;
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
   * begins where the idle time did); `date`: the epoch ms of `now`.
   */
  nextTransaction(start: number, now: number, date: number): void {
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
    this.requestLine = undefined;
    this.requestCaptures.fill(undefined);
    this.responseCaptures.fill(undefined);
    this.cookieRequest = undefined;
    this.cookieResponse = undefined;
    this.uniqueId = undefined;
    this.server = -1;
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
