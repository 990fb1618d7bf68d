// The sticky counters one client connection tracks (HAProxy's stkctr[0..2] of a session and of its current stream,
// §4.2 "track-sc0"): which table entry each of sc0..sc2 points to, whether the connection (tcp-request connection /
// session rules) or only the current request (tcp-request content, http-request, http-response rules) tracks it,
// and every update HAProxy makes to the tracked entries: a tracking start counts a connection (conn_cnt, conn_rate,
// conn_cur), each request http_req_*, each client error http_err_*, each server failure http_fail_*, bytes both
// ways, and the end of tracking drops conn_cur. These are the functions a session calls; the session wiring calls
// them at the points each method names. Forwarder threads, hot path: allocation-free.

import { stickNow } from './stick-clock.js';
import { gpcRateRef, gpcRef, gptRef, type FieldRef, type StickTables } from './stick-tables.js';

/** HAProxy's MAX_SESS_STKCTR: sc0, sc1, sc2. */
export const MAX_TRACKERS = 3;

/** How long a tracker lives: the connection (tcp-request connection/session) or the current stream (the rest). */
export const TrackLevel = { SESSION: 1, CONTENT: 2 } as const;
export type TrackLevelValue = (typeof TrackLevel)[keyof typeof TrackLevel];

/** One connection's sticky counters. One per client connection, reused across its requests. */
export class StickCounters {
  private readonly tables: StickTables;
  /** Table index per counter, -1 when not tracked. */
  private readonly tableOf = new Int32Array(MAX_TRACKERS).fill(-1);
  private readonly slotOf = new Int32Array(MAX_TRACKERS).fill(-1);
  private readonly levelOf = new Uint8Array(MAX_TRACKERS);

  constructor(tables: StickTables) {
    this.tables = tables;
  }

  /** True when scN tracks an entry (sc_tracked). */
  tracked(n: number): boolean {
    return (this.tableOf[n] ?? -1) >= 0;
  }

  /** The table scN tracks in, or -1. */
  tableIndex(n: number): number {
    return this.tableOf[n] ?? -1;
  }

  /** The slot of the entry scN tracks, or -1. */
  slot(n: number): number {
    return this.slotOf[n] ?? -1;
  }

  /**
   * `track-scN` with the key already written into the table's key words (core/stick/stick-key.ts): finds or
   * creates the entry, tracks it until the connection ends (SESSION) or the current stream ends (CONTENT), and
   * counts the start (conn_cnt, conn_rate, conn_cur; HAProxy's stream_start_counters). False, and nothing done,
   * when scN already tracks an entry (the first track-scN rule executed wins, whatever its table) or when the
   * table cannot give an entry (full with `nopurge`, nothing purgeable): then scN stays untracked, as in HAProxy.
   */
  track(n: number, table: number, level: TrackLevelValue, now = stickNow()): boolean {
    if (n < 0 || n >= MAX_TRACKERS || this.tracked(n)) return false;
    const store = this.tables.store(table);
    const slot = store.acquire(now);
    if (slot < 0) return false;
    store.track(slot);
    this.tableOf[n] = table;
    this.slotOf[n] = slot;
    this.levelOf[n] = level;
    const f = this.tables.fieldsOf(table);
    this.bump(n, f.connCnt, f.connRate, now);
    return true;
  }

  /**
   * `http-request track-scN`: track() for the stream, and the request is counted at once in http_req_cnt and
   * http_req_rate (HAProxy counts the request when the tracking starts, so that `track-sc0` followed by a rule on
   * `sc0_http_req_rate` sees this request). False when nothing was tracked (see track()).
   */
  trackHttpRequest(n: number, table: number, now = stickNow()): boolean {
    if (!this.track(n, table, TrackLevel.CONTENT, now)) return false;
    const f = this.tables.fieldsOf(table);
    this.bump(n, f.httpReqCnt, f.httpReqRate, now);
    return true;
  }

  /**
   * `http-response track-scN`: as trackHttpRequest, and the response `status` counts as a client error (4xx) or
   * a server failure (5xx other than 501 and 505) on the new entry, since it was produced before the tracking began.
   */
  trackHttpResponse(n: number, table: number, status: number, now = stickNow()): boolean {
    if (!this.trackHttpRequest(n, table, now)) return false;
    const f = this.tables.fieldsOf(table);
    if (status >= 400 && status < 500) this.bump(n, f.httpErrCnt, f.httpErrRate, now);
    else if (status >= 500 && status < 600 && status !== 501 && status !== 505) this.bump(n, f.httpFailCnt, f.httpFailRate, now);
    return true;
  }

  /**
   * A new HTTP request begins on this connection (HAProxy's stream_inc_http_req_ctr): counted in http_req_* of
   * every entry tracked so far, i.e. the connection's own (content trackers of the previous request have ended).
   * Call it when the request head is parsed, before the request's rules run.
   */
  countHttpRequest(now = stickNow()): void {
    for (let n = 0; n < MAX_TRACKERS; n++) {
      const table = this.tableOf[n] ?? -1;
      if (table >= 0) this.bump(n, this.tables.fieldsOf(table).httpReqCnt, this.tables.fieldsOf(table).httpReqRate, now);
    }
  }

  /**
   * A client error (HAProxy's stream_inc_http_err_ctr): an invalid or truncated request, a denied or tarpitted
   * one, a failed authentication, a 4xx from the server. Counted on every tracked entry.
   */
  countHttpError(now = stickNow()): void {
    for (let n = 0; n < MAX_TRACKERS; n++) {
      const table = this.tableOf[n] ?? -1;
      if (table >= 0) this.bump(n, this.tables.fieldsOf(table).httpErrCnt, this.tables.fieldsOf(table).httpErrRate, now);
    }
  }

  /** A server failure (HAProxy's stream_inc_http_fail_ctr): a bad response, a 5xx other than 501/505. */
  countHttpFail(now = stickNow()): void {
    for (let n = 0; n < MAX_TRACKERS; n++) {
      const table = this.tableOf[n] ?? -1;
      if (table >= 0) this.bump(n, this.tables.fieldsOf(table).httpFailCnt, this.tables.fieldsOf(table).httpFailRate, now);
    }
  }

  /** The connection passed the layer-4 rules and became a session: sess_cnt, sess_rate of the tracked entries. */
  countSession(now = stickNow()): void {
    for (let n = 0; n < MAX_TRACKERS; n++) {
      const table = this.tableOf[n] ?? -1;
      if (table >= 0) this.bump(n, this.tables.fieldsOf(table).sessCnt, this.tables.fieldsOf(table).sessRate, now);
    }
  }

  /** Bytes moved since the last call, from the client (`fromClient`) and to it (`toClient`), each < 2^31. */
  countBytes(fromClient: number, toClient: number, now = stickNow()): void {
    for (let n = 0; n < MAX_TRACKERS; n++) {
      const table = this.tableOf[n] ?? -1;
      if (table < 0) continue;
      const f = this.tables.fieldsOf(table);
      const store = this.tables.store(table);
      const slot = this.slotOf[n] ?? -1;
      if (fromClient > 0 && f.bytesInCnt !== undefined) store.addUll(slot, f.bytesInCnt.field, fromClient);
      if (toClient > 0 && f.bytesOutCnt !== undefined) store.addUll(slot, f.bytesOutCnt.field, toClient);
      if (fromClient > 0) this.rate(f.bytesInRate, table, slot, fromClient, now);
      if (toClient > 0) this.rate(f.bytesOutRate, table, slot, toClient, now);
      store.touch(slot, now);
    }
  }

  /**
   * `sc-inc-gpc0(N)`, `sc-inc-gpc(idx,N)` and the sc_inc_gpc* fetches on scN: the rate first, then the counter.
   * Returns the counter's new value (the rate's current count when only the rate is stored, 0 when neither is),
   * or -1 when scN tracks nothing.
   */
  incGpc(n: number, idx: number, now = stickNow()): number {
    const table = this.tableOf[n] ?? -1;
    if (table < 0) return -1;
    const store = this.tables.store(table);
    const slot = this.slotOf[n] ?? -1;
    const counter = gpcRef(store.layout, idx);
    const rate = gpcRateRef(store.layout, idx);
    let value = 0;
    if (rate !== undefined) value = store.updateRate(slot, rate.field, 1, now, rate.idx);
    if (counter !== undefined) value = store.addUint(slot, counter.field, 1, counter.idx);
    if (counter !== undefined || rate !== undefined) store.touch(slot, now);
    return value;
  }

  /** `sc-set-gpt0(N) value` / `sc-set-gpt(idx,N)`: true when scN tracks an entry that stores the tag. */
  setGpt(n: number, idx: number, value: number, now = stickNow()): boolean {
    const table = this.tableOf[n] ?? -1;
    if (table < 0) return false;
    const store = this.tables.store(table);
    const tag = gptRef(store.layout, idx);
    if (tag === undefined) return false;
    const slot = this.slotOf[n] ?? -1;
    store.storeWord(slot, tag.field, value, tag.idx);
    store.touch(slot, now);
    return true;
  }

  /** The current stream (request) ended: its content-level trackers stop (conn_cur - 1, entry touched). */
  endStream(now = stickNow()): void {
    for (let n = 0; n < MAX_TRACKERS; n++) if (this.levelOf[n] === TrackLevel.CONTENT) this.stop(n, now);
  }

  /** The connection ended: every tracker stops. */
  endSession(now = stickNow()): void {
    for (let n = 0; n < MAX_TRACKERS; n++) this.stop(n, now);
  }

  private stop(n: number, now: number): void {
    const table = this.tableOf[n] ?? -1;
    if (table < 0) return;
    this.tables.store(table).untrack(this.slotOf[n] ?? -1, now);
    this.tableOf[n] = -1;
    this.slotOf[n] = -1;
    this.levelOf[n] = 0;
  }

  /** One event on scN's entry: the counter + 1, the rate + 1, and the entry touched (HAProxy's touch_local). */
  private bump(n: number, count: FieldRef | undefined, rate: FieldRef | undefined, now: number): void {
    const table = this.tableOf[n] ?? -1;
    const slot = this.slotOf[n] ?? -1;
    const store = this.tables.store(table);
    if (count !== undefined) store.addUint(slot, count.field, 1, count.idx);
    if (rate !== undefined) store.updateRate(slot, rate.field, 1, now, rate.idx);
    if (count !== undefined || rate !== undefined) store.touch(slot, now);
  }

  private rate(ref: FieldRef | undefined, table: number, slot: number, inc: number, now: number): void {
    if (ref !== undefined) this.tables.store(table).updateRate(slot, ref.field, inc, now, ref.idx);
  }
}
