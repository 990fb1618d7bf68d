// Where the forwarders send their traffic log lines (`option tcplog`, `option httplog`, `log-format`): one TrafficLog
// per forwarder thread, built at start from the config. A line goes to its frontend's `log` targets (`log global`
// already resolved by the config parser), with the target's header (format rfc3164/rfc5424/short/raw, facility,
// level, tag, host name). Emitting never blocks and never throws: a line the writer cannot take is dropped and counted.

import type { Config } from '../../config/model.js';
import type { LogLevel } from '../log.js';
import type { LogRecord } from './log-record.js';

/** A compiled line that writes itself as bytes (core/log/log-line.ts CompiledLogLine). */
export interface LineProgram {
  /** Writes the line for `rec` into out[start…limit) (cut there); returns its end. */
  write(rec: LogRecord, out: Buffer, start: number, limit: number): number;
}

export interface TrafficLog {
  /** False when no frontend has a log target: sessions skip building lines. */
  readonly enabled: boolean;
  /** True when frontend `frontend` (its index in config.frontends) has at least one log target. */
  logsFrontend(frontend: number): boolean;
  /**
   * Sends `message` (the formatted line, no syslog header) at `level` to frontend `frontend`'s targets. `sd` is the
   * RFC 5424 structured-data part (`log-format-sd`), used by rfc5424 targets only.
   */
  emit(frontend: number, level: LogLevel, message: string, sd?: string): void;
  /**
   * The same for the line `line` writes for `rec`, written by it straight where the line goes (no string): the
   * per-request path of `option httplog` and the other formats without `log-format-sd`.
   */
  emitRecord(frontend: number, level: LogLevel, line: LineProgram, rec: LogRecord): void;
  /**
   * A reload added frontends (spare slots) or retired some (core/forward/proxies-runtime.ts): which frontends log is
   * read again from `config`, the thread's own, already changed.
   */
  frontendsChanged?(config: Config): void;
}
