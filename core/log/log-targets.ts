// A proxy's (or the global section's) `log` targets compiled once (manual §3.1 "log", §4.2 "log", "log-tag",
// "log-send-hostname"): for each target its sink, header format, facility, level and minlevel, `len` and `sample`.
// Sending a line hands each target's sink the target's header (bytes cached per second for the formats without
// microseconds) and the message, which the sink copies straight into its batch: one datagram (or write) per target. Used by the log writer (main thread, traffic lines) and by each thread's process
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
  /**
   * The last header built, as bytes (cut to `len` - 1), for the second and severity it was built for (formats without
   * microseconds): one string and one encoding per second, not per line.
   */
  cachedHeader: Buffer;
  cachedHeaderBytes: number;
  cachedSecond: number;
  cachedSeverity: number;
}

const EMPTY = Buffer.alloc(0);

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
      cachedHeader: EMPTY,
      cachedHeaderBytes: 0,
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
      const room = t.len - 1;
      let head: Buffer;
      let headerBytes: number;
      // rfc5424, the one format that writes `sd`, carries microseconds: never cached.
      if (CACHEABLE.has(t.target.format)) {
        if (t.cachedSecond !== second || t.cachedSeverity !== sev) {
          clock ??= clockAt(nowUs);
          const text = syslogHeader(t.target.format, t.facility, sev, t.identity, clock, sd);
          t.cachedHeader = Buffer.from(text, 'utf8');
          // Cut to whole chars, as Buffer.write cuts (a `len` shorter than the header: only absurd configs).
          t.cachedHeaderBytes = t.cachedHeader.length <= room ? t.cachedHeader.length : Math.min(out.write(text, 0, room, 'utf8'), room);
          t.cachedSecond = second;
          t.cachedSeverity = sev;
        }
        head = t.cachedHeader;
        headerBytes = t.cachedHeaderBytes;
      } else {
        clock ??= clockAt(nowUs);
        head = out;
        headerBytes = Math.min(out.write(syslogHeader(t.target.format, t.facility, sev, t.identity, clock, sd), 0, room, 'utf8'), room);
      }
      // The header and the message go straight into the sink's batch, cut to `len` with the LF haproxy adds.
      t.sink.addLine(head, headerBytes, src, offset, Math.min(length, room - headerBytes));
      tally.sent++;
    }
  }
}
