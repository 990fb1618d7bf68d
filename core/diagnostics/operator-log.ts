// Where the operator's diagnostic lines go, as HAProxy sends them: stderr (ha_warning), the global log targets
// (send_log(NULL, …)) and each proxy's own targets (send_log(p, …)), each at its own level. Main thread; one
// UDP socket per distinct target list, opened on first use and kept (signals are rare, sockets are unref'd).

import type { LogTarget } from '../../config/model.js';
import { createLogger, type Logger, type LogLevel } from '../log.js';
import type { ProxyEntry } from './proxy-list.js';

export class OperatorLog {
  readonly #stderr: Logger;
  readonly #global: readonly LogTarget[];
  readonly #syslog = new Map<string, Logger>();

  /** `globalTargets`: the global section's `log` lines. Nothing is opened until a line is sent. */
  constructor(globalTargets: readonly LogTarget[]) {
    this.#stderr = createLogger([]);
    this.#global = globalTargets;
  }

  /** stderr only (HAProxy's ha_warning / ha_alert). */
  stderr(level: LogLevel, message: string): void {
    this.#stderr.log(level, message);
  }

  /** The global log targets only (send_log with no proxy). */
  global(level: LogLevel, message: string): void {
    this.#targets(this.#global)?.log(level, message);
  }

  /** The proxy's own log targets only; nothing when it has none. */
  proxy(p: ProxyEntry, level: LogLevel, message: string): void {
    this.#targets(p.log)?.log(level, message);
  }

  #targets(targets: readonly LogTarget[]): Logger | undefined {
    if (targets.length === 0) return undefined;
    const key = JSON.stringify(targets);
    let logger = this.#syslog.get(key);
    if (logger === undefined) {
      logger = createLogger(targets, { stderr: false });
      this.#syslog.set(key, logger);
    }
    return logger;
  }
}
