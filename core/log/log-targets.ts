// A proxy's (or the global section's) `log` targets compiled once (manual §3.1 "log", §4.2 "log", "log-tag",
// "log-send-hostname"): for each target its sink, header format, facility, level and minlevel, `len` and `sample`.
// Sending a line builds each target's header and the line in one scratch buffer and hands it to the sink: one
// datagram (or write) per target. Used by the log writer (main thread, traffic lines) and by each thread's process
// logger (core/log.ts). Not per request: the forwarders only copy lines into their ring (core/shared/log-ring.ts).

import { hostname } from 'node:os';
import type { GlobalConfig, LogTarget } from '../../config/model.js';
import type { NativeAddon } from '../native-addon.js';
import { openLogSink, type LogSink } from './log-sink.js';
import { clockAt, logMicros, syslogHeader, type HeaderIdentity } from './syslog-header.js';

/** §8.1 levels, by severity number. */
export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

/** §3.1 "log": the 24 syslog facilities, by number. */
export const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'auth2', 'ftp', 'ntp', 'audit',
  'alert', 'cron2', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

/** HAProxy's default `len`. */
export const DEFAULT_LOG_LEN = 1024;
/** The most bytes a line may have (`len`'s bound): the scratch buffer's size. */
export const MAX_LOG_LEN = 65535;

const severityOf = (level: string | undefined, fallback: number): number => {
  const i = level === undefined ? -1 : SEVERITIES.indexOf(level as (typeof SEVERITIES)[number]);
  return i < 0 ? fallback : i;
};

interface CompiledTarget {
  readonly sink: LogSink;
  readonly target: LogTarget;
  readonly facility: number;
  /** Lines less severe (a higher number) than this are not sent. */
  readonly maxSeverity: number;
  /** Lines more severe than this are sent at this severity. */
  readonly minSeverity: number;
  readonly len: number;
  readonly identity: HeaderIdentity;
  /** Lines seen by a sampled target (the position in its sample cycle). */
  seen: number;
  /** The last header built, for the second and severity it was built for (formats without microseconds). */
  cachedHeader: string;
  cachedSecond: number;
  cachedSeverity: number;
}

/** Formats whose header changes at most once a second (no microseconds): built once per second and severity. */
const CACHEABLE = new Set<LogTarget['format']>([undefined, 'rfc3164', 'local', 'priority', 'short', 'raw']);

/** Sinks by address, shared by every target that names the same address (one socket per address per owner). */
export class SinkSet {
  private readonly sinks = new Map<string, LogSink>();
  private readonly addon: NativeAddon | undefined;

  constructor(addon: NativeAddon | undefined) {
    this.addon = addon;
  }

  get(address: string): LogSink {
    let s = this.sinks.get(address);
    if (s === undefined) {
      s = openLogSink(address, this.addon);
      this.sinks.set(address, s);
    }
    return s;
  }

  all(): IterableIterator<LogSink> {
    return this.sinks.values();
  }

  /** Sends what every sink queued; returns the lines they dropped. */
  flush(): number {
    let dropped = 0;
    for (const s of this.sinks.values()) dropped += s.flush();
    return dropped;
  }

  close(): void {
    for (const s of this.sinks.values()) s.close();
    this.sinks.clear();
  }
}

/** What a send did across a channel's targets: lines queued to a sink (its flush counts the ones dropped). */
export interface SendTally {
  sent: number;
}

/** One proxy's compiled targets. */
export class LogChannel {
  private readonly targets: readonly CompiledTarget[];
  private readonly scratch: Buffer;

  /**
   * Compiles `targets` with the tag (`proxyTag` ?? global `log-tag` ?? "haproxy") and the global host name.
   * `scratch` is the owner's one send buffer (MAX_LOG_LEN bytes), shared by its channels.
   */
  constructor(
    targets: readonly LogTarget[],
    global: Pick<GlobalConfig, 'logTag' | 'logSendHostname'>,
    proxyTag: string | undefined, sinks: SinkSet,
    scratch: Buffer,
  ) {
    const identity: HeaderIdentity = {
      tag: proxyTag ?? global.logTag ?? 'haproxy',
      pid: process.pid,
      host: global.logSendHostname === undefined ? undefined : global.logSendHostname === '' ? hostname() : global.logSendHostname,
    };
    this.scratch = scratch;
    this.targets = targets.map((target) => ({
      sink: sinks.get(target.address),
      target,
      facility: Math.max(0, FACILITIES.indexOf(target.facility as (typeof FACILITIES)[number])),
      maxSeverity: severityOf(target.level, SEVERITIES.length - 1),
      minSeverity: severityOf(target.minLevel, 0),
      len: target.len ?? DEFAULT_LOG_LEN,
      identity,
      seen: 0,
      cachedHeader: '',
      cachedSecond: -1,
      cachedSeverity: -1,
    }));
  }

  get size(): number {
    return this.targets.length;
  }

  /**
   * Sends src[offset, offset+length) (the message, no header, no LF) at `severity` to every target whose level lets
   * it through and whose sample picks it, each cut to its `len` with the trailing LF haproxy adds. `sd` is rfc5424's
   * structured data. Queues on the sinks (SinkSet.flush sends); adds to `tally`. Never throws.
   */
  send(severity: number, src: Buffer, offset: number, length: number, sd: string, tally: SendTally): void {
    if (this.targets.length === 0) return;
    // The Date is made only when a header needs one (not when the second's cached header serves): no allocation per
    // line for rfc3164 and the other second-grained formats.
    const nowUs = logMicros();
    const second = Math.floor(nowUs / 1_000_000);
    let clock: { readonly date: Date; readonly micros: number } | undefined;
    const out = this.scratch;
    for (const t of this.targets) {
      if (severity > t.maxSeverity) continue;
      const sample = t.target.sample;
      if (sample !== undefined) {
        const index = (t.seen++ % sample.size) + 1;
        if (!sample.ranges.some(([lo, hi]) => index >= lo && index <= hi)) continue;
      }
      const sev = severity < t.minSeverity ? t.minSeverity : severity;
      let header: string;
      if (sd === '' && CACHEABLE.has(t.target.format)) {
        if (t.cachedSecond !== second || t.cachedSeverity !== sev) {
          clock ??= clockAt(nowUs);
          t.cachedHeader = syslogHeader(t.target.format, t.facility, sev, t.identity, clock, sd);
          t.cachedSecond = second;
          t.cachedSeverity = sev;
        }
        header = t.cachedHeader;
      } else {
        clock ??= clockAt(nowUs);
        header = syslogHeader(t.target.format, t.facility, sev, t.identity, clock, sd);
      }
      const room = t.len - 1;
      const headerBytes = Math.min(out.write(header, 0, room, 'utf8'), room);
      const body = Math.min(length, room - headerBytes);
      src.copy(out, headerBytes, offset, offset + body);
      out[headerBytes + body] = 0x0a;
      t.sink.add(out, 0, headerBytes + body + 1);
      tally.sent++;
    }
  }
}
