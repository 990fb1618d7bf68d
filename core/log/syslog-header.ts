// The header a log line carries on its way to a target, per `log ... format <f>` (manual §3.1 "log"), byte for byte as
// haproxy 2.6.12 sends it (observed with a UDP sink: tests/log/syslog-header-vs-haproxy.test.ts). Timestamps are local
// time, as HAProxy's. Whoever sends lines uses it: the log writer (main thread) and each thread's process logger.

import { performance } from 'node:perf_hooks';
import type { LogHeaderFormat } from '../../config/model.js';

/** What a header names besides the priority: fixed per target once the config is compiled. */
export interface HeaderIdentity {
  /** `log-tag` (proxy, else global), else "haproxy". */
  readonly tag: string;
  readonly pid: number;
  /** `log-send-hostname`'s name; undefined when the keyword is absent. */
  readonly host: string | undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `Dec  3 18:12:14`: RFC 3164's timestamp (day padded with a space). */
export function rfc3164Time(d: Date): string {
  const day = d.getDate();
  return `${MONTHS[d.getMonth()] ?? 'Jan'} ${day < 10 ? ' ' : ''}${day} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** `2026-12-03T18:12:18.346387+00:00`: RFC 5424's timestamp, microseconds and the local UTC offset. */
export function isoTime(d: Date, micros: number): string {
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const us = String(micros).padStart(6, '0');
  return (
    `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:` +
    `${two(d.getSeconds())}.${us}${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`
  );
}

/** Now in microseconds since the epoch (the performance clock: finer than Date.now). Allocates nothing. */
export function logMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/** The Date and the microseconds within its second of `nowUs` (from logMicros). */
export function clockAt(nowUs: number): { readonly date: Date; readonly micros: number } {
  return { date: new Date(Math.floor(nowUs / 1000)), micros: nowUs % 1_000_000 };
}

/**
 * The header for one line: everything before the message. `format` undefined is HAProxy's default (rfc3164 whose
 * host name appears only with log-send-hostname); an explicit `rfc3164` names "localhost" when no host name is set,
 * as haproxy 2.6.12 does. `sd` is rfc5424's structured data (`-` when empty). Pure; allocates the string.
 */
export function syslogHeader(
  format: LogHeaderFormat | undefined,
  facility: number,
  severity: number,
  id: HeaderIdentity,
  clock: { readonly date: Date; readonly micros: number },
  sd: string,
): string {
  const pri = facility * 8 + severity;
  switch (format) {
    case undefined:
      return `<${pri}>${rfc3164Time(clock.date)} ${id.host === undefined ? '' : `${id.host} `}${id.tag}[${id.pid}]: `;
    case 'rfc3164':
      return `<${pri}>${rfc3164Time(clock.date)} ${id.host ?? 'localhost'} ${id.tag}[${id.pid}]: `;
    case 'local':
      return `<${pri}>${rfc3164Time(clock.date)} ${id.tag}[${id.pid}]: `;
    case 'rfc5424':
      return `<${pri}>1 ${isoTime(clock.date, clock.micros)} ${id.host ?? '-'} ${id.tag} ${id.pid} - ${sd === '' ? '-' : sd} `;
    case 'priority':
      return `<${pri}>`;
    case 'short':
      return `<${severity}>`;
    case 'timed':
      return `<${severity}>${isoTime(clock.date, clock.micros)} `;
    case 'iso':
      return `${isoTime(clock.date, clock.micros)} `;
    case 'raw':
      return '';
  }
}
