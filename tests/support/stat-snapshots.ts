// Test support: StatSnapshots built in memory, for the renderers' tests and benchmarks that need a shape no haproxy
// run gives cheaply (100 proxies × 20 servers, hostile names, odd cells). Rows are filled the way haproxy 2.6.12's
// `show stat` fills them for an http proxy with checked servers; snapshotFromHaproxy (haproxy-stats.ts) is the one
// that reads a real haproxy. Test-runner thread (or a benchmark's).

import {
  COL, INFO, INFO_FIELDS, type InfoField, MODULE_COLUMNS, STAT_COLUMNS, StatType, type StatColumn, type StatRow, type StatSnapshot, type StatValue,
} from '../../core/stats/stat-columns.js';

/** A row of `type` for proxy `px`, service `sv`, every counter column 0, then `cells` over it. */
export function statRowOf(px: string, sv: string, type: number, cells: Partial<Record<StatColumn, StatValue>> = {}): StatRow {
  const values = new Array<StatValue>(STAT_COLUMNS.length).fill(undefined);
  const counters: StatColumn[] = [
    'qcur', 'qmax', 'scur', 'smax', 'slim', 'stot', 'bin', 'bout', 'dreq', 'dresp', 'ereq', 'econ', 'eresp', 'wretr',
    'wredis', 'weight', 'act', 'bck', 'chkfail', 'chkdown', 'lastchg', 'downtime', 'lbtot', 'rate', 'rate_lim',
    'rate_max', 'hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx', 'hrsp_other', 'req_tot', 'cli_abrt',
    'srv_abrt', 'comp_in', 'comp_out', 'comp_byp', 'comp_rsp', 'lastsess', 'qtime', 'ctime', 'rtime', 'ttime',
    'conn_rate', 'conn_rate_max', 'conn_tot', 'intercepted', 'dcon', 'dses', 'wrew', 'connect', 'reuse',
    'cache_lookups', 'cache_hits', 'srv_icur', 'qtime_max', 'ctime_max', 'rtime_max', 'ttime_max', 'eint',
    'idle_conn_cur', 'safe_conn_cur', 'used_conn_cur', 'need_conn_est', 'uweight',
  ];
  for (const c of counters) values[COL[c]] = 0;
  values[COL.pxname] = px;
  values[COL.svname] = sv;
  values[COL.type] = type;
  values[COL.mode] = 'http';
  for (const [c, v] of Object.entries(cells) as Array<[StatColumn, StatValue]>) values[COL[c]] = v;
  return { values, modules: new Array<StatValue>(MODULE_COLUMNS.length).fill(undefined) };
}

/** `show info` filled with small integers (Build info and Version as 2.6.12 prints them), then `fields` over it. */
export function infoRowOf(fields: Partial<Record<InfoField, StatValue>> = {}): StatValue[] {
  const info = INFO_FIELDS.map((_, i) => i as StatValue);
  info[INFO.Version] = '2.6.12-1+deb12u4';
  info[INFO['Build info']] = '2.6.12-1+deb12u4';
  for (const [name, value] of Object.entries(fields) as Array<[InfoField, StatValue]>) info[INFO[name]] = value;
  return info;
}

/**
 * `proxies` http proxies named `px<i>` (or `name(i)`), each with a FRONTEND, `servers` checked servers `s<j>` (UP, every 7th DOWN,
 * every 11th MAINT) and a BACKEND, counters varied so values differ line to line.
 */
export function syntheticSnapshot(proxies: number, servers: number, name: (i: number) => string = (i) => `px${i}`): StatSnapshot {
  const rows: StatRow[] = [];
  for (let p = 0; p < proxies; p++) {
    const px = name(p);
    rows.push(statRowOf(px, 'FRONTEND', StatType.FRONTEND, { status: 'OPEN', stot: p * 1000, hrsp_2xx: p * 900 }));
    for (let s = 0; s < servers; s++) {
      const status = s % 11 === 10 ? 'MAINT' : s % 7 === 6 ? 'DOWN' : 'UP';
      rows.push(
        statRowOf(px, `s${s}`, StatType.SERVER, {
          status, check_status: status === 'DOWN' ? 'L4CON' : 'L7OK', check_code: status === 'DOWN' ? undefined : 200,
          check_duration: s % 3, stot: p * 50 + s, bin: BigInt(p * 1e6 + s), hrsp_2xx: p + s, rtime: s, slim: undefined,
        }),
      );
    }
    rows.push(statRowOf(px, 'BACKEND', StatType.BACKEND, { status: 'UP', stot: p * 1000, act: servers }));
  }
  return { info: infoRowOf(), rows };
}
