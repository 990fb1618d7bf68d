// Which sessions get a traffic log line and at which level (manual §4.2 option dontlognull, dontlog-normal,
// log-separate-errors; §8.2 formats): one FrontendLine per frontend that logs, built once per forwarder thread from
// the config; the sessions hand it their LogRecord when they end and it builds the line and gives it to the thread's
// TrafficLog. Forwarder threads. A frontend without a log target or a format has no FrontendLine: its sessions never
// allocate a record (the no-log path costs what it cost before).

import type { Config, FrontendConfig, LogLineConfig } from '../../config/model.js';
import { headerName, type HeaderName } from '../http1/head-fetch.js';
import type { LogLevel } from '../log.js';
import type { SharedState } from '../shared/state-buffer.js';
import { CONN_ERRORS, type ConnError } from './connection-error.js';
import { CompiledLogLine } from './log-line.js';
import { LogRecord } from './log-record.js';
import { dateVar, type LineWorld } from './log-vars.js';
import type { TrafficLog } from './traffic-log.js';

/** haproxy 2.6.12 keeps at most 127 characters of a unique id (its UNIQUEID_LEN buffer; measured with a long %r). */
const UNIQUE_ID_MAX = 127;

function uniqueIdOf(f: CompiledLogLine, rec: LogRecord): string {
  const id = f.build(rec);
  return id.length > UNIQUE_ID_MAX ? id.slice(0, UNIQUE_ID_MAX) : id;
}

/** What a frontend that only makes unique ids (no log line) captures: nothing. */
const NO_LINE: LogLineConfig = { kind: 'log-format', format: { text: '', parts: [] }, captureRequest: [], captureResponse: [] };

/**
 * One logging frontend's line and its options; or, for a frontend with `unique-id-format` and no line, only its
 * unique id (every line hook then runs on its record, and end() sends nothing).
 */
export class FrontendLine {
  readonly frontend: number;
  readonly config: LogLineConfig;
  /** `unique-id-format` compiled (§4.2), and `unique-id-header`: the request header the id is added as. */
  readonly uniqueId: CompiledLogLine | undefined;
  readonly uniqueIdHeader: string | undefined;
  /**
   * `option logasap` (§4.2): a TCP session's line goes once its server connection is up, an HTTP transaction's once
   * its server's response head is in (Tt/Ta/B are then what is known so far, printed with a `+`).
   */
  readonly logasap: boolean;
  /** The captured header names, compiled once (core/http1/head-fetch.ts). */
  readonly requestNames: readonly HeaderName[];
  readonly responseNames: readonly HeaderName[];
  private readonly line: CompiledLogLine | undefined;
  /** `log-format-sd`: the RFC 5424 structured data handed with each line (rfc5424 targets write it). */
  private readonly sd: CompiledLogLine | undefined;
  /** `error-log-format`: the line of a connection that failed before its first stream, else HAProxy's own. */
  private readonly errorLine: CompiledLogLine | undefined;
  private readonly name: string;
  /** Each bind's listener as a connection error line names it: its `name`, else its number from 1. */
  private readonly bindLabels: readonly string[];
  private readonly log: TrafficLog | undefined;
  private readonly dontlogNull: boolean;
  private readonly dontlogNormal: boolean;
  private readonly separateErrors: boolean;
  /** Where %rt is counted (GLOBAL requestCounter), when some format of the config prints it; else undefined. */
  private readonly requestCounter: SharedState | undefined;
  private lines = 0;

  /**
   * `config` and `log` undefined: the frontend does not log, only makes unique ids or counts %rt. `counts`: some
   * format of the config prints %rt, so every request and session of every frontend takes a number.
   */
  constructor(frontend: number, fe: FrontendConfig, config: LogLineConfig | undefined, log: TrafficLog | undefined, world: LineWorld, counts = false) {
    this.frontend = frontend;
    this.config = config ?? NO_LINE;
    this.log = config === undefined ? undefined : log;
    this.logasap = fe.options.logasap === true;
    this.line = config === undefined ? undefined : new CompiledLogLine(config.format, world, this.logasap);
    this.sd = config?.sd === undefined ? undefined : new CompiledLogLine(config.sd, world, this.logasap);
    this.errorLine = config?.errorFormat === undefined ? undefined : new CompiledLogLine(config.errorFormat, world);
    this.name = world.frontends[frontend] ?? '-';
    this.bindLabels = fe.binds.map((b, i) => b.name ?? String(i + 1));
    this.uniqueId = fe.uniqueId === undefined ? undefined : new CompiledLogLine(fe.uniqueId.format, world);
    this.uniqueIdHeader = fe.uniqueId?.header;
    this.requestNames = this.config.captureRequest.map((c) => headerName(c.name));
    this.responseNames = this.config.captureResponse.map((c) => headerName(c.name));
    this.dontlogNull = fe.options.dontlognull;
    this.dontlogNormal = fe.options.dontlogNormal === true;
    this.separateErrors = fe.options.logSeparateErrors === true;
    this.requestCounter = counts ? world.state : undefined;
  }

  /**
   * A new HAProxy stream begins on `rec` (an HTTP request, a TCP session): its %rt, the process-wide count so far
   * (HAProxy's global request counter; one Atomics.add, only in configs that print %rt). Allocates nothing.
   */
  countRequest(rec: LogRecord): void {
    if (this.requestCounter !== undefined) rec.requestCounter = this.requestCounter.addGlobal('requestCounter', 1);
  }

  /** A record for one session of this frontend, with a slot per declared capture. Allocates. */
  newRecord(): LogRecord {
    const rec = new LogRecord();
    rec.frontend = this.frontend;
    rec.requestCaptures = new Array<string | undefined>(this.config.captureRequest.length).fill(undefined);
    rec.responseCaptures = new Array<string | undefined>(this.config.captureResponse.length).fill(undefined);
    return rec;
  }

  /**
   * The session (TCP) or transaction (HTTP) of `rec` ended: its line goes out unless an option says not to.
   * `clientSentNothing`: no byte came from the client (dontlognull). Never throws.
   */
  end(rec: LogRecord, clientSentNothing: boolean): void {
    const line = this.line;
    const log = this.log;
    if (line === undefined || log === undefined) return;
    if (clientSentNothing && this.dontlogNull) return;
    const error = rec.termination[0] !== '-' || rec.status >= 500;
    if (!error && this.dontlogNormal) return;
    const level: LogLevel = error && this.separateErrors ? 'err' : 'info';
    rec.lineCount = this.lines++;
    try {
      // A TCP session's id is made when its line is (haproxy 2.6.12 logs one); an HTTP one's with its request.
      if (!rec.http && this.uniqueId !== undefined && rec.uniqueId === undefined) rec.uniqueId = uniqueIdOf(this.uniqueId, rec);
      const sd = this.sd;
      if (sd === undefined) log.emitRecord(this.frontend, level, line, rec);
      else log.emit(this.frontend, level, line.build(rec), sd.build(rec));
    } catch {
      // A line that cannot be built is lost, never the session.
    }
  }

  /** Whether this frontend logs lines (connection errors among them), not only unique ids or %rt. */
  get logs(): boolean {
    return this.line !== undefined && this.log !== undefined;
  }

  /**
   * A connection of this frontend (record `rec`: its addresses and accept moments) ended before its first stream,
   * at sweep time `now`, on bind `bind` (its index): HAProxy 2.6's connection error line goes out (session_kill_embryonic),
   * `ci:cp [accept date] frontend/bind-number: text`, or the `error-log-format` line, at level info (err under `option
   * log-separate-errors`); none under `option dontlognull` for the errors of a client that sent nothing. Rare (one per
   * failed connection): builds a string. Never throws.
   */
  connectionError(rec: LogRecord, err: ConnError, bind: number, now: number): void {
    const log = this.log;
    if (this.line === undefined || log === undefined) return;
    const [text, quiet] = CONN_ERRORS[err];
    if (quiet && this.dontlogNull) return;
    const level: LogLevel = this.separateErrors ? 'err' : 'info';
    try {
      const format = this.errorLine;
      if (format === undefined) {
        const date = dateVar('tr', rec.acceptDate);
        const listener = this.bindLabels[bind] ?? String(bind + 1);
        log.emit(this.frontend, level, `${rec.clientAddress}:${rec.clientPort} [${date}] ${this.name}/${listener}: ${text}`);
        return;
      }
      // The stream never began: haproxy prints the proxy condition `PR`, no backend (its frontend) and no server.
      rec.termination = 'PR';
      rec.connError = err;
      rec.http = false;
      rec.tEnd = now;
      rec.lineCount = this.lines++;
      log.emitRecord(this.frontend, level, format, rec);
    } catch {
      // A line that cannot be built is lost, never the thread.
    }
  }

  /**
   * An HTTP request of `rec` is processed (its backend known): its unique id is made (`%ID` of its line), and
   * returned for unique-id-header. Undefined when the frontend has no unique-id-format. Allocates the id.
   */
  requestId(rec: LogRecord): string | undefined {
    const f = this.uniqueId;
    if (f === undefined) return undefined;
    rec.uniqueId = uniqueIdOf(f, rec);
    return rec.uniqueId;
  }
}

/** Every frontend's FrontendLine for one thread (undefined where the frontend does not log). */
export function frontendLines(config: Config, log: TrafficLog | undefined, state: SharedState | undefined): (FrontendLine | undefined)[] {
  const world: LineWorld = {
    frontends: config.frontends.map((f) => f.name),
    backends: config.backends.map((b) => ({ name: b.name, servers: b.servers })),
    state,
  };
  // %rt counts every stream of the process, logged or not (haproxy 2.6.12): with it, every frontend gets a line.
  const counts = state !== undefined && config.frontends.some(printsRequestCounter);
  return config.frontends.map((fe, i) => {
    const logs = log !== undefined && log.logsFrontend(i) && fe.logLine !== undefined;
    if (!logs && fe.uniqueId === undefined && !counts) return undefined;
    return new FrontendLine(i, fe, logs ? fe.logLine : undefined, logs ? log : undefined, world, counts);
  });
}

/** True when a format of `fe` (its line, structured data, error line or unique id) prints %rt. */
function printsRequestCounter(fe: FrontendConfig): boolean {
  const line = fe.logLine;
  return [line?.format, line?.sd, line?.errorFormat, fe.uniqueId?.format].some(
    (spec) => spec !== undefined && spec.parts.some((p) => p.kind === 'var' && p.name === 'rt'),
  );
}
