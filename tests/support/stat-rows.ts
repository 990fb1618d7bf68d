// Test support: StatRow/StatSnapshot values built by hand (core/stats/stat-columns.ts), for renderer tests that need
// rows no running haproxy produces (hostile names, a hundred proxies) and for the render micro-benchmark.
// Test-runner thread.

import {
  COL, INFO, INFO_FIELDS, type InfoField, MODULE_COLUMNS, STAT_COLUMNS, type StatColumn, type StatRow, type StatSnapshot,
  StatType, type StatValue,
} from '../../core/stats/stat-columns.js';

/** A row with `fields` set and every other column empty. */
export function statRowOf(fields: Partial<Record<StatColumn, StatValue>>): StatRow {
  const values = new Array<StatValue>(STAT_COLUMNS.length).fill(undefined);
  for (const [name, value] of Object.entries(fields)) values[COL[name as StatColumn]] = value;
  return { values, modules: new Array<StatValue>(MODULE_COLUMNS.length).fill(undefined) };
}

/** An info row with `fields` set. */
export function infoRowOf(fields: Partial<Record<InfoField, StatValue>>): StatValue[] {
  const info = new Array<StatValue>(INFO_FIELDS.length).fill(undefined);
  for (const [name, value] of Object.entries(fields)) info[INFO[name as InfoField]] = value;
  return info;
}

const COUNTERS: Partial<Record<StatColumn, StatValue>> = {
  qcur: 0, qmax: 0, scur: 3, smax: 40, stot: 123456, bin: 98765432, bout: 1234567890, dresp: 0, econ: 1, eresp: 2,
  wretr: 0, wredis: 0, rate: 12, rate_max: 340, hrsp_1xx: 0, hrsp_2xx: 120000, hrsp_3xx: 400, hrsp_4xx: 3000,
  hrsp_5xx: 56, hrsp_other: 0, req_tot: 123456, cli_abrt: 1, srv_abrt: 0, connect: 400, reuse: 123056, qtime: 0,
  ctime: 1, rtime: 12, ttime: 15, qtime_max: 3, ctime_max: 9, rtime_max: 800, ttime_max: 950, mode: 'http', lastsess: 0,
};

/** One server row of proxy `px`; `extra` overrides. */
export function serverRow(px: string, sv: string, sid: number, extra: Partial<Record<StatColumn, StatValue>> = {}): StatRow {
  return statRowOf({
    ...COUNTERS, pxname: px, svname: sv, type: StatType.SERVER, iid: 1, sid, status: 'UP', weight: 1, uweight: 1, act: 1,
    bck: 0, chkfail: 0, chkdown: 0, lastchg: 3600, downtime: 0, lbtot: 123456, check_status: 'L7OK', check_code: 200,
    check_duration: 1, check_desc: 'Layer7 check passed', addr: `10.0.0.${sid % 250}:8848`, srv_icur: 2, idle_conn_cur: 2,
    safe_conn_cur: 0, used_conn_cur: 1, need_conn_est: 3, ...extra,
  });
}

/**
 * A snapshot of `proxies` proxies (each a frontend, `servers` servers and a backend), as a busy orcalb would show.
 * `name(i)` names proxy i.
 */
export function syntheticSnapshot(proxies: number, servers: number, name: (i: number) => string = (i) => `px${i}`): StatSnapshot {
  const rows: StatRow[] = [];
  for (let p = 0; p < proxies; p++) {
    const px = name(p);
    rows.push(statRowOf({ ...COUNTERS, pxname: px, svname: 'FRONTEND', type: StatType.FRONTEND, iid: p + 1, status: 'OPEN', slim: 9982, conn_rate: 12, conn_rate_max: 340, conn_tot: 1000 }));
    for (let s = 0; s < servers; s++) rows.push(serverRow(px, `node${s}`, s + 1, { iid: p + 1 }));
    rows.push(statRowOf({ ...COUNTERS, pxname: px, svname: 'BACKEND', type: StatType.BACKEND, iid: p + 1, status: 'UP', weight: servers, uweight: servers, act: servers, bck: 0, chkdown: 0, lastchg: 3600, downtime: 0, algo: 'roundrobin', slim: 999 }));
  }
  const info = infoRowOf({
    Name: 'orcalb', Version: '0.12.0', Release_date: '2026/12/03', Nbthread: 4, Nbproc: 1, Process_num: 1, Pid: 4242,
    Uptime: '0d 1h00m00s', Uptime_sec: 3600, Memmax_MB: 0, 'Ulimit-n': 20000, Maxsock: 20000, Maxconn: 9982, Maxpipes: 0,
    CurrConns: 12, PipesUsed: 0, PipesFree: 0, ConnRate: 30, BytesOutRate: 1500000, Tasks: 40, Run_queue: 1, Idle_pct: 97,
  });
  return { info, rows };
}
