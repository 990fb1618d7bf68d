// HAProxy 2.6.12's Prometheus families (the PROMEX exporter): metric names, TYPE and HELP text, read off a running
// haproxy 2.6.12's /metrics answer (config with http and tcp frontends, backends, listeners with socket-stats, stick
// tables, servers UP/DOWN/MAINT/DRAIN/NOLB); which stats column or `show info` field feeds each one, and for which
// object types. Facts of the format, as stat-columns.ts holds the CSV's. Pure data; any thread.

import type { InfoField, StatColumn } from './stat-columns.js';

/** Prometheus metric type: G = gauge, C = counter. */
/** Gauge, counter, or histogram (orcalb_dolphindb_request_seconds: its _bucket/_sum/_count samples). */
export type PromType = 'G' | 'C' | 'H';

/**
 * The haproxy_process_* families in 2.6.12's order: name suffix, the `show info` field that feeds it (undefined: the
 * field does not exist in this build's `show info` and haproxy prints NaN: the zlib figures of an SLZ build), type,
 * HELP text. build_info is special: value 1, label version.
 */
export const PROCESS_FAMILIES: ReadonlyArray<readonly [suffix: string, field: InfoField | undefined, type: PromType, help: string]> = [
  ['nbthread', 'Nbthread', 'G', 'Number of started threads (global.nbthread)'],
  ['nbproc', 'Nbproc', 'G', 'Number of started worker processes (historical, always 1)'],
  ['relative_process_id', 'Process_num', 'G', 'Relative worker process number (1)'],
  ['uptime_seconds', 'Uptime_sec', 'G', 'How long ago this worker process was started (seconds)'],
  ['pool_failures_total', 'PoolFailed', 'C', 'Number of failed pool allocations since this worker was started'],
  ['max_fds', 'Ulimit-n', 'G', 'Hard limit on the number of per-process file descriptors'],
  ['max_sockets', 'Maxsock', 'G', 'Hard limit on the number of per-process sockets'],
  ['max_connections', 'Maxconn', 'G', 'Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)'],
  ['hard_max_connections', 'Hard_maxconn', 'G', 'Hard limit on the number of per-process connections (imposed by Memmax_MB or Ulimit-n)'],
  ['current_connections', 'CurrConns', 'G', 'Current number of connections on this worker process'],
  ['connections_total', 'CumConns', 'C', 'Total number of connections on this worker process since started'],
  ['requests_total', 'CumReq', 'C', 'Total number of requests on this worker process since started'],
  ['max_ssl_connections', 'MaxSslConns', 'G', 'Hard limit on the number of per-process SSL endpoints (front+back), 0=unlimited'],
  ['current_ssl_connections', 'CurrSslConns', 'G', 'Current number of SSL endpoints on this worker process (front+back)'],
  ['ssl_connections_total', 'CumSslConns', 'C', 'Total number of SSL endpoints on this worker process since started (front+back)'],
  ['max_pipes', 'Maxpipes', 'G', 'Hard limit on the number of pipes for splicing, 0=unlimited'],
  ['pipes_used_total', 'PipesUsed', 'C', 'Current number of pipes in use in this worker process'],
  ['pipes_free_total', 'PipesFree', 'C', 'Current number of allocated and available pipes in this worker process'],
  ['current_connection_rate', 'ConnRate', 'G', 'Number of front connections created on this worker process over the last second'],
  ['limit_connection_rate', 'ConnRateLimit', 'G', 'Hard limit for ConnRate (global.maxconnrate)'],
  ['max_connection_rate', 'MaxConnRate', 'G', 'Highest ConnRate reached on this worker process since started (in connections per second)'],
  ['current_session_rate', 'SessRate', 'G', 'Number of sessions created on this worker process over the last second'],
  ['limit_session_rate', 'SessRateLimit', 'G', 'Hard limit for SessRate (global.maxsessrate)'],
  ['max_session_rate', 'MaxSessRate', 'G', 'Highest SessRate reached on this worker process since started (in sessions per second)'],
  ['current_ssl_rate', 'SslRate', 'G', 'Number of SSL connections created on this worker process over the last second'],
  ['limit_ssl_rate', 'SslRateLimit', 'G', 'Hard limit for SslRate (global.maxsslrate)'],
  ['max_ssl_rate', 'MaxSslRate', 'G', 'Highest SslRate reached on this worker process since started (in connections per second)'],
  ['current_frontend_ssl_key_rate', 'SslFrontendKeyRate', 'G', 'Number of SSL keys created on frontends in this worker process over the last second'],
  ['max_frontend_ssl_key_rate', 'SslFrontendMaxKeyRate', 'G', 'Highest SslFrontendKeyRate reached on this worker process since started (in SSL keys per second)'],
  ['frontend_ssl_reuse', 'SslFrontendSessionReuse_pct', 'G', 'Percent of frontend SSL connections which did not require a new key'],
  ['current_backend_ssl_key_rate', 'SslBackendKeyRate', 'G', 'Number of SSL keys created on backends in this worker process over the last second'],
  ['max_backend_ssl_key_rate', 'SslBackendMaxKeyRate', 'G', 'Highest SslBackendKeyRate reached on this worker process since started (in SSL keys per second)'],
  ['ssl_cache_lookups_total', 'SslCacheLookups', 'C', 'Total number of SSL session ID lookups in the SSL session cache on this worker since started'],
  ['ssl_cache_misses_total', 'SslCacheMisses', 'C', "Total number of SSL session ID lookups that didn't find a session in the SSL session cache on this worker since started"],
  ['http_comp_bytes_in_total', 'CompressBpsIn', 'C', 'Number of bytes submitted to the HTTP compressor in this worker process over the last second'],
  ['http_comp_bytes_out_total', 'CompressBpsOut', 'C', 'Number of bytes emitted by the HTTP compressor in this worker process over the last second'],
  ['limit_http_comp', 'CompressBpsRateLim', 'G', 'Limit of CompressBpsOut beyond which HTTP compression is automatically disabled'],
  ['current_zlib_memory', undefined, 'G', 'Amount of memory currently used by HTTP compression on the current worker process (in bytes)'],
  ['max_zlib_memory', undefined, 'G', 'Limit on the amount of memory used by HTTP compression above which it is automatically disabled (in bytes, see global.maxzlibmem)'],
  ['current_tasks', 'Tasks', 'G', 'Total number of tasks in the current worker process (active + sleeping)'],
  ['current_run_queue', 'Run_queue', 'G', 'Total number of active tasks+tasklets in the current worker process'],
  ['idle_time_percent', 'Idle_pct', 'G', 'Percentage of last second spent waiting in the current worker thread'],
  ['stopping', 'Stopping', 'G', '1 if the worker process is currently stopping, otherwise zero'],
  ['jobs', 'Jobs', 'G', 'Current number of active jobs on the current worker process (frontend connections, master connections, listeners)'],
  ['unstoppable_jobs', 'Unstoppable Jobs', 'G', 'Current number of unstoppable jobs on the current worker process (master connections)'],
  ['listeners', 'Listeners', 'G', 'Current number of active listeners on the current worker process'],
  ['active_peers', 'ActivePeers', 'G', 'Current number of verified active peers connections on the current worker process'],
  ['connected_peers', 'ConnectedPeers', 'G', 'Current number of peers having passed the connection step on the current worker process'],
  ['dropped_logs_total', 'DroppedLogs', 'C', 'Total number of dropped logs for current worker process since started'],
  ['busy_polling_enabled', 'BusyPolling', 'G', '1 if busy-polling is currently in use on the worker process, otherwise zero (config.busy-polling)'],
  ['failed_resolutions', 'FailedResolutions', 'C', 'Total number of failed DNS resolutions in current worker process since started'],
  ['bytes_out_total', 'TotalBytesOut', 'C', 'Total number of bytes emitted by current worker process since started'],
  ['spliced_bytes_out_total', 'TotalSplicdedBytesOut', 'C', 'Total number of bytes emitted by current worker process through a kernel pipe since started'],
  ['bytes_out_rate', 'BytesOutRate', 'G', 'Number of bytes emitted by current worker process over the last second'],
  ['recv_logs_total', 'CumRecvLogs', 'C', 'Total number of log messages received by log-forwarding listeners on this worker process since started'],
  ['build_info', 'Build info', 'G', 'Build info'],
  ['max_memory_bytes', 'Memmax_bytes', 'G', "Worker process's hard limit on memory usage in byes (-m on command line)"],
  ['pool_allocated_bytes', 'PoolAlloc_bytes', 'G', 'Amount of memory allocated in pools (in bytes)'],
  ['pool_used_bytes', 'PoolUsed_bytes', 'G', 'Amount of pool memory currently used (in bytes)'],
  ['start_time_seconds', 'Start_time_sec', 'G', 'Start time in seconds'],
];

/**
 * The proxy families in 2.6.12's order (the stats column order): name suffix, the column that feeds it, the object
 * types that export it (F frontend, L listener, B backend, S server: haproxy_frontend_*, haproxy_listener_*, ...),
 * type, HELP text (one text per suffix whatever the object type, as 2.6.12 prints them). `http_responses_total` is
 * fed by the six hrsp_* columns, one `code` label each.
 */
export const PROXY_FAMILIES: ReadonlyArray<readonly [suffix: string, column: StatColumn, objects: string, type: PromType, help: string]> = [
  ['current_queue', 'qcur', 'BS', 'G', 'Number of current queued connections'],
  ['max_queue', 'qmax', 'BS', 'G', 'Highest value of queued connections encountered since process started'],
  ['current_sessions', 'scur', 'FLBS', 'G', 'Number of current sessions on the frontend, backend or server'],
  ['max_sessions', 'smax', 'FLBS', 'G', 'Highest value of current sessions encountered since process started'],
  ['limit_sessions', 'slim', 'FLBS', 'G', "Frontend/listener/server's maxconn, backend's fullconn"],
  ['sessions_total', 'stot', 'FLBS', 'C', 'Total number of sessions since process started'],
  ['bytes_in_total', 'bin', 'FLBS', 'C', 'Total number of request bytes since process started'],
  ['bytes_out_total', 'bout', 'FLBS', 'C', 'Total number of response bytes since process started'],
  ['requests_denied_total', 'dreq', 'FLB', 'C', 'Total number of denied requests since process started'],
  ['responses_denied_total', 'dresp', 'FLBS', 'C', 'Total number of denied responses since process started'],
  ['request_errors_total', 'ereq', 'FL', 'C', 'Total number of invalid requests since process started'],
  ['connection_errors_total', 'econ', 'BS', 'C', 'Total number of failed connections to server since the worker process started'],
  ['response_errors_total', 'eresp', 'BS', 'C', 'Total number of invalid responses since the worker process started'],
  ['retry_warnings_total', 'wretr', 'BS', 'C', 'Total number of server connection retries since the worker process started'],
  ['redispatch_warnings_total', 'wredis', 'BS', 'C', 'Total number of server redispatches due to connection failures since the worker process started'],
  ['status', 'status', 'FLBS', 'G', 'Current status of the service, per state label value.'],
  ['weight', 'weight', 'BS', 'G', "Server's effective weight, or sum of active servers' effective weights for a backend"],
  ['active_servers', 'act', 'B', 'G', 'Total number of active UP servers with a non-zero weight'],
  ['backup_servers', 'bck', 'B', 'G', 'Total number of backup UP servers with a non-zero weight'],
  ['check_failures_total', 'chkfail', 'S', 'C', 'Total number of failed individual health checks per server/backend, since the worker process started'],
  ['check_up_down_total', 'chkdown', 'BS', 'C', 'Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started'],
  ['check_last_change_seconds', 'lastchg', 'BS', 'G', 'How long ago the last server state changed, in seconds'],
  ['downtime_seconds_total', 'downtime', 'BS', 'C', 'Total time spent in DOWN state, for server or backend'],
  ['queue_limit', 'qlimit', 'S', 'G', 'Limit on the number of connections in queue, for servers only (maxqueue argument)'],
  ['current_throttle', 'throttle', 'S', 'G', "Throttling ratio applied to a server's maxconn and weight during the slowstart period (0 to 100%)"],
  ['loadbalanced_total', 'lbtot', 'BS', 'C', 'Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)'],
  ['limit_session_rate', 'rate_lim', 'F', 'G', "Limit on the number of sessions accepted in a second (frontend only, 'rate-limit sessions' setting)"],
  ['max_session_rate', 'rate_max', 'FBS', 'G', 'Highest value of sessions per second observed since the worker process started'],
  ['check_status', 'check_status', 'S', 'G', 'Status of last health check, per state label value.'],
  ['check_code', 'check_code', 'S', 'G', 'layer5-7 code, if available of the last health check.'],
  ['check_duration_seconds', 'check_duration', 'S', 'G', 'Total duration of the latest server health check, in seconds.'],
  ['http_responses_total', 'hrsp_1xx', 'FBS', 'C', 'Total number of HTTP responses with status 100-199 returned by this object since the worker process started'],
  ['http_requests_rate_max', 'req_rate_max', 'F', 'G', 'Highest value of http requests observed since the worker process started'],
  ['http_requests_total', 'req_tot', 'FB', 'C', 'Total number of HTTP requests processed by this object since the worker process started'],
  ['client_aborts_total', 'cli_abrt', 'BS', 'C', 'Total number of requests or connections aborted by the client since the worker process started'],
  ['server_aborts_total', 'srv_abrt', 'BS', 'C', 'Total number of requests or connections aborted by the server since the worker process started'],
  ['http_comp_bytes_in_total', 'comp_in', 'FB', 'C', 'Total number of bytes submitted to the HTTP compressor for this object since the worker process started'],
  ['http_comp_bytes_out_total', 'comp_out', 'FB', 'C', 'Total number of bytes emitted by the HTTP compressor for this object since the worker process started'],
  ['http_comp_bytes_bypassed_total', 'comp_byp', 'FB', 'C', 'Total number of bytes that bypassed HTTP compression for this object since the worker process started (CPU/memory/bandwidth limitation)'],
  ['http_comp_responses_total', 'comp_rsp', 'FB', 'C', 'Total number of HTTP responses that were compressed for this object since the worker process started'],
  ['last_session_seconds', 'lastsess', 'BS', 'G', 'How long ago some traffic was seen on this object on this worker process, in seconds'],
  ['queue_time_average_seconds', 'qtime', 'BS', 'G', 'Avg. queue time for last 1024 successful connections.'],
  ['connect_time_average_seconds', 'ctime', 'BS', 'G', 'Avg. connect time for last 1024 successful connections.'],
  ['response_time_average_seconds', 'rtime', 'BS', 'G', 'Avg. response time for last 1024 successful connections.'],
  ['total_time_average_seconds', 'ttime', 'BS', 'G', 'Avg. total time for last 1024 successful connections.'],
  ['connections_rate_max', 'conn_rate_max', 'F', 'G', 'Highest value of connections per second observed since the worker process started'],
  ['connections_total', 'conn_tot', 'F', 'C', 'Total number of new connections accepted on this frontend since the worker process started'],
  ['intercepted_requests_total', 'intercepted', 'F', 'C', 'Total number of HTTP requests intercepted on the frontend (redirects/stats/services) since the worker process started'],
  ['denied_connections_total', 'dcon', 'FL', 'C', 'Total number of incoming connections blocked on a listener/frontend by a tcp-request connection rule since the worker process started'],
  ['denied_sessions_total', 'dses', 'FL', 'C', 'Total number of incoming sessions blocked on a listener/frontend by a tcp-request connection rule since the worker process started'],
  ['failed_header_rewriting_total', 'wrew', 'FLBS', 'C', 'Total number of failed HTTP header rewrites since the worker process started'],
  ['connection_attempts_total', 'connect', 'BS', 'C', 'Total number of outgoing connection attempts on this backend/server since the worker process started'],
  ['connection_reuses_total', 'reuse', 'BS', 'C', 'Total number of reused connection on this backend/server since the worker process started'],
  ['http_cache_lookups_total', 'cache_lookups', 'FB', 'C', 'Total number of HTTP requests looked up in the cache on this frontend/backend since the worker process started'],
  ['http_cache_hits_total', 'cache_hits', 'FB', 'C', 'Total number of HTTP requests not found in the cache on this frontend/backend since the worker process started'],
  ['idle_connections_current', 'srv_icur', 'S', 'G', 'Current number of idle connections available for reuse on this server'],
  ['idle_connections_limit', 'src_ilim', 'S', 'G', "Limit on the number of available idle connections on this server (server 'pool_max_conn' directive)"],
  ['max_queue_time_seconds', 'qtime_max', 'BS', 'G', 'Maximum observed time spent in the queue'],
  ['max_connect_time_seconds', 'ctime_max', 'BS', 'G', 'Maximum observed time spent waiting for a connection to complete'],
  ['max_response_time_seconds', 'rtime_max', 'BS', 'G', 'Maximum observed time spent waiting for a server response'],
  ['max_total_time_seconds', 'ttime_max', 'BS', 'G', 'Maximum observed total request+response time (request+queue+connect+response+processing)'],
  ['internal_errors_total', 'eint', 'FLBS', 'C', 'Total number of internal errors since process started'],
  ['unsafe_idle_connections_current', 'idle_conn_cur', 'S', 'G', 'Current number of unsafe idle connections'],
  ['safe_idle_connections_current', 'safe_conn_cur', 'S', 'G', 'Current number of safe idle connections'],
  ['used_connections_current', 'used_conn_cur', 'S', 'G', 'Current number of connections in use'],
  ['need_connections_current', 'need_conn_est', 'S', 'G', 'Estimated needed number of connections'],
  ['uweight', 'uweight', 'BS', 'G', "Server's user weight, or sum of active servers' user weights for a backend"],
  ['agg_server_status', 'agg_server_status', 'B', 'G', "Backend's aggregated gauge of servers' status"],
  ['agg_server_check_status', 'agg_server_check_status', 'B', 'G', "Backend's aggregated gauge of servers' state check status"],
  ['agg_check_status', 'agg_check_status', 'B', 'G', "Backend's aggregated gauge of servers' state check status"],
];

/** `state` label values of haproxy_server_status and the backend aggregates, in 2.6's order. */
export const SERVER_STATES = ['DOWN', 'UP', 'MAINT', 'DRAIN', 'NOLB'] as const;
/** `state` label values of haproxy_frontend_status and haproxy_backend_status. */
export const PROXY_STATES = ['DOWN', 'UP'] as const;
/** `state` label values of haproxy_listener_status (the listener's CSV status strings). */
export const LISTENER_STATES = ['WAITING', 'OPEN', 'FULL'] as const;
/** `state` label values of haproxy_server_check_status: the check results 2.6 exports (not INI/UNK/CHECKED). */
export const CHECK_STATES = [
  'HANA', 'SOCKERR', 'L4OK', 'L4TOUT', 'L4CON', 'L6OK', 'L6TOUT', 'L6RSP', 'L7TOUT', 'L7RSP', 'L7OK', 'L7OKC', 'L7STS',
  'PROCERR', 'PROCTOUT', 'PROCOK',
] as const;
/** `code` label values of http_responses_total, with the column each comes from. */
export const HRSP_CODES = [
  ['1xx', 'hrsp_1xx'], ['2xx', 'hrsp_2xx'], ['3xx', 'hrsp_3xx'], ['4xx', 'hrsp_4xx'], ['5xx', 'hrsp_5xx'], ['other', 'hrsp_other'],
] as const;
