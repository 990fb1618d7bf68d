// Where the operator's diagnostic lines go, as HAProxy sends them: stderr (ha_warning), the global log targets
// (send_log(NULL, …)) and each proxy's own targets (send_log(p, …), with its log-tag), each at its own level. Main
// thread; one logger per distinct target list and tag, opened on first use and kept (signals are rare).

import type { GlobalConfig, LogTarget } from '../../config/model.js';
import { createLogger, type Logger, type LogLevel } from '../log.js';
import type { ProxyEntry } from './proxy-list.js';

export class OperatorLog {
  readonly #stderr: Logger;
  readonly #global: Pick<GlobalConfig, 'log' | 'logTag' | 'logSendHostname' | 'quiet'>;
  readonly #syslog = new Map<string, Logger>();

  /** `global`: the global section (its `log` lines, log-tag, log-send-hostname, quiet). Nothing is opened until a line is sent. */
  constructor(global: Pick<GlobalConfig, 'log' | 'logTag' | 'logSendHostname' | 'quiet'>) {
    // `quiet` (-q, global quiet): stderr keeps the alerts only; the log targets still get every line.
    this.#stderr = createLogger([], { quiet: global.quiet === true });
    this.#global = global;
  }

  /** stderr only (HAProxy's ha_warning / ha_alert). */
  stderr(level: LogLevel, message: string): void {
    this.#stderr.log(level, message);
  }

  /** The global log targets only (send_log with no proxy). */
  global(level: LogLevel, message: string): void {
    this.#targets(this.#global.log, undefined)?.log(level, message);
  }

  /** The proxy's own log targets only; nothing when it has none. */
  proxy(p: ProxyEntry, level: LogLevel, message: string): void {
    this.#targets(p.log, p.logTag)?.log(level, message);
  }

  /** The logger for `targets` with the proxy's tag (`proxyTag`) or the global one; one per distinct pair. */
  #targets(targets: readonly LogTarget[], proxyTag: string | undefined): Logger | undefined {
    if (targets.length === 0) return undefined;
    const key = JSON.stringify([targets, proxyTag]);
    let logger = this.#syslog.get(key);
    if (logger === undefined) {
      const g = this.#global;
      const logTag = proxyTag ?? g.logTag;
      logger = createLogger(
        { log: targets, ...(logTag === undefined ? {} : { logTag }), ...(g.logSendHostname === undefined ? {} : { logSendHostname: g.logSendHostname }) },
        { stderr: false },
      );
      this.#syslog.set(key, logger);
    }
    return logger;
  }
}
