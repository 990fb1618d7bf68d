// Process log: HAProxy-style lines on stderr (`[WARNING]  (pid) : …`) and the same text sent to the `log` targets of
// the config (e.g. `log 127.0.0.1 local2`) with each target's header (core/log/log-targets.ts: format, facility,
// level/minlevel, len, sample, log-tag, log-send-hostname). Any thread may create its own Logger; it owns its sinks.
// Process lines are rare (state changes, signals): they are sent directly, one datagram per target, not through the
// forwarders' rings.

import type { LogTarget } from '../config/model.js';
import { LogChannel, MAX_LOG_LEN, SinkSet } from './log/log-targets.js';
import { loadNativeAddon } from './native-addon.js';

export const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** stderr labels as HAProxy prints them; levels below notice print as their own name. */
const STDERR_LABEL: Record<LogLevel, string> = {
  emerg: '[EMERG]', alert: '[ALERT]', crit: '[ALERT]', err: '[ALERT]',
  warning: '[WARNING]', notice: '[NOTICE]', info: '[NOTICE]', debug: '[DEBUG]',
};

export interface Logger {
  log(level: LogLevel, message: string): void;
  close(): void;
}

/** The settings a process logger takes from the config: the global section (GlobalConfig fits) or a proxy's. */
export interface LogSettings {
  readonly log: readonly LogTarget[];
  readonly logTag?: string;
  readonly logSendHostname?: string;
}

export interface LoggerOptions {
  /** Also print to stderr (default true: orcalb runs in the foreground like `haproxy -db`). */
  readonly stderr?: boolean;
  /** `-q` / global `quiet`: only alerts and worse on stderr (the log targets still get every line). */
  readonly quiet?: boolean;
  /** The syslog tag, over the settings' log-tag (default "haproxy", as HAProxy names itself). */
  readonly tag?: string;
}

/**
 * A logger for this thread: `settings` is the global section (or a bare target list). Sending never throws and never
 * blocks: a line a target cannot take is lost (a lost log datagram must not disturb traffic).
 */
export function createLogger(settings: readonly LogTarget[] | LogSettings, options: LoggerOptions = {}): Logger {
  const toStderr = options.stderr ?? true;
  const s: LogSettings = Array.isArray(settings) ? { log: settings as readonly LogTarget[] } : (settings as LogSettings);
  let sinks: SinkSet | undefined;
  let channel: LogChannel | undefined;
  const tally = { sent: 0 };
  return {
    log(level, message) {
      if (toStderr && (options.quiet !== true || LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf('err'))) {
        process.stderr.write(`${STDERR_LABEL[level].padEnd(10)} (${process.pid}) : ${message}\n`);
      }
      if (s.log.length === 0) return;
      if (channel === undefined) {
        // Opened on first use: most threads never log a process line.
        sinks = new SinkSet(loadNativeAddon());
        const global = {
          ...(s.logTag === undefined ? {} : { logTag: s.logTag }),
          ...(s.logSendHostname === undefined ? {} : { logSendHostname: s.logSendHostname }),
        };
        channel = new LogChannel(s.log, global, options.tag, sinks, Buffer.allocUnsafe(MAX_LOG_LEN));
      }
      const bytes = Buffer.from(message, 'utf8');
      channel.send(LOG_LEVELS.indexOf(level), bytes, 0, bytes.length, '', tally);
      sinks?.flush();
    },
    close() {
      sinks?.close();
      sinks = undefined;
      channel = undefined;
    },
  };
}
