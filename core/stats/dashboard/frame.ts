// One dashboard frame: the stats snapshot (and the extra source) turned into what the page draws — per-proxy and
// per-server state, sessions, rates, latency averages, DolphinDB load scores and (option dolphindb-inspect) each
// node's calls per second and their mean latency, per-thread load — serialised with
// fast-json-stringify against one schema. Rates are counter differences between two ticks divided by the time
// between them, so they do not depend on which HAProxy rate columns the collector fills.
// Stats thread, once per tick (never per client): allocation here is per second, not per request.

import buildSerializer from 'fast-json-stringify';
import { COL, INFO, StatType, type StatRow, type StatSnapshot, type StatValue } from '../stat-columns.js';
import type { DashboardExtra } from './dashboard-types.js';
import { LOAD_SCORE } from '../../dolphindb/load-score.js';

const NUM = { type: 'number', nullable: true } as const;
const STR = { type: 'string' } as const;

/** The columns a frame carries for a proxy row (frontend or backend) and a server row. */
const ROW_SCHEMA = {
  type: 'object',
  properties: {
    px: STR, sv: STR, type: STR, status: STR, state: STR, weight: NUM, scur: NUM, slim: NUM, qcur: NUM,
    sessRate: NUM, reqRate: NUM, errRate: NUM, h5xxRate: NUM, binRate: NUM, boutRate: NUM,
    qtime: NUM, ctime: NUM, rtime: NUM, ttime: NUM, ttimeMax: NUM, stot: NUM,
    checkStatus: STR, checkDuration: NUM, lastchg: NUM, downtime: NUM, act: NUM, bck: NUM, score: NUM,
    ddbRate: NUM, ddbMs: NUM,
  },
} as const;

const FRAME_SCHEMA = {
  title: 'orcalb dashboard frame',
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    t: { type: 'number' },
    periodMs: { type: 'number' },
    info: {
      type: 'object',
      properties: { name: STR, version: STR, node: STR, uptimeSec: NUM, currConns: NUM, cumReq: NUM, nbthread: NUM },
    },
    rows: { type: 'array', items: ROW_SCHEMA },
    threads: {
      type: 'array',
      items: { type: 'object', properties: { name: STR, connections: NUM, connRate: NUM, busy: NUM } },
    },
  },
} as const;

/** A frame row; `null` where the snapshot leaves the cell empty or a rate has no previous tick yet. */
export interface FrameRow {
  px: string;
  sv: string;
  /** 'FRONTEND' | 'BACKEND' | 'SERVER'. */
  type: string;
  /** HAProxy's status cell as is (`UP`, `UP 1/3`, `DOWN`, `MAINT`, `no check`, `OPEN`…). */
  status: string;
  /** The status's first word, upper-cased, for colours and event detection (`UP`, `DOWN`, `NOCHECK`…). */
  state: string;
  weight: number | null; scur: number | null; slim: number | null; qcur: number | null;
  sessRate: number | null; reqRate: number | null; errRate: number | null; h5xxRate: number | null;
  binRate: number | null; boutRate: number | null;
  qtime: number | null; ctime: number | null; rtime: number | null; ttime: number | null; ttimeMax: number | null;
  stot: number | null;
  checkStatus: string; checkDuration: number | null; lastchg: number | null; downtime: number | null;
  act: number | null; bck: number | null;
  /** DolphinDB load score (0..2.5), null for no reading or not a dolphindb-load server; -1 for a failed reading. */
  score: number | null;
  /**
   * option dolphindb-inspect (issue 16): the node's DolphinDB calls per second since the previous tick, and their
   * mean latency in ms (null for a node that is not inspected, before a previous tick, or with no call in between).
   */
  ddbRate: number | null;
  ddbMs: number | null;
}

/** A thread's cumulative figures at the previous tick. */
interface ThreadTotals {
  readonly conns: number;
  readonly cpu: number | undefined;
}

export interface FrameThread {
  name: string;
  connections: number | null;
  connRate: number | null;
  /** CPU seconds per second over the last tick (1 = one core busy); null without CPU figures. */
  busy: number | null;
}

export interface Frame {
  seq: number;
  t: number;
  periodMs: number;
  info: {
    name: string; version: string; node: string;
    uptimeSec: number | null; currConns: number | null; cumReq: number | null; nbthread: number | null;
  };
  rows: FrameRow[];
  threads: FrameThread[];
}

/** The frame's JSON Schema (exported for the tests that check frames against it). */
export const FRAME_JSON_SCHEMA = FRAME_SCHEMA;

const ROW_TYPE_NAMES: Readonly<Record<number, string>> = {
  [StatType.FRONTEND]: 'FRONTEND', [StatType.BACKEND]: 'BACKEND', [StatType.SERVER]: 'SERVER',
};

function num(v: StatValue): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function str(v: StatValue): string {
  return v === undefined ? '' : String(v);
}

/** `UP 1/3` → `UP`, `no check` → `NOCHECK`, `MAINT (via x/y)` → `MAINT`. */
export function stateOf(status: string): string {
  if (status.startsWith('no check')) return 'NOCHECK';
  const space = status.indexOf(' ');
  return (space < 0 ? status : status.slice(0, space)).toUpperCase();
}

/** Sum of cells, null when every one is empty. */
function sum(row: StatRow, cols: readonly number[]): number | null {
  let total: number | null = null;
  for (const c of cols) {
    const v = num(row.values[c]);
    if (v !== null) total = (total ?? 0) + v;
  }
  return total;
}

const ERR_COLS = [COL.ereq, COL.econ, COL.eresp] as const;
const HRSP_COLS = [COL.hrsp_1xx, COL.hrsp_2xx, COL.hrsp_3xx, COL.hrsp_4xx, COL.hrsp_5xx, COL.hrsp_other] as const;

/**
 * The cumulative counters a row's rates come from, in this order: sessions (stot), requests (req_tot, else the
 * sum of hrsp_*), errors (ereq + econ + eresp), 5xx responses, bytes in, bytes out.
 */
function counters(row: StatRow): (number | null)[] {
  return [
    num(row.values[COL.stot]),
    num(row.values[COL.req_tot]) ?? sum(row, HRSP_COLS),
    sum(row, ERR_COLS),
    num(row.values[COL.hrsp_5xx]),
    num(row.values[COL.bin]),
    num(row.values[COL.bout]),
  ];
}

/**
 * Builds frames: keeps the previous tick's counters per row (keyed by type/proxy/server, so a reload that reorders
 * rows keeps its rates right) and serialises each frame once. One per dashboard; stats thread.
 */
export class FrameBuilder {
  private readonly serialize = buildSerializer(FRAME_SCHEMA);
  private previous = new Map<string, (number | null)[]>();
  private previousThreads = new Map<number, ThreadTotals>();
  /** Per `proxy/server` of an inspected backend: its exchanges and their latency sum (s) at the previous tick. */
  private previousDdb = new Map<string, readonly [number, number]>();
  private previousAt = 0;
  private seq = 0;

  private readonly periodMs: number;
  private readonly hideVersion: boolean;

  /** `hideVersion`: `stats hide-version`, frames carry no version. */
  constructor(periodMs: number, hideVersion = false) {
    this.periodMs = periodMs;
    this.hideVersion = hideVersion;
  }

  /** Forgets the previous tick (the ticker stopped while no client was connected): the next frame has no rates. */
  reset(): void {
    this.previous = new Map();
    this.previousThreads = new Map();
    this.previousDdb = new Map();
    this.previousAt = 0;
  }

  /** The frame for `snap` at `now` (ms, Date.now()). Allocates the frame; never throws on odd cells. */
  build(snap: StatSnapshot, extra: DashboardExtra | undefined, now: number): Frame {
    const dt = this.previousAt > 0 ? (now - this.previousAt) / 1000 : 0;
    const scores = new Map<string, number>();
    for (const n of extra?.dolphindbNodes ?? []) scores.set(`${n.proxy}/${n.server}`, n.loadScore);
    const ddbNow = new Map<string, readonly [number, number]>();
    for (const n of extra?.dolphindbRequests ?? []) ddbNow.set(`${n.proxy}/${n.node}`, [n.buckets.reduce((a, b) => a + b, 0), n.sumSeconds]);
    const next = new Map<string, (number | null)[]>();
    const rows: FrameRow[] = [];
    for (const row of snap.rows) {
      const typeName = ROW_TYPE_NAMES[num(row.values[COL.type]) ?? -1];
      if (typeName === undefined) continue; // listeners: the page draws proxies and servers
      const px = str(row.values[COL.pxname]);
      const sv = str(row.values[COL.svname]);
      const key = `${typeName}\u0000${px}\u0000${sv}`;
      const now_ = counters(row);
      next.set(key, now_);
      const before = this.previous.get(key);
      const rate = (i: number): number | null => {
        const a = before?.[i];
        const b = now_[i];
        if (dt <= 0 || a === null || a === undefined || b === null || b === undefined || b < a) return null;
        return (b - a) / dt;
      };
      const status = str(row.values[COL.status]);
      const raw = typeName === 'SERVER' ? scores.get(`${px}/${sv}`) : undefined;
      const ddb = typeName === 'SERVER' ? ddbNow.get(`${px}/${sv}`) : undefined;
      const ddbBefore = ddb === undefined ? undefined : this.previousDdb.get(`${px}/${sv}`);
      const calls = ddb !== undefined && ddbBefore !== undefined && dt > 0 ? ddb[0] - ddbBefore[0] : -1;
      rows.push({
        px, sv, type: typeName, status, state: stateOf(status),
        weight: num(row.values[COL.weight]), scur: num(row.values[COL.scur]), slim: num(row.values[COL.slim]),
        qcur: num(row.values[COL.qcur]),
        sessRate: rate(0), reqRate: rate(1), errRate: rate(2), h5xxRate: rate(3), binRate: rate(4), boutRate: rate(5),
        qtime: num(row.values[COL.qtime]), ctime: num(row.values[COL.ctime]), rtime: num(row.values[COL.rtime]),
        ttime: num(row.values[COL.ttime]), ttimeMax: num(row.values[COL.ttime_max]), stot: now_[0] ?? null,
        checkStatus: str(row.values[COL.check_status]), checkDuration: num(row.values[COL.check_duration]),
        lastchg: num(row.values[COL.lastchg]), downtime: num(row.values[COL.downtime]),
        act: num(row.values[COL.act]), bck: num(row.values[COL.bck]),
        score: raw === undefined || raw === LOAD_SCORE.noReading ? null : raw === LOAD_SCORE.failed ? -1 : raw / 1000,
        ddbRate: calls < 0 ? null : calls / dt,
        ddbMs: calls > 0 ? ((ddb as readonly [number, number])[1] - (ddbBefore as readonly [number, number])[1]) * 1000 / calls : null,
      });
    }
    const threads: FrameThread[] = [];
    const nextThreads = new Map<number, ThreadTotals>();
    for (const th of extra?.threads ?? []) {
      const cpu = th.cpuUserSeconds === undefined && th.cpuSystemSeconds === undefined ? undefined
        : (th.cpuUserSeconds ?? 0) + (th.cpuSystemSeconds ?? 0);
      nextThreads.set(th.thread, { conns: th.connectionsTotal, cpu });
      const before = this.previousThreads.get(th.thread);
      const ok = dt > 0 && before !== undefined;
      threads.push({
        name: `forwarder ${th.thread}`,
        connections: th.currentConnections,
        connRate: ok && th.connectionsTotal >= before.conns ? (th.connectionsTotal - before.conns) / dt : null,
        busy: ok && cpu !== undefined && before.cpu !== undefined && cpu >= before.cpu ? (cpu - before.cpu) / dt : null,
      });
    }
    this.previous = next;
    this.previousThreads = nextThreads;
    this.previousDdb = ddbNow;
    this.previousAt = now;
    const info = snap.info;
    return {
      seq: ++this.seq,
      t: now,
      periodMs: this.periodMs,
      info: {
        name: str(info[INFO.Name]), version: this.hideVersion ? '' : str(info[INFO.Version]), node: str(info[INFO.node]),
        uptimeSec: num(info[INFO.Uptime_sec]), currConns: num(info[INFO.CurrConns]), cumReq: num(info[INFO.CumReq]),
        nbthread: num(info[INFO.Nbthread]),
      },
      rows,
      threads,
    };
  }

  /** The frame's JSON text (fast-json-stringify, compiled once per builder). */
  stringify(frame: Frame): string {
    return this.serialize(frame);
  }
}
