// Which sessions get a traffic log line and at which level (manual §4.2 option dontlognull, dontlog-normal,
// log-separate-errors; §8.2 formats): one FrontendLine per frontend that logs, built once per forwarder thread from
// the config; the sessions hand it their LogRecord when they end and it builds the line and gives it to the thread's
// TrafficLog. Forwarder threads. A frontend without a log target or a format has no FrontendLine: its sessions never
// allocate a record (the no-log path costs what it cost before).

import type { Config, FrontendConfig, LogLineConfig } from '../../config/model.js';
import { headerName, type HeaderName } from '../http1/head-fetch.js';
import type { LogLevel } from '../log.js';
import type { SharedState } from '../shared/state-buffer.js';
import { CompiledLogLine } from './log-line.js';
import { LogRecord } from './log-record.js';
import type { LineWorld } from './log-vars.js';
import type { TrafficLog } from './traffic-log.js';

/** One logging frontend's line and its options. */
export class FrontendLine {
  readonly frontend: number;
  readonly config: LogLineConfig;
  /** `option logasap`: an HTTP line goes when the response head is sent (Ta/B are then what is known so far). */
  readonly logasap: boolean;
  /** The captured header names, compiled once (core/http1/head-fetch.ts). */
  readonly requestNames: readonly HeaderName[];
  readonly responseNames: readonly HeaderName[];
  private readonly line: CompiledLogLine;
  /** `log-format-sd`: the RFC 5424 structured data handed with each line (rfc5424 targets write it). */
  private readonly sd: CompiledLogLine | undefined;
  private readonly log: TrafficLog;
  private readonly dontlogNull: boolean;
  private readonly dontlogNormal: boolean;
  private readonly separateErrors: boolean;
  private lines = 0;

  constructor(frontend: number, fe: FrontendConfig, config: LogLineConfig, log: TrafficLog, world: LineWorld) {
    this.frontend = frontend;
    this.config = config;
    this.log = log;
    this.line = new CompiledLogLine(config.format, world);
    this.sd = config.sd === undefined ? undefined : new CompiledLogLine(config.sd, world);
    this.requestNames = config.captureRequest.map((c) => headerName(c.name));
    this.responseNames = config.captureResponse.map((c) => headerName(c.name));
    this.dontlogNull = fe.options.dontlognull;
    this.dontlogNormal = fe.options.dontlogNormal === true;
    this.separateErrors = fe.options.logSeparateErrors === true;
    this.logasap = fe.options.logasap === true;
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
    if (clientSentNothing && this.dontlogNull) return;
    const error = rec.termination[0] !== '-' || rec.status >= 500;
    if (!error && this.dontlogNormal) return;
    const level: LogLevel = error && this.separateErrors ? 'err' : 'info';
    rec.lineCount = this.lines++;
    try {
      const sd = this.sd;
      if (sd === undefined) this.log.emit(this.frontend, level, this.line.build(rec));
      else this.log.emit(this.frontend, level, this.line.build(rec), sd.build(rec));
    } catch {
      // A line that cannot be built is lost, never the session.
    }
  }
}

/** Every frontend's FrontendLine for one thread (undefined where the frontend does not log). */
export function frontendLines(config: Config, log: TrafficLog | undefined, state: SharedState | undefined): (FrontendLine | undefined)[] {
  const world: LineWorld = {
    frontends: config.frontends.map((f) => f.name),
    backends: config.backends.map((b) => ({ name: b.name, servers: b.servers })),
    state,
  };
  return config.frontends.map((fe, i) =>
    log === undefined || !log.logsFrontend(i) || fe.logLine === undefined ? undefined : new FrontendLine(i, fe, fe.logLine, log, world),
  );
}
