// Process log: HAProxy-style lines on stderr (`[WARNING]  (pid) : …`) and RFC 3164 datagrams to the `log` targets
// of the config (e.g. `log 127.0.0.1 local2`). Any thread may create its own Logger; it owns one UDP socket.

import { createSocket, type Socket } from 'node:dgram';
import type { LogTarget } from '../config/model.js';

export const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'auth2', 'ftp', 'ntp', 'audit',
  'alert', 'cron2', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

/** stderr labels as HAProxy prints them; levels below notice print as their own name. */
const STDERR_LABEL: Record<LogLevel, string> = {
  emerg: '[EMERG]', alert: '[ALERT]', crit: '[ALERT]', err: '[ALERT]',
  warning: '[WARNING]', notice: '[NOTICE]', info: '[NOTICE]', debug: '[DEBUG]',
};

export interface Logger {
  log(level: LogLevel, message: string): void;
  close(): void;
}

export interface LoggerOptions {
  /** Also print to stderr (default true: orcalb runs in the foreground like `haproxy -db`). */
  readonly stderr?: boolean;
  /** Program name in syslog lines (HAProxy uses "haproxy"). */
  readonly tag?: string;
}

function syslogTimestamp(d: Date): string {
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const time = d.toISOString().slice(11, 19);
  return `${mon} ${day} ${time}`;
}

function parseTarget(t: LogTarget): { host: string; port: number; facility: number; max: number } {
  // `127.0.0.1`, `127.0.0.1:514`, `udp@host:port`; unix sockets are not supported (nothing sent).
  const addr = t.address.replace(/^udp@/, '');
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(addr);
  const facility = Math.max(0, FACILITIES.indexOf(t.facility as (typeof FACILITIES)[number]));
  const max = t.level === undefined ? LOG_LEVELS.length - 1 : Math.max(0, LOG_LEVELS.indexOf(t.level as LogLevel));
  return { host: m?.[1] ?? '127.0.0.1', port: Number(m?.[2] ?? 514), facility, max };
}

/** A logger for this thread. Sending never throws: a lost log datagram must not disturb traffic. */
export function createLogger(targets: readonly LogTarget[], options: LoggerOptions = {}): Logger {
  const toStderr = options.stderr ?? true;
  const tag = options.tag ?? 'orcalb';
  const parsed = targets.filter((t) => !t.address.startsWith('/')).map(parseTarget);
  let udp: Socket | undefined;
  if (parsed.length > 0) {
    udp = createSocket('udp4');
    udp.on('error', () => undefined);
    udp.unref();
  }
  return {
    log(level, message) {
      if (toStderr) {
        process.stderr.write(`${STDERR_LABEL[level].padEnd(10)} (${process.pid}) : ${message}\n`);
      }
      if (udp === undefined) return;
      const sev = LOG_LEVELS.indexOf(level);
      for (const t of parsed) {
        if (sev > t.max) continue;
        const line = `<${t.facility * 8 + sev}>${syslogTimestamp(new Date())} ${tag}[${process.pid}]: ${message}`;
        udp.send(line, t.port, t.host, () => undefined);
      }
    },
    close() {
      udp?.close();
      udp = undefined;
    },
  };
}
