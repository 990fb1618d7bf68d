// HAProxy 2.6's stats model: the CSV/JSON columns of `show stat` and the stats page (`;csv`), in 2.6.12's order,
// and the `show info` fields. The one shared shape between whoever collects figures from the shared buffer
// (core/stats/ collectors) and whoever renders them (HTML page, CSV, JSON, Prometheus, runtime API, dashboard).
// The lists were read off haproxy 2.6.12 (`;csv` header line, `show info` field names); they are facts of the
// format, not code. Pure; any thread.

/** The generic columns, before the `-` separator, in HAProxy 2.6's order. */
export const STAT_COLUMNS = [
  'pxname', 'svname', 'qcur', 'qmax', 'scur', 'smax', 'slim', 'stot', 'bin', 'bout', 'dreq', 'dresp', 'ereq', 'econ',
  'eresp', 'wretr', 'wredis', 'status', 'weight', 'act', 'bck', 'chkfail', 'chkdown', 'lastchg', 'downtime',
  'qlimit', 'pid', 'iid', 'sid', 'throttle', 'lbtot', 'tracked', 'type', 'rate', 'rate_lim', 'rate_max',
  'check_status', 'check_code', 'check_duration', 'hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx',
  'hrsp_other', 'hanafail', 'req_rate', 'req_rate_max', 'req_tot', 'cli_abrt', 'srv_abrt', 'comp_in', 'comp_out',
  'comp_byp', 'comp_rsp', 'lastsess', 'last_chk', 'last_agt', 'qtime', 'ctime', 'rtime', 'ttime', 'agent_status',
  'agent_code', 'agent_duration', 'check_desc', 'agent_desc', 'check_rise', 'check_fall', 'check_health',
  'agent_rise', 'agent_fall', 'agent_health', 'addr', 'cookie', 'mode', 'algo', 'conn_rate', 'conn_rate_max',
  'conn_tot', 'intercepted', 'dcon', 'dses', 'wrew', 'connect', 'reuse', 'cache_lookups', 'cache_hits', 'srv_icur',
  'src_ilim', 'qtime_max', 'ctime_max', 'rtime_max', 'ttime_max', 'eint', 'idle_conn_cur', 'safe_conn_cur',
  'used_conn_cur', 'need_conn_est', 'uweight', 'agg_server_status', 'agg_server_check_status', 'agg_check_status',
] as const;

/**
 * The stats modules' columns HAProxy 2.6 appends after a `-` column (SSL, then HTTP/2, then HTTP/1 module
 * counters), as its `;csv` header prints them.
 */
export const MODULE_COLUMNS = [
  'ssl_sess', 'ssl_reused_sess', 'ssl_failed_handshake', 'h2_headers_rcvd', 'h2_data_rcvd', 'h2_settings_rcvd',
  'h2_rst_stream_rcvd', 'h2_goaway_rcvd', 'h2_detected_conn_protocol_errors', 'h2_detected_strm_protocol_errors',
  'h2_rst_stream_resp', 'h2_goaway_resp', 'h2_open_connections', 'h2_backend_open_streams', 'h2_total_connections',
  'h2_backend_total_streams', 'h1_open_connections', 'h1_open_streams', 'h1_total_connections', 'h1_total_streams',
  'h1_bytes_in', 'h1_bytes_out', 'h1_spliced_bytes_in', 'h1_spliced_bytes_out',
] as const;

export type StatColumn = (typeof STAT_COLUMNS)[number];
export type ModuleColumn = (typeof MODULE_COLUMNS)[number];

function indexOf<T extends readonly string[]>(names: T): Readonly<Record<T[number], number>> {
  const out: Record<string, number> = {};
  names.forEach((n, i) => {
    out[n] = i;
  });
  return out as Record<T[number], number>;
}

/** Column name → index in a StatRow. */
export const COL = indexOf(STAT_COLUMNS);
/** Module column name → index in a StatRow's `modules`. */
export const MODULE_COL = indexOf(MODULE_COLUMNS);

/**
 * One cell. `undefined` is an empty cell: HAProxy leaves a column empty where it does not apply to that row type
 * (or where orcalb cannot fill it, as HAProxy leaves unfilled columns empty). bigint for 64-bit byte counters.
 */
export type StatValue = number | bigint | string | undefined;

/** The `type` column: HAProxy's object types. */
export const StatType = { FRONTEND: 0, BACKEND: 1, SERVER: 2, LISTENER: 3 } as const;
export type StatTypeValue = (typeof StatType)[keyof typeof StatType];

/** One row of `show stat`: a frontend, a listener, a server or a backend. */
export interface StatRow {
  /** Indexed by COL; length STAT_COLUMNS.length. */
  readonly values: readonly StatValue[];
  /** Indexed by MODULE_COL; length MODULE_COLUMNS.length (empty cells where a module does not apply). */
  readonly modules: readonly StatValue[];
}

/** The `show info` fields, in HAProxy 2.6's order (the HTML page's header and the haproxy_process_* metrics). */
export const INFO_FIELDS = [
  'Name', 'Version', 'Release_date', 'Nbthread', 'Nbproc', 'Process_num', 'Pid', 'Uptime', 'Uptime_sec', 'Memmax_MB',
  'PoolAlloc_MB', 'PoolUsed_MB', 'PoolFailed', 'Ulimit-n', 'Maxsock', 'Maxconn', 'Hard_maxconn', 'CurrConns',
  'CumConns', 'CumReq', 'MaxSslConns', 'CurrSslConns', 'CumSslConns', 'Maxpipes', 'PipesUsed', 'PipesFree',
  'ConnRate', 'ConnRateLimit', 'MaxConnRate', 'SessRate', 'SessRateLimit', 'MaxSessRate', 'SslRate', 'SslRateLimit',
  'MaxSslRate', 'SslFrontendKeyRate', 'SslFrontendMaxKeyRate', 'SslFrontendSessionReuse_pct', 'SslBackendKeyRate',
  'SslBackendMaxKeyRate', 'SslCacheLookups', 'SslCacheMisses', 'CompressBpsIn', 'CompressBpsOut',
  'CompressBpsRateLim', 'Tasks', 'Run_queue', 'Idle_pct', 'node', 'Stopping', 'Jobs', 'Unstoppable Jobs',
  'Listeners', 'ActivePeers', 'ConnectedPeers', 'DroppedLogs', 'BusyPolling', 'FailedResolutions', 'TotalBytesOut',
  'TotalSplicdedBytesOut', 'BytesOutRate', 'DebugCommandsIssued', 'CumRecvLogs', 'Build info', 'Memmax_bytes',
  'PoolAlloc_bytes', 'PoolUsed_bytes', 'Start_time_sec', 'Tainted',
] as const;
export type InfoField = (typeof INFO_FIELDS)[number];
/** Info field name → index in an InfoRow. */
export const INFO = indexOf(INFO_FIELDS);
/** Indexed by INFO; `undefined` = not filled. */
export type InfoRow = readonly StatValue[];

/** What every renderer takes: the process fields and the rows, proxies in config order, each proxy's rows in
 * HAProxy's order (FRONTEND, listeners, servers, BACKEND). */
export interface StatSnapshot {
  readonly info: InfoRow;
  readonly rows: readonly StatRow[];
}
