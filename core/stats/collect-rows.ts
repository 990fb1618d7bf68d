// The collector: Config + shared buffer → StatSnapshot rows, as HAProxy 2.6's `show stat` / `;csv` lists them: one
// proxy after the other in configuration order, each with its FRONTEND row, its server rows and its BACKEND row.
// Cells orcalb does not count stay empty (as HAProxy leaves cells that do not apply), never an invented 0.
// Runs on the stats thread (reads only, Atomics.load through the slots); allocates per call, never on a hot path.

import { withRuntimeAddress, hasNoAddress } from '../shared/server-address.js';
import type { BackendConfig, Config, FrontendConfig, ServerConfig } from '../../config/model.js';
import { proxiesInConfigOrder, type ProxyEntry } from '../diagnostics/proxy-list.js';
import { checkStatusOfCode, CHECK_STATUS, hasLayer7Code } from '../health/check-status.js';
import { ServerState } from '../shared/layout.js';
import type { SharedState } from '../shared/state-buffer.js';
import { readRate, readTimeAverage } from '../shared/stat-counters.js';
import { serverSlotIndex, type Topology } from '../shared/topology.js';
import { stickNow } from '../stick/stick-clock.js';
import { COL, MODULE_COL, MODULE_COLUMNS, STAT_COLUMNS, StatType, type StatRow, type StatValue } from './stat-columns.js';
import { AdminFlag, backendStatus, serverStatus } from './status-text.js';
import { serverId } from '../shared/server-slots.js';
import { settleStats } from './settle-stats.js';

/** What the collector reads besides the buffer. */
export interface CollectSource {
  readonly config: Config;
  readonly state: SharedState;
  readonly topology: Topology;
}

/** HAProxy numbers proxies from 2 in configuration order (uid 1 is taken by its internal CLI proxy; measured). */
const FIRST_PROXY_ID = 2;

/** One proxy with its HAProxy id, for the collector and the renderers' `scope` filters. */
export interface StatProxy extends ProxyEntry {
  readonly iid: number;
}

/** The proxies in configuration order with their ids. Pure. */
export function statProxies(config: Config): StatProxy[] {
  return proxiesInConfigOrder(config).map((p, i) => ({ ...p, iid: FIRST_PROXY_ID + i }));
}

/**
 * Every row of `proxies` (default: all), in HAProxy's order. `nowSec` is the unix time the ages (lastchg, downtime)
 * are measured at. Reads the buffer with Atomics loads; a row may mix values a few µs apart, as HAProxy's does. First
 * waits (briefly, bounded) for the forwarders' batched stats (core/shared/stat-batch.ts): stats thread only.
 */
export function collectRows(src: CollectSource, proxies: readonly StatProxy[], nowSec: number, legends = false): StatRow[] {
  settleStats(src.state);
  const rows: StatRow[] = [];
  const tick = stickNow();
  for (const p of proxies) {
    const fe = p.frontend === undefined ? undefined : src.config.frontends[p.frontend];
    const be = p.backend === undefined ? undefined : src.config.backends[p.backend];
    if (fe !== undefined && p.frontend !== undefined) rows.push(frontendRow(src, fe, p.frontend, p.iid, tick));
    if (be !== undefined && p.backend !== undefined) {
      const b = p.backend;
      be.servers.forEach((srv, s) => {
        if (srv.retired === true) return; // a slot `del server` freed
        const row = serverRow(src, be, b, srv, s, p.iid, nowSec, tick);
        // `stats show-legends`: the server's address and cookie (HAProxy fills them only then, measured on 2.6.12).
        const slot = src.state.server(serverSlotIndex(src.topology, b, s));
        if (legends && !hasNoAddress(slot, srv)) legendCells(row.values as StatValue[], withRuntimeAddress(slot, srv));
        rows.push(row);
      });
      const row = backendRow(src, be, b, p.iid, nowSec, tick);
      if (legends) (row.values as StatValue[])[COL.algo] = be.balance.algorithm;
      rows.push(row);
    }
  }
  return rows;
}

function emptyRow(): StatValue[] {
  return new Array<StatValue>(STAT_COLUMNS.length).fill(undefined);
}

/** Module cells: HAProxy fills every module for proxies, only the SSL module's for servers. */
function moduleCells(server: boolean): StatValue[] {
  return MODULE_COLUMNS.map((_, i) => (server && i >= 3 ? undefined : 0));
}

/** The hrsp_* cells and req_tot of a record that has them. */
function httpCells(v: StatValue[], slot: { load(f: 'hrsp1xx' | 'hrsp2xx' | 'hrsp3xx' | 'hrsp4xx' | 'hrsp5xx' | 'hrspOther' | 'reqTot'): number }): void {
  v[COL.hrsp_1xx] = slot.load('hrsp1xx');
  v[COL.hrsp_2xx] = slot.load('hrsp2xx');
  v[COL.hrsp_3xx] = slot.load('hrsp3xx');
  v[COL.hrsp_4xx] = slot.load('hrsp4xx');
  v[COL.hrsp_5xx] = slot.load('hrsp5xx');
  v[COL.hrsp_other] = slot.load('hrspOther');
  v[COL.req_tot] = slot.load('reqTot');
}

type TimeWord = 'qtimeSum' | 'ctimeSum' | 'rtimeSum' | 'ttimeSum' | 'timeSamples' | 'qtimeMax' | 'ctimeMax' | 'rtimeMax' | 'ttimeMax';

/** qtime/ctime/rtime/ttime (sliding averages, ms) and their maxima, from a server's or backend's words. */
function timeCells(v: StatValue[], slot: { readonly words: Int32Array; at(f: TimeWord): number; add(f: TimeWord, d: number): number; load(f: TimeWord): number }): void {
  v[COL.qtime] = readTimeAverage(slot, 'qtimeSum', 'timeSamples');
  v[COL.ctime] = readTimeAverage(slot, 'ctimeSum', 'timeSamples');
  v[COL.rtime] = readTimeAverage(slot, 'rtimeSum', 'timeSamples');
  v[COL.ttime] = readTimeAverage(slot, 'ttimeSum', 'timeSamples');
  v[COL.qtime_max] = slot.load('qtimeMax');
  v[COL.ctime_max] = slot.load('ctimeMax');
  v[COL.rtime_max] = slot.load('rtimeMax');
  v[COL.ttime_max] = slot.load('ttimeMax');
}

type FlowWord =
  | 'connectErrors' | 'responseErrors' | 'retries' | 'redispatches' | 'ratetick' | 'rateMax' | 'lastSessMs'
  | 'clientAborts' | 'serverAborts' | 'internalErrors';

/**
 * The cells a server row and a backend row fill alike from their own words: connect/response errors, retries,
 * redispatches, session rate, the HTTP counters (http mode), lastsess, the time averages, aborts, eint and mode.
 */
function flowCells(
  v: StatValue[],
  slot: Parameters<typeof httpCells>[1] & Parameters<typeof timeCells>[1] & { readonly words: Int32Array; at(f: FlowWord): number; load(f: FlowWord): number },
  mode: string,
  tick: number,
): void {
  v[COL.econ] = slot.load('connectErrors');
  v[COL.eresp] = slot.load('responseErrors');
  v[COL.wretr] = slot.load('retries');
  v[COL.wredis] = slot.load('redispatches');
  v[COL.rate] = readRate(slot, 'ratetick', tick);
  v[COL.rate_max] = slot.load('rateMax');
  if (mode === 'http') httpCells(v, slot);
  v[COL.lastsess] = lastSess(slot.load('lastSessMs'), tick);
  timeCells(v, slot);
  v[COL.cli_abrt] = slot.load('clientAborts');
  v[COL.srv_abrt] = slot.load('serverAborts');
  v[COL.eint] = slot.load('internalErrors');
  v[COL.mode] = mode;
}

function legendCells(v: StatValue[], srv: ServerConfig): void {
  const host = srv.address.includes(':') ? `[${srv.address}]` : srv.address;
  v[COL.addr] = `${host}:${srv.port}`;
  if (srv.cookie !== undefined) v[COL.cookie] = srv.cookie;
}

/** HAProxy's lastsess: seconds since the last session, -1 for never. */
function lastSess(tickMs: number, now: number): number {
  return tickMs === 0 ? -1 : Math.max(0, Math.floor(((now - tickMs) | 0) / 1000));
}

function frontendRow(src: CollectSource, fe: FrontendConfig, f: number, iid: number, tick: number): StatRow {
  const slot = src.state.frontend(f);
  const v = emptyRow();
  const http = fe.mode === 'http';
  v[COL.pxname] = fe.name;
  v[COL.svname] = 'FRONTEND';
  v[COL.scur] = slot.load('curConns');
  v[COL.smax] = slot.load('maxConns');
  v[COL.slim] = src.state.frontend(f).load('maxconn');
  // stot counts sessions: a connection its connection rules refused never became one (conn_tot counts it).
  v[COL.stot] = slot.load('totalConns') - slot.load('deniedConn');
  v[COL.bin] = slot.loadWide('bytesIn');
  v[COL.bout] = slot.loadWide('bytesOut');
  if (http) v[COL.ereq] = slot.load('requestErrors');
  v[COL.dreq] = slot.load('deniedReq');
  v[COL.dcon] = slot.load('deniedConn');
  v[COL.dses] = slot.load('deniedSess');
  const rate = readRate(slot, 'sessRatetick', tick);
  v[COL.rate] = rate;
  v[COL.rate_lim] = 0;
  v[COL.rate_max] = slot.load('sessRateMax');
  if (http) {
    httpCells(v, slot);
    v[COL.req_rate] = readRate(slot, 'reqRatetick', tick);
    v[COL.req_rate_max] = slot.load('reqRateMax');
  }
  if (http) v[COL.intercepted] = slot.load('intercepted');
  v[COL.conn_rate] = rate;
  v[COL.conn_rate_max] = slot.load('sessRateMax');
  // `disable frontend` (runtime API) shows PAUSED, as haproxy 2.6.12.
  const paused = slot.load('adminPaused') === 1;
  v[COL.status] = fe.disabled || src.state.loadGlobal('stopping') === 1 ? 'STOP' : paused ? 'PAUSED' : 'OPEN';
  v[COL.pid] = 1;
  v[COL.iid] = iid;
  v[COL.sid] = 0;
  v[COL.type] = StatType.FRONTEND;
  v[COL.mode] = fe.mode;
  v[COL.conn_tot] = slot.load('totalConns');
  const modules = moduleCells(false);
  // The SSL module's counters (ssl binds' handshakes, core/tls/tls-front.ts).
  modules[MODULE_COL.ssl_sess] = slot.load('sslSess');
  modules[MODULE_COL.ssl_reused_sess] = slot.load('sslReusedSess');
  modules[MODULE_COL.ssl_failed_handshake] = slot.load('sslFailedHandshake');
  return { values: v, modules };
}

function serverRow(src: CollectSource, be: BackendConfig, b: number, srv: ServerConfig, s: number, iid: number, nowSec: number, tick: number): StatRow {
  const slot = src.state.server(serverSlotIndex(src.topology, b, s));
  const state = slot.load('state');
  const health = slot.load('health');
  const admin = slot.load('adminState');
  // `dhlth` hides the check columns, as HAProxy's disabled check does.
  const checked = srv.check && (admin & AdminFlag.NOCHECK) === 0;
  const v = emptyRow();
  v[COL.pxname] = be.name;
  v[COL.svname] = srv.name;
  v[COL.qcur] = slot.load('queued');
  v[COL.qmax] = slot.load('maxQueued');
  v[COL.scur] = slot.load('curConns');
  v[COL.smax] = slot.load('maxConnsSeen');
  const maxconn = slot.load('maxconn');
  if (maxconn > 0) v[COL.slim] = maxconn;
  v[COL.stot] = slot.load('totalConns');
  v[COL.bin] = slot.loadWide('bytesIn');
  v[COL.bout] = slot.loadWide('bytesOut');
  v[COL.status] = serverStatus({ state, admin, health, check: srv.check && !be.disabled, rise: srv.rise, fall: srv.fall });
  // A drained (or NOLB) server takes no new traffic through weight 0, but HAProxy still shows its weight.
  v[COL.weight] = (admin & (AdminFlag.DRAIN | AdminFlag.NOLB)) !== 0 ? slot.load('userWeight') : slot.load('effectiveWeight');
  v[COL.act] = srv.backup ? 0 : 1;
  v[COL.bck] = srv.backup ? 1 : 0;
  const lastChange = slot.load('lastChangeSec');
  v[COL.lastchg] = Math.max(0, nowSec - lastChange);
  if (srv.check) {
    v[COL.chkfail] = slot.load('checkFails');
    v[COL.chkdown] = slot.load('downTransitions');
    const downNow = state === ServerState.DOWN ? Math.max(0, nowSec - lastChange) : 0;
    v[COL.downtime] = slot.load('downtimeSec') + downNow;
  }
  if (srv.maxqueue > 0) v[COL.qlimit] = srv.maxqueue;
  v[COL.pid] = 1;
  v[COL.iid] = iid;
  v[COL.sid] = serverId(srv, s);
  v[COL.type] = StatType.SERVER;
  flowCells(v, slot, be.mode, tick);
  if (checked && state !== ServerState.MAINT) {
    const st = checkStatusOfCode(slot.load('checkStatus'));
    // HAProxy prefixes a check still running with '* '; orcalb publishes finished checks only.
    v[COL.check_status] = st.name;
    if (st.code !== CHECK_STATUS.INI.code) v[COL.check_duration] = slot.load('checkDurationMs');
    if (hasLayer7Code(st)) v[COL.check_code] = slot.load('checkCode');
    v[COL.check_desc] = st.desc;
  }
  if (checked) {
    v[COL.check_rise] = srv.rise;
    v[COL.check_fall] = srv.fall;
    v[COL.check_health] = health;
  }
  // HAProxy's uweight: the weight the runtime API last set (`set weight`), the config's until then.
  v[COL.uweight] = slot.load('userWeight');
  return { values: v, modules: moduleCells(true) };
}

function backendRow(src: CollectSource, be: BackendConfig, b: number, iid: number, nowSec: number, tick: number): StatRow {
  const slot = src.state.backend(b);
  const v = emptyRow();
  let bin = 0n;
  let bout = 0n;
  let weight = 0;
  let uweight = 0;
  be.servers.forEach((srv, s) => {
    const sv = src.state.server(serverSlotIndex(src.topology, b, s));
    bin += sv.loadWide('bytesIn');
    bout += sv.loadWide('bytesOut');
    // HAProxy's backend weight and uweight sum the servers taking traffic now (a server down, in maintenance or
    // drained adds nothing to either; measured on 2.6.12: 3/3 with one of four servers in MAINT).
    const effective = sv.load('state') === ServerState.UP && !srv.backup ? sv.load('effectiveWeight') : 0;
    weight += effective;
    if (effective > 0) uweight += sv.load('userWeight');
  });
  const act = slot.load('activeServers');
  const bck = slot.load('backupServers');
  v[COL.pxname] = be.name;
  v[COL.svname] = 'BACKEND';
  v[COL.qcur] = slot.load('queued');
  v[COL.qmax] = slot.load('maxQueued');
  v[COL.scur] = slot.load('curConns');
  v[COL.smax] = slot.load('maxConns');
  v[COL.slim] = be.maxconn;
  // HTTP: each request is a session of the backend (HAProxy's streams), denied or without a server included.
  const http = be.mode === 'http';
  v[COL.stot] = http ? slot.load('reqTot') : slot.load('totalConns');
  v[COL.bin] = http ? slot.loadWide('bytesIn') : bin;
  v[COL.bout] = http ? slot.loadWide('bytesOut') : bout;
  v[COL.dreq] = slot.load('deniedReq');
  v[COL.status] = backendStatus(be.servers.filter((srv) => srv.retired !== true).length, act + bck);
  v[COL.weight] = weight;
  v[COL.act] = act;
  v[COL.bck] = bck;
  const lastChange = slot.load('lastChangeSec');
  if (lastChange > 0) v[COL.lastchg] = Math.max(0, nowSec - lastChange);
  v[COL.chkdown] = slot.load('downTransitions');
  if (be.servers.length > 0) {
    const downNow = act + bck === 0 && lastChange > 0 ? Math.max(0, nowSec - lastChange) : 0;
    v[COL.downtime] = slot.load('downtimeSec') + downNow;
  }
  v[COL.pid] = 1;
  v[COL.iid] = iid;
  v[COL.sid] = 0;
  v[COL.type] = StatType.BACKEND;
  flowCells(v, slot, be.mode, tick);
  v[COL.uweight] = uweight;
  return { values: v, modules: moduleCells(false) };
}
