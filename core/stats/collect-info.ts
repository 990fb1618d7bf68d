// The `show info` fields orcalb can fill (HAProxy 2.6 management guide §9.3 "show info"): process identity, uptime,
// limits and the process-wide connection counts from the shared buffer. Fields orcalb has no figure for stay
// undefined (renderers leave them out or empty). Stats thread; allocates per call.

import { hostname } from 'node:os';
import type { Config } from '../../config/model.js';
import { readRate } from '../shared/stat-counters.js';
import type { SharedState } from '../shared/state-buffer.js';
import { stickNow } from '../stick/stick-clock.js';
import { INFO, INFO_FIELDS, type InfoRow, type StatValue } from './stat-columns.js';
import { settleStats } from './settle-stats.js';

/** What the info row is built from besides the buffer. */
export interface InfoSource {
  readonly config: Config;
  readonly state: SharedState;
  readonly version: string;
  /** Unix ms when the process started. */
  readonly startedMs: number;
  readonly threads: number;
}

/** HAProxy's uptime text: `0d 0h01m02s`. Pure. */
export function uptimeText(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${d}d ${h}h${String(m).padStart(2, '0')}m${String(s).padStart(2, '0')}s`;
}

/**
 * HAProxy's DroppedLogs: traffic lines a forwarder's full log ring refused (per slot, THREAD logDrops) plus lines the
 * log writer could not hand to a target (GLOBAL logSendDrops). Unsigned: the words wrap at 2^32.
 */
function droppedLogs(src: InfoSource): number {
  let n = src.state.loadGlobal('logSendDrops') >>> 0;
  for (let t = 0; t < src.threads; t++) n += src.state.thread(t).load('logDrops') >>> 0;
  return n;
}

/** The secured TLS clients every forwarder holds now (THREAD sslConns). */
function currentSslConns(src: InfoSource): number {
  let n = 0;
  for (let t = 0; t < src.threads; t++) n += src.state.thread(t).load('sslConns');
  return n;
}

/**
 * HAProxy's SslFrontendSessionReuse_pct: of the last second's handshakes, the share that made no new key, rounded to
 * the nearest percent; 0 when there were none. Pure.
 */
export function sessionReusePercent(keyRate: number, sslRate: number): number {
  if (sslRate <= 0 || keyRate >= sslRate) return 0;
  return 100 - Math.floor((100 * keyRate + Math.floor((sslRate - 1) / 2)) / sslRate);
}

/** The info row at `nowMs`, once the forwarders' batched stats are in (core/shared/stat-batch.ts): stats thread only. */
export function collectInfo(src: InfoSource, nowMs: number): InfoRow {
  settleStats(src.state);
  const v = new Array<StatValue>(INFO_FIELDS.length).fill(undefined);
  const up = Math.max(0, Math.floor((nowMs - src.startedMs) / 1000));
  let cumConns = 0;
  let cumReq = 0;
  let bytesOut = 0n;
  let rate = 0;
  const ssl = { cum: 0, rate: 0, maxRate: 0, keyRate: 0, maxKeyRate: 0 };
  const tick = stickNow();
  for (let f = 0; f < src.config.frontends.length; f++) {
    const slot = src.state.frontend(f);
    cumConns += slot.load('totalConns');
    cumReq += slot.load('reqTot');
    bytesOut += slot.loadWide('bytesOut');
    rate += readRate(slot, 'sessRatetick', tick);
    ssl.cum += slot.load('sslSess') >>> 0;
    ssl.rate += readRate(slot, 'sslRatetick', tick);
    ssl.keyRate += readRate(slot, 'sslKeyRatetick', tick);
    // The process-wide maxima are approximated by the busiest frontend's (each frontend keeps its own).
    ssl.maxRate = Math.max(ssl.maxRate, slot.load('sslRateMax'));
    ssl.maxKeyRate = Math.max(ssl.maxKeyRate, slot.load('sslKeyRateMax'));
  }
  let listeners = 0;
  for (const fe of src.config.frontends) if (!fe.disabled) listeners += fe.binds.filter((b) => b.retired !== true).length;
  // The runtime API's sockets are listeners too (2.6.12 counts its CLI ones: 4 stats sockets + 1 bind = 5).
  listeners += src.config.global.statsSockets.length;
  v[INFO.Name] = 'orcalb';
  v[INFO.Version] = src.version;
  v[INFO.Nbthread] = src.threads;
  v[INFO.Nbproc] = 1;
  v[INFO.Process_num] = 1;
  v[INFO.Pid] = process.pid;
  v[INFO.Uptime] = uptimeText(up);
  v[INFO.Uptime_sec] = up;
  v[INFO.Maxconn] = src.state.loadGlobal('maxconn');
  v[INFO.Hard_maxconn] = src.config.global.maxconn;
  v[INFO.CurrConns] = src.state.loadGlobal('curConns');
  v[INFO.CumConns] = cumConns;
  v[INFO.CumReq] = cumReq;
  v[INFO.ConnRate] = rate;
  v[INFO.SessRate] = rate;
  // TLS on the ssl binds (handshakes completed; orcalb's TLS to servers is not counted here).
  v[INFO.CumSslConns] = ssl.cum;
  v[INFO.CurrSslConns] = currentSslConns(src);
  v[INFO.SslRate] = ssl.rate;
  v[INFO.MaxSslRate] = ssl.maxRate;
  v[INFO.SslFrontendKeyRate] = ssl.keyRate;
  v[INFO.SslFrontendMaxKeyRate] = ssl.maxKeyRate;
  v[INFO.SslFrontendSessionReuse_pct] = sessionReusePercent(ssl.keyRate, ssl.rate);
  v[INFO.Listeners] = listeners;
  v[INFO.TotalBytesOut] = bytesOut;
  v[INFO['Build info']] = src.version;
  v[INFO.node] = hostname();
  v[INFO.Stopping] = src.state.loadGlobal('stopping');
  v[INFO.DroppedLogs] = droppedLogs(src);
  v[INFO.Start_time_sec] = Math.floor(src.startedMs / 1000);
  return v;
}
