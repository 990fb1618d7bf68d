// The one descriptor table of the SharedArrayBuffer: every field, its slot, its writer thread and its stats column
// (HAProxy's stat_cols pattern). Offsets are derived from the order below; nothing else hard-codes a position.
// Used by every thread; only core/shared/ touches the buffer itself.

/**
 * Who may change a field:
 * - a thread name: only that thread stores it (Atomics.store); everyone else Atomics.load's it;
 * - 'atomic-add': any thread, but only through Atomics.add / Atomics.sub, so no update is lost (the three words of a
 *   frequency counter, core/shared/freq-ctr.ts, count as such: their rotation is its own compare-exchange protocol);
 * - 'max': any thread, only raised, with Atomics.compareExchange (core/shared/stat-counters.ts raiseMax);
 * - 'latest': any thread stores a time; the latest store wins (a "last event" timestamp, never a count).
 */
export type FieldWriter = 'main' | 'health' | 'acceptor' | 'forwarder' | 'atomic-add' | 'max' | 'latest';
// A server record's words are all written by main while no other thread knows the slot: at start
// (core/shared/initial-state.ts), and when `add server` takes a spare slot (core/shared/server-slots.ts ServerSlots
// zeroes the record, its per-thread shadows included, writes the starting state, and only then posts the server to
// the threads). From then on each word has the writer named below. A backend's spare slots are part of the server
// region (BackendConfig.serverSlots, core/shared/topology.ts); a freed slot keeps its words until it is taken again.
// A handoff ticket record is written by the acceptor (free → reserved → seq, with the fd and where it goes) and
// cleared by exactly one of the forwarder that adopts the fd or a thread that cancels the handoff (compareExchange
// seq → 0): see HANDOFF_TICKETS below.

export interface FieldSpec {
  readonly name: string;
  readonly writer: FieldWriter;
  /** HAProxy stats CSV column this field feeds, when there is one. */
  readonly stat?: string;
  readonly doc: string;
}

/** Per-server 32-bit fields. */
export const SERVER_FIELDS = [
  { name: 'state', writer: 'health', stat: 'status', doc: 'ServerState: DOWN/UP/MAINT; what balancers read first' },
  { name: 'health', writer: 'health', stat: 'check_rise/fall', doc: 'rise/fall as one counter, 0..rise+fall-1 (HAProxy check.c)' },
  { name: 'checkStatus', writer: 'health', stat: 'check_status', doc: 'last CheckStatus code (core/health/check-status.ts)' },
  { name: 'checkDurationMs', writer: 'health', stat: 'check_duration', doc: 'duration of the last check' },
  { name: 'checkCode', writer: 'health', stat: 'check_code', doc: 'layer 5-7 code of the last check (an HTTP status), 0 when none' },
  { name: 'lastChangeSec', writer: 'health', stat: 'lastchg', doc: 'unix seconds of the last UP/DOWN change' },
  { name: 'downTransitions', writer: 'health', stat: 'chkdown', doc: 'UP→DOWN transitions' },
  { name: 'checkFails', writer: 'health', stat: 'chkfail', doc: 'failed checks' },
  { name: 'effectiveWeight', writer: 'health', stat: 'weight', doc: 'weight after slowstart ramp; balancers use this' },
  {
    name: 'maxconn',
    writer: 'health',
    stat: 'slim',
    doc: 'the server\'s maxconn, 0 = no limit: main writes the config\'s, `set maxconn server` changes it (health thread); dispatch reads it on every pick (ServerView.maxconn)',
  },
  {
    name: 'addrV4',
    writer: 'health',
    stat: 'addr',
    doc: 'the IPv4 address `set server B/S addr` gave it (unsigned word), 0 = the configuration\'s: dial, checks and stats read it (core/shared/server-address.ts)',
  },
  { name: 'addrPort', writer: 'health', stat: 'addr', doc: 'the port `set server B/S addr A port P` gave it, plus 1; 0 = the configuration\'s' },
  {
    name: 'userWeight',
    writer: 'health',
    stat: 'uweight',
    doc: "HAProxy's uweight: the server's weight as the runtime API last set it (`set server B/S weight`, `set weight`; main writes the config weight first). effectiveWeight follows it through slowstart, drain and health transitions",
  },
  { name: 'curConns', writer: 'atomic-add', stat: 'scur', doc: 'slots in use: TCP connections, HTTP transactions being served (HAProxy served/scur); what maxconn bounds' },
  { name: 'maxConnsSeen', writer: 'max', stat: 'smax', doc: 'highest curConns seen (raised by whoever takes a slot)' },
  { name: 'totalConns', writer: 'atomic-add', stat: 'stot', doc: 'connections ever sent to this server' },
  { name: 'connectErrors', writer: 'atomic-add', stat: 'econ', doc: 'sessions whose connection to this server failed once the retries were spent, or whose queue for it failed (termination SC/sC/SQ/sQ)' },
  { name: 'retries', writer: 'atomic-add', stat: 'wretr', doc: 'connect attempts retried on this server' },
  { name: 'redispatches', writer: 'atomic-add', stat: 'wredis', doc: 'connections moved away from this server' },
  { name: 'queued', writer: 'atomic-add', stat: 'qcur', doc: 'sessions/requests bound to this server (persistence, hash) waiting for its slot: the server queue, what maxqueue bounds' },
  { name: 'clientAborts', writer: 'atomic-add', stat: 'cli_abrt', doc: 'sessions on this server the client aborted: reset, closed or timed out (termination C?/c?)' },
  { name: 'serverAborts', writer: 'atomic-add', stat: 'srv_abrt', doc: 'sessions this server aborted in the data phase: reset or timed out (termination SD/sD/SL/sL)' },
  { name: 'responseErrors', writer: 'atomic-add', stat: 'eresp', doc: 'responses from this server that failed: a reset or close without FIN in the data phase (SD/SL)' },
  { name: 'internalErrors', writer: 'atomic-add', stat: 'eint', doc: 'sessions on this server that orcalb itself ended on an internal error (termination I?)' },
  { name: 'placedSinceReading', writer: 'atomic-add', doc: 'connections placed since the last load reading (dolphindb-load)' },
  { name: 'loadScore', writer: 'health', doc: 'load score ×1000 from the last getPerf() reading (dolphindb-load)' },
  { name: 'scoreCost', writer: 'health', doc: "`set dolphindb B/S score-cost C` (runtime API): this server's cost of one placed connection ×1000, plus 1; 0 = the backend's `balance dolphindb-load [COST]`" },
  {
    name: 'adminState',
    writer: 'health',
    stat: 'status',
    doc: 'forced admin flags (core/stats/status-text.ts AdminFlag: MAINT 1, DRAIN 2, NOCHECK 4, NOLB 8), set by the stats admin form and the runtime API (set server state/health, enable|disable server|health) through the health thread (core/health/server-admin.ts, server-commands.ts), the single writer of server state',
  },
  { name: 'downtimeSec', writer: 'health', stat: 'downtime', doc: 'seconds spent DOWN before the last UP transition (the current DOWN spell is added by the reader)' },
  { name: 'hrsp1xx', writer: 'atomic-add', stat: 'hrsp_1xx', doc: 'final HTTP responses of this server with status 1xx' },
  { name: 'hrsp2xx', writer: 'atomic-add', stat: 'hrsp_2xx', doc: 'final HTTP responses of this server with status 2xx' },
  { name: 'hrsp3xx', writer: 'atomic-add', stat: 'hrsp_3xx', doc: 'final HTTP responses of this server with status 3xx' },
  { name: 'hrsp4xx', writer: 'atomic-add', stat: 'hrsp_4xx', doc: 'final HTTP responses of this server with status 4xx' },
  { name: 'hrsp5xx', writer: 'atomic-add', stat: 'hrsp_5xx', doc: 'final HTTP responses of this server with status 5xx' },
  { name: 'hrspOther', writer: 'atomic-add', stat: 'hrsp_other', doc: 'final HTTP responses of this server with status any other status' },
  { name: 'reqTot', writer: 'atomic-add', stat: 'req_tot', doc: 'HTTP requests sent to this server (forwarders, per transaction)' },
  { name: 'maxQueued', writer: 'max', stat: 'qmax', doc: 'highest queued seen (raised when a waiter joins the server queue)' },
  { name: 'lastSessMs', writer: 'latest', stat: 'lastsess', doc: 'stick-clock tick (core/stick/stick-clock.ts) of the last session/transaction given to this server; 0 = never' },
  { name: 'ratetick', writer: 'atomic-add', doc: 'freq-ctr period start (core/shared/freq-ctr.ts), 1 s periods: sessions per second' },
  { name: 'ratecurr', writer: 'atomic-add', doc: 'freq-ctr events of the current period' },
  { name: 'rateprev', writer: 'atomic-add', doc: 'freq-ctr events of the previous period' },
  { name: 'rateMax', writer: 'max', stat: 'rate_max', doc: "highest sessions-per-second seen (the current period's count, as HAProxy)" },
  { name: 'qtimeSum', writer: 'atomic-add', stat: 'qtime', doc: 'sliding sum of queue times, ms (core/shared/stat-counters.ts addTimeSample: compare-exchange)' },
  { name: 'ctimeSum', writer: 'atomic-add', stat: 'ctime', doc: 'sliding sum of connect times, ms' },
  { name: 'rtimeSum', writer: 'atomic-add', stat: 'rtime', doc: 'sliding sum of response times (request sent to response head), ms' },
  { name: 'ttimeSum', writer: 'atomic-add', stat: 'ttime', doc: 'sliding sum of total transaction times, ms' },
  { name: 'timeSamples', writer: 'atomic-add', doc: 'transactions whose times went into the sums (the window grows to TIME_WINDOW)' },
  { name: 'qtimeMax', writer: 'max', stat: 'qtime_max', doc: 'longest queue time seen, ms' },
  { name: 'ctimeMax', writer: 'max', stat: 'ctime_max', doc: 'longest connect time seen, ms' },
  { name: 'rtimeMax', writer: 'max', stat: 'rtime_max', doc: 'longest response time seen, ms' },
  { name: 'ttimeMax', writer: 'max', stat: 'ttime_max', doc: 'longest total time seen, ms' },
  { name: 'ddbConnectOk', writer: 'atomic-add', doc: 'option dolphindb-inspect: connect requests of this node answered OK (core/dolphindb/ddb-inspect.ts)' },
  { name: 'ddbConnectErr', writer: 'atomic-add', doc: 'option dolphindb-inspect: connect requests of this node answered an error (core/dolphindb/ddb-inspect.ts)' },
  { name: 'ddbScriptOk', writer: 'atomic-add', doc: 'option dolphindb-inspect: script requests of this node answered OK (core/dolphindb/ddb-inspect.ts)' },
  { name: 'ddbScriptErr', writer: 'atomic-add', doc: 'option dolphindb-inspect: script requests of this node answered an error (core/dolphindb/ddb-inspect.ts)' },
  { name: 'ddbFunctionOk', writer: 'atomic-add', doc: 'option dolphindb-inspect: function requests of this node answered OK (core/dolphindb/ddb-inspect.ts)' },
  { name: 'ddbFunctionErr', writer: 'atomic-add', doc: 'option dolphindb-inspect: function requests of this node answered an error (core/dolphindb/ddb-inspect.ts)' },
  { name: 'ddbUploadOk', writer: 'atomic-add', doc: 'option dolphindb-inspect: upload requests of this node answered OK (core/dolphindb/ddb-inspect.ts)' },
  { name: 'ddbUploadErr', writer: 'atomic-add', doc: 'option dolphindb-inspect: upload requests of this node answered an error (core/dolphindb/ddb-inspect.ts)' },
  { name: 'ddbOtherOk', writer: 'atomic-add', doc: 'option dolphindb-inspect: other requests of this node answered OK (core/dolphindb/ddb-inspect.ts)' },
  { name: 'ddbOtherErr', writer: 'atomic-add', doc: 'option dolphindb-inspect: other requests of this node answered an error (core/dolphindb/ddb-inspect.ts)' },
  { name: 'ddbLe1ms', writer: 'atomic-add', doc: 'option dolphindb-inspect: exchanges of this node whose latency (first request byte to last reply byte) fell in the bucket up to 1ms (not cumulative; the renderer sums)' },
  { name: 'ddbLe5ms', writer: 'atomic-add', doc: 'option dolphindb-inspect: exchanges of this node whose latency (first request byte to last reply byte) fell in the bucket up to 5ms (not cumulative; the renderer sums)' },
  { name: 'ddbLe10ms', writer: 'atomic-add', doc: 'option dolphindb-inspect: exchanges of this node whose latency (first request byte to last reply byte) fell in the bucket up to 10ms (not cumulative; the renderer sums)' },
  { name: 'ddbLe50ms', writer: 'atomic-add', doc: 'option dolphindb-inspect: exchanges of this node whose latency (first request byte to last reply byte) fell in the bucket up to 50ms (not cumulative; the renderer sums)' },
  { name: 'ddbLe100ms', writer: 'atomic-add', doc: 'option dolphindb-inspect: exchanges of this node whose latency (first request byte to last reply byte) fell in the bucket up to 100ms (not cumulative; the renderer sums)' },
  { name: 'ddbLe500ms', writer: 'atomic-add', doc: 'option dolphindb-inspect: exchanges of this node whose latency (first request byte to last reply byte) fell in the bucket up to 500ms (not cumulative; the renderer sums)' },
  { name: 'ddbLe1s', writer: 'atomic-add', doc: 'option dolphindb-inspect: exchanges of this node whose latency (first request byte to last reply byte) fell in the bucket up to 1s (not cumulative; the renderer sums)' },
  { name: 'ddbLe5s', writer: 'atomic-add', doc: 'option dolphindb-inspect: exchanges of this node whose latency (first request byte to last reply byte) fell in the bucket up to 5s (not cumulative; the renderer sums)' },
  { name: 'ddbLeInf', writer: 'atomic-add', doc: 'option dolphindb-inspect: exchanges of this node whose latency (first request byte to last reply byte) fell in the bucket up to Inf (not cumulative; the renderer sums)' },
] as const satisfies readonly FieldSpec[];

/** Per-server 64-bit counters (BigInt64Array view of the same buffer). */
export const SERVER_WIDE_FIELDS = [
  { name: 'bytesIn', writer: 'atomic-add', stat: 'bin', doc: 'bytes from clients to this server' },
  { name: 'bytesOut', writer: 'atomic-add', stat: 'bout', doc: 'bytes from this server to clients' },
  { name: 'ddbLatencyUs', writer: 'atomic-add', doc: 'option dolphindb-inspect: sum of the exchanges\' latencies, microseconds (the histogram\'s _sum)' },
] as const satisfies readonly FieldSpec[];

export const BACKEND_FIELDS = [
  { name: 'generation', writer: 'health', doc: 'bumped on every server state or weight change: balancers rebuild caches' },
  { name: 'rrCursor', writer: 'atomic-add', doc: 'shared round-robin ticket counter (one Atomics.add per pick)' },
  { name: 'curConns', writer: 'atomic-add', stat: 'scur', doc: 'server slots in use in this backend (sum of its servers\' curConns)' },
  { name: 'totalConns', writer: 'atomic-add', stat: 'stot', doc: 'connections ever handled' },
  { name: 'queued', writer: 'atomic-add', stat: 'qcur', doc: 'sessions/requests bound to no server waiting for any free slot: the backend queue' },
  { name: 'queueTicket', writer: 'atomic-add', doc: 'arrival tickets of the backend and server queues (one Atomics.add per waiter): queues are served oldest ticket first across threads' },
  { name: 'connectErrors', writer: 'atomic-add', stat: 'econ', doc: 'sessions that found no server, failed in a queue or failed to connect once the retries were spent (SC/sC/SQ/sQ)' },
  { name: 'retries', writer: 'atomic-add', stat: 'wretr', doc: 'connect retries' },
  { name: 'redispatches', writer: 'atomic-add', stat: 'wredis', doc: 'redispatches' },
  { name: 'clientAborts', writer: 'atomic-add', stat: 'cli_abrt', doc: 'sessions of this backend the client aborted, with or without a server yet (C?/c?)' },
  { name: 'serverAborts', writer: 'atomic-add', stat: 'srv_abrt', doc: 'sessions a server of this backend aborted in the data phase (SD/sD/SL/sL)' },
  { name: 'responseErrors', writer: 'atomic-add', stat: 'eresp', doc: 'failed responses: a server reset or close without FIN in the data phase (SD/SL)' },
  { name: 'internalErrors', writer: 'atomic-add', stat: 'eint', doc: 'sessions of this backend orcalb itself ended on an internal error (I?)' },
  { name: 'noServer', writer: 'atomic-add', doc: 'connections refused because no server was usable' },
  { name: 'released', writer: 'atomic-add', doc: 'bumped (and Atomics.notify-ed) when a server slot frees: wakes queued connections on every thread' },
  { name: 'activeServers', writer: 'health', stat: 'act', doc: 'usable non-backup servers' },
  { name: 'backupServers', writer: 'health', stat: 'bck', doc: 'usable backup servers' },
  { name: 'lastChangeSec', writer: 'health', stat: 'lastchg', doc: 'unix seconds when the backend last went from no usable server to some, or back' },
  { name: 'downTransitions', writer: 'health', stat: 'chkdown', doc: 'times the backend lost its last usable server' },
  { name: 'downtimeSec', writer: 'health', stat: 'downtime', doc: 'seconds without a usable server before the last recovery (the current spell is added by the reader)' },
  { name: 'hrsp1xx', writer: 'atomic-add', stat: 'hrsp_1xx', doc: "HTTP answers once this backend was chosen (its servers' and orcalb's) with status 1xx" },
  { name: 'hrsp2xx', writer: 'atomic-add', stat: 'hrsp_2xx', doc: "HTTP answers once this backend was chosen (its servers' and orcalb's) with status 2xx" },
  { name: 'hrsp3xx', writer: 'atomic-add', stat: 'hrsp_3xx', doc: "HTTP answers once this backend was chosen (its servers' and orcalb's) with status 3xx" },
  { name: 'hrsp4xx', writer: 'atomic-add', stat: 'hrsp_4xx', doc: "HTTP answers once this backend was chosen (its servers' and orcalb's) with status 4xx" },
  { name: 'hrsp5xx', writer: 'atomic-add', stat: 'hrsp_5xx', doc: "HTTP answers once this backend was chosen (its servers' and orcalb's) with status 5xx" },
  { name: 'hrspOther', writer: 'atomic-add', stat: 'hrsp_other', doc: "HTTP answers once this backend was chosen (its servers' and orcalb's) with status any other status" },
  { name: 'reqTot', writer: 'atomic-add', stat: 'req_tot', doc: 'HTTP requests that chose this backend' },
  { name: 'deniedReq', writer: 'atomic-add', stat: 'dreq', doc: "requests denied by this backend's rules (http-request deny/tarpit/reject, tcp-request content reject)" },
  { name: 'maxConns', writer: 'max', stat: 'smax', doc: 'highest curConns seen' },
  { name: 'maxQueued', writer: 'max', stat: 'qmax', doc: 'highest backend-queue length seen' },
  { name: 'lastSessMs', writer: 'latest', stat: 'lastsess', doc: 'stick-clock tick of the last session/transaction given to a server of this backend; 0 = never' },
  { name: 'ratetick', writer: 'atomic-add', doc: 'freq-ctr period start (core/shared/freq-ctr.ts), 1 s periods: sessions per second' },
  { name: 'ratecurr', writer: 'atomic-add', doc: 'freq-ctr events of the current period' },
  { name: 'rateprev', writer: 'atomic-add', doc: 'freq-ctr events of the previous period' },
  { name: 'rateMax', writer: 'max', stat: 'rate_max', doc: 'highest sessions-per-second seen' },
  { name: 'qtimeSum', writer: 'atomic-add', stat: 'qtime', doc: 'sliding sum of queue times, ms (core/shared/stat-counters.ts addTimeSample: compare-exchange)' },
  { name: 'ctimeSum', writer: 'atomic-add', stat: 'ctime', doc: 'sliding sum of connect times, ms' },
  { name: 'rtimeSum', writer: 'atomic-add', stat: 'rtime', doc: 'sliding sum of response times (request sent to response head), ms' },
  { name: 'ttimeSum', writer: 'atomic-add', stat: 'ttime', doc: 'sliding sum of total transaction times, ms' },
  { name: 'timeSamples', writer: 'atomic-add', doc: 'transactions whose times went into the sums (the window grows to TIME_WINDOW)' },
  { name: 'qtimeMax', writer: 'max', stat: 'qtime_max', doc: 'longest queue time seen, ms' },
  { name: 'ctimeMax', writer: 'max', stat: 'ctime_max', doc: 'longest connect time seen, ms' },
  { name: 'rtimeMax', writer: 'max', stat: 'rtime_max', doc: 'longest response time seen, ms' },
  { name: 'ttimeMax', writer: 'max', stat: 'ttime_max', doc: 'longest total time seen, ms' },
] as const satisfies readonly FieldSpec[];

export const FRONTEND_FIELDS = [
  {
    name: 'curConns',
    writer: 'atomic-add',
    stat: 'scur',
    doc: 'client connections admitted and not yet closed, counted by whoever admits (acceptor, or a reuseport forwarder) before any handoff',
  },
  { name: 'totalConns', writer: 'atomic-add', stat: 'stot', doc: 'client connections ever admitted' },
  {
    name: 'adminPaused',
    writer: 'main',
    stat: 'status',
    doc: '1 between the runtime API\'s `disable frontend` and `enable frontend`: its listeners accept nothing and are out of LISTEN (status PAUSED); a restarted accepting thread starts with them paused',
  },
  {
    name: 'maxconn',
    writer: 'main',
    stat: 'slim',
    doc: 'the frontend\'s maxconn, 0 = no limit: main writes the config\'s and `set maxconn frontend` (runtime API); admission reads it (core/accept/admission.ts)',
  },
  // No stats column: HAProxy's dreq counts deny rules, and haproxy 2.6.12 counts a session with no server in the
  // backend's econ (measured), which the backend's connectErrors holds.
  { name: 'refused', writer: 'atomic-add', doc: 'connections closed before forwarding: no backend, or no server' },
  { name: 'hrsp1xx', writer: 'atomic-add', stat: 'hrsp_1xx', doc: "HTTP answers given to this frontend's clients (servers' and orcalb's) with status 1xx" },
  { name: 'hrsp2xx', writer: 'atomic-add', stat: 'hrsp_2xx', doc: "HTTP answers given to this frontend's clients (servers' and orcalb's) with status 2xx" },
  { name: 'hrsp3xx', writer: 'atomic-add', stat: 'hrsp_3xx', doc: "HTTP answers given to this frontend's clients (servers' and orcalb's) with status 3xx" },
  { name: 'hrsp4xx', writer: 'atomic-add', stat: 'hrsp_4xx', doc: "HTTP answers given to this frontend's clients (servers' and orcalb's) with status 4xx" },
  { name: 'hrsp5xx', writer: 'atomic-add', stat: 'hrsp_5xx', doc: "HTTP answers given to this frontend's clients (servers' and orcalb's) with status 5xx" },
  { name: 'hrspOther', writer: 'atomic-add', stat: 'hrsp_other', doc: "HTTP answers given to this frontend's clients (servers' and orcalb's) with status any other status" },
  { name: 'reqTot', writer: 'atomic-add', stat: 'req_tot', doc: 'HTTP requests received (heads parsed, or refused as invalid)' },
  { name: 'requestErrors', writer: 'atomic-add', stat: 'ereq', doc: 'requests refused as invalid (the 400/408/422 before any transaction)' },
  { name: 'deniedReq', writer: 'atomic-add', stat: 'dreq', doc: 'requests denied by rules: http-request deny/tarpit/reject, tcp-request content reject (frontend or backend rules)' },
  { name: 'deniedConn', writer: 'atomic-add', stat: 'dcon', doc: 'connections rejected by tcp-request connection rules' },
  { name: 'deniedSess', writer: 'atomic-add', stat: 'dses', doc: 'sessions rejected by tcp-request session rules' },
  { name: 'sslSess', writer: 'atomic-add', stat: 'ssl_sess', doc: 'TLS handshakes completed on ssl binds (the SSL stats module; forwarders, core/tls/tls-front.ts)' },
  { name: 'sslReusedSess', writer: 'atomic-add', stat: 'ssl_reused_sess', doc: 'of those, sessions resumed (ticket or session id)' },
  { name: 'sslFailedHandshake', writer: 'atomic-add', stat: 'ssl_failed_handshake', doc: 'TLS handshakes TLS refused: not TLS, no common cipher or version, strict-sni, client certificate refused (not a timeout or a client that left, as haproxy 2.6.12)' },
  { name: 'maxConns', writer: 'max', stat: 'smax', doc: 'highest curConns seen (raised by whoever admits)' },
  { name: 'intercepted', writer: 'atomic-add', stat: 'intercepted', doc: 'requests the proxy answered itself: the stats page (stats thread)' },
  { name: 'sessRatetick', writer: 'atomic-add', doc: 'freq-ctr period start (core/shared/freq-ctr.ts), 1 s periods: sessions (accepted connections) per second' },
  { name: 'sessRatecurr', writer: 'atomic-add', doc: 'freq-ctr events of the current period' },
  { name: 'sessRateprev', writer: 'atomic-add', doc: 'freq-ctr events of the previous period' },
  { name: 'sessRateMax', writer: 'max', stat: 'rate_max', doc: 'highest sessions-per-second seen' },
  { name: 'sslRatetick', writer: 'atomic-add', doc: 'freq-ctr period start, 1 s periods: TLS handshakes completed per second (show info SslRate)' },
  { name: 'sslRatecurr', writer: 'atomic-add', doc: 'freq-ctr events of the current period' },
  { name: 'sslRateprev', writer: 'atomic-add', doc: 'freq-ctr events of the previous period' },
  { name: 'sslRateMax', writer: 'max', doc: 'highest TLS handshakes per second seen (show info MaxSslRate)' },
  { name: 'sslKeyRatetick', writer: 'atomic-add', doc: 'freq-ctr period start, 1 s periods: full TLS handshakes (new keys) per second (show info SslFrontendKeyRate)' },
  { name: 'sslKeyRatecurr', writer: 'atomic-add', doc: 'freq-ctr events of the current period' },
  { name: 'sslKeyRateprev', writer: 'atomic-add', doc: 'freq-ctr events of the previous period' },
  { name: 'sslKeyRateMax', writer: 'max', doc: 'highest full TLS handshakes per second seen (show info SslFrontendMaxKeyRate)' },
  { name: 'reqRatetick', writer: 'atomic-add', doc: 'freq-ctr period start (core/shared/freq-ctr.ts), 1 s periods: HTTP requests per second' },
  { name: 'reqRatecurr', writer: 'atomic-add', doc: 'freq-ctr events of the current period' },
  { name: 'reqRateprev', writer: 'atomic-add', doc: 'freq-ctr events of the previous period' },
  { name: 'reqRateMax', writer: 'max', stat: 'req_rate_max', doc: 'highest requests-per-second seen' },
] as const satisfies readonly FieldSpec[];

/** Per-backend 64-bit counters (after the frontends' wide records): an HTTP backend's bin/bout. */
export const BACKEND_WIDE_FIELDS = [
  { name: 'bytesIn', writer: 'atomic-add', stat: 'bin', doc: 'HTTP: request bytes of the transactions that chose this backend, counted as HAProxy does (head as received, body data)' },
  { name: 'bytesOut', writer: 'atomic-add', stat: 'bout', doc: "HTTP: answer bytes of those transactions (its servers' responses and orcalb's answers)" },
] as const satisfies readonly FieldSpec[];

/** Per-frontend 64-bit counters (after the servers' wide records). */
export const FRONTEND_WIDE_FIELDS = [
  { name: 'bytesIn', writer: 'atomic-add', stat: 'bin', doc: "bytes from this frontend's clients, counted as HAProxy does (HTTP: the message's HTX size; TCP: the stream)" },
  { name: 'bytesOut', writer: 'atomic-add', stat: 'bout', doc: "bytes to this frontend's clients, counted the same way" },
] as const satisfies readonly FieldSpec[];

export const THREAD_FIELDS = [
  { name: 'liveConns', writer: 'atomic-add', doc: 'the forwarder adds 1 when it adopts a connection and subtracts 1 at close: the least-loaded pick reads this' },
  { name: 'totalConns', writer: 'atomic-add', doc: 'connections handled by this forwarder' },
  { name: 'sslConns', writer: 'atomic-add', doc: 'TLS client connections this forwarder holds now (secured, not closed yet); zeroed when the thread dies; show info CurrSslConns adds them up' },
  { name: 'alive', writer: 'atomic-add', doc: 'claimed 0→1 with compareExchange by the forwarder taking this slot; main stores 0 when that thread exits' },
  { name: 'threadId', writer: 'forwarder', doc: 'worker threadId of the forwarder holding this slot (main maps a dead worker back to its slot)' },
  { name: 'cpuUserMs', writer: 'forwarder', doc: 'user CPU ms of this forwarder since it started (process.threadCpuUsage), published each second; read as unsigned' },
  { name: 'cpuSystemMs', writer: 'forwarder', doc: 'kernel CPU ms of this forwarder since it started, published with cpuUserMs' },
  {
    name: 'logDrops',
    writer: 'forwarder',
    doc: 'traffic log lines this slot\'s forwarder could not put in its log ring (full: the writer or its targets lag); kept across a restart in the slot; `show info` DroppedLogs adds them up',
  },
  {
    name: 'statsPending',
    writer: 'forwarder',
    doc: '1 while this forwarder holds stats counted but not applied yet (core/shared/stat-batch.ts: they go in once per loop turn); stats readers wait for statsFlushes to move (core/stats/settle-stats.ts)',
  },
  { name: 'statsFlushes', writer: 'forwarder', doc: 'bumped at each flush of the batched stats (Atomics.notify-ed when statsWaiters > 0)' },
] as const satisfies readonly FieldSpec[];

/**
 * Per-thread shadows of the live-connection counters (threads × servers, threads × frontends). Whoever changes a
 * server's or frontend's curConns for a connection owned by thread T changes T's shadow too, so when T dies the main
 * thread can subtract exactly what T held and no count leaks.
 */
export const THREAD_SERVER_FIELDS = [
  { name: 'curConns', writer: 'atomic-add', doc: 'slots of this server held by this thread' },
  { name: 'queued', writer: 'atomic-add', doc: 'waiters of this thread in this server\'s queue (what the server\'s `queued` holds for it)' },
  { name: 'queueHead', writer: 'forwarder', doc: 'ticket of this thread\'s oldest waiter in this server\'s queue, 0 = none (main zeroes it once the thread died)' },
] as const satisfies readonly FieldSpec[];
/** Per-thread shadows of the backend queue (threads × backends), for fair cross-thread order and crash reclaim. */
export const THREAD_BACKEND_FIELDS = [
  { name: 'queued', writer: 'atomic-add', doc: 'waiters of this thread in this backend\'s queue' },
  { name: 'queueHead', writer: 'forwarder', doc: 'ticket of this thread\'s oldest waiter in this backend\'s queue, 0 = none (main zeroes it once the thread died)' },
] as const satisfies readonly FieldSpec[];
export const THREAD_FRONTEND_FIELDS = [
  { name: 'curConns', writer: 'atomic-add', doc: 'live client connections of this frontend owned by this thread' },
] as const satisfies readonly FieldSpec[];

export const GLOBAL_FIELDS = [
  { name: 'curConns', writer: 'atomic-add', doc: 'process-wide client connections admitted and not yet closed (global maxconn)' },
  {
    name: 'maxconn',
    writer: 'main',
    doc: 'the process-wide maxconn (show info Maxconn), 0 = no limit: main writes the config\'s and `set maxconn global`; admission reads it',
  },
  { name: 'stopping', writer: 'main', doc: '1 once the soft stop began (SIGUSR1): stop accepting, drain; a forwarder started later reads it' },
  { name: 'healthReady', writer: 'health', doc: '1 once the health thread wrote initial states' },
  {
    name: 'admissionEpoch',
    writer: 'atomic-add',
    doc: 'bumped (and Atomics.notify-ed when admissionWaiters > 0) whenever an admitted connection or a handoff ticket frees: wakes paused listeners',
  },
  { name: 'admissionWaiters', writer: 'atomic-add', doc: 'accepting threads waiting on admissionEpoch for room under maxconn' },
  { name: 'listenersPaused', writer: 'main', doc: '1 between SIGTTOU and SIGTTIN: no thread may accept, a restarted one starts paused' },
  { name: 'handoffSeq', writer: 'atomic-add', doc: 'source of handoff ticket numbers (survives an acceptor restart, so no two in-flight tickets share one)' },
  {
    name: 'logSendDrops',
    writer: 'main',
    doc: 'log lines the log writer (core/log/log-writer.ts) drained but a target did not take (a full UNIX socket buffer, a missing path, a failed write); `show info` DroppedLogs adds them to the rings\' drops',
  },
  {
    name: 'requestCounter',
    writer: 'atomic-add',
    doc: 'source of %rt (HAProxy\'s global request counter): one per HTTP request or TCP session, taken by the forwarders (core/log/traffic-lines.ts) only when a log-format uses %rt',
  },
  { name: 'statsWaiters', writer: 'atomic-add', doc: 'stats readers waiting for forwarders to apply their batched stats (core/stats/settle-stats.ts)' },
] as const satisfies readonly FieldSpec[];

/**
 * Handoff tickets (acceptor mode): one record per handoff in flight between the acceptor and a forwarder, its `seq`
 * word 0 when free. The acceptor reserves a record (seq 0 → -1), writes the fd, the frontend, the bind and the
 * threadId of the forwarder it posts the ticket to, then publishes its sequence number (> 0), and marks it posted
 * once its id is on that forwarder's port; the forwarder that
 * adopts the fd and a thread cancelling a handoff whose forwarder died (main, or the acceptor when its port to that
 * forwarder closes) both compareExchange(seq → 0), so exactly one of them owns the fd (adopts it, or closes it and
 * gives back its admission). The sequence number keeps a late claim from hitting a reused record.
 */
export const HANDOFF_TICKETS = 1024;

/** The words of one handoff ticket record, in order (core/shared/handoff-tickets.ts reads and writes them). */
export const HANDOFF_TICKET_FIELDS = [
  { name: 'seq', writer: 'atomic-add', doc: '0 free, -1 being written (acceptor), > 0 in flight; cleared by compareExchange by whoever claims it' },
  { name: 'fd', writer: 'acceptor', doc: 'the accepted client fd travelling with this ticket' },
  { name: 'frontend', writer: 'acceptor', doc: 'its frontend index (whose admission a cancel gives back)' },
  { name: 'bind', writer: 'acceptor', doc: 'its bind line index within the frontend' },
  { name: 'target', writer: 'acceptor', doc: 'threadId of the forwarder the ticket was posted to' },
  { name: 'posted', writer: 'acceptor', doc: 'the seq again once the ticket id was posted: main cancels the tickets a dead acceptor never posted' },
] as const satisfies readonly FieldSpec[];

type NamesOf<T extends readonly FieldSpec[]> = T[number]['name'];
export type ServerField = NamesOf<typeof SERVER_FIELDS>;
export type ServerWideField = NamesOf<typeof SERVER_WIDE_FIELDS>;
export type BackendField = NamesOf<typeof BACKEND_FIELDS>;
export type FrontendField = NamesOf<typeof FRONTEND_FIELDS>;
export type FrontendWideField = NamesOf<typeof FRONTEND_WIDE_FIELDS>;
export type BackendWideField = NamesOf<typeof BACKEND_WIDE_FIELDS>;
export type ThreadField = NamesOf<typeof THREAD_FIELDS>;
export type GlobalField = NamesOf<typeof GLOBAL_FIELDS>;
export type ThreadServerField = NamesOf<typeof THREAD_SERVER_FIELDS>;
export type ThreadBackendField = NamesOf<typeof THREAD_BACKEND_FIELDS>;

function indexTable<T extends readonly FieldSpec[]>(fields: T): Readonly<Record<NamesOf<T>, number>> {
  const out: Record<string, number> = {};
  fields.forEach((f, i) => {
    out[f.name] = i;
  });
  return out as Record<NamesOf<T>, number>;
}

/** Field → index within its record. */
export const SERVER = indexTable(SERVER_FIELDS);
export const SERVER_WIDE = indexTable(SERVER_WIDE_FIELDS);
export const BACKEND = indexTable(BACKEND_FIELDS);
export const FRONTEND = indexTable(FRONTEND_FIELDS);
export const FRONTEND_WIDE = indexTable(FRONTEND_WIDE_FIELDS);
export const BACKEND_WIDE = indexTable(BACKEND_WIDE_FIELDS);
export const THREAD = indexTable(THREAD_FIELDS);
export const GLOBAL = indexTable(GLOBAL_FIELDS);
export const THREAD_SERVER = indexTable(THREAD_SERVER_FIELDS);
export const THREAD_BACKEND = indexTable(THREAD_BACKEND_FIELDS);
export const HANDOFF_TICKET = indexTable(HANDOFF_TICKET_FIELDS);

/** ServerState values stored in the `state` field. */
export const ServerState = { DOWN: 0, UP: 1, MAINT: 2 } as const;
export type ServerStateValue = (typeof ServerState)[keyof typeof ServerState];

export const LAYOUT_MAGIC = 0x4f52_4341; // "ORCA"
export const LAYOUT_VERSION = 15;
/** Header words: magic, version, servers, backends, frontends, threads, stick region words. */
export const HEADER_WORDS = 8;

export interface LayoutCounts {
  readonly servers: number;
  readonly backends: number;
  readonly frontends: number;
  readonly threads: number;
  /**
   * Words of the stick-table region (core/shared/stick-layout.ts stickRegionLayout: every thread derives the same
   * placement of each table from the Config); 0 or absent without tables.
   */
  readonly stickWords?: number;
}

/** Where each region starts, in 32-bit words (i32) or 64-bit words (i64). */
export interface LayoutOffsets {
  readonly global: number;
  readonly servers: number;
  readonly backends: number;
  readonly frontends: number;
  readonly threads: number;
  /** threads × servers shadow records, then threads × frontends, then threads × backends. */
  readonly threadServers: number;
  readonly threadFrontends: number;
  readonly threadBackends: number;
  /** HANDOFF_TICKETS records of HANDOFF_TICKET_FIELDS, one per handoff that may be in flight. */
  readonly handoffs: number;
  /** First word of the stick-table region (stick-layout.ts places the tables from there). */
  readonly stick: number;
  /** First BigInt64 word of the per-server wide counters. */
  readonly serverWide: number;
  /** First 64-bit word of the frontends' wide records. */
  readonly frontendWide: number;
  /** First 64-bit word of the backends' wide records. */
  readonly backendWide: number;
  readonly byteLength: number;
}

/** Pure: offsets for the given counts. The wide region starts 8-byte aligned after the 32-bit region. */
export function computeOffsets(c: LayoutCounts): LayoutOffsets {
  const global = HEADER_WORDS;
  const servers = global + GLOBAL_FIELDS.length;
  const backends = servers + c.servers * SERVER_FIELDS.length;
  const frontends = backends + c.backends * BACKEND_FIELDS.length;
  const threads = frontends + c.frontends * FRONTEND_FIELDS.length;
  const threadServers = threads + c.threads * THREAD_FIELDS.length;
  const threadFrontends = threadServers + c.threads * c.servers * THREAD_SERVER_FIELDS.length;
  const threadBackends = threadFrontends + c.threads * c.frontends * THREAD_FRONTEND_FIELDS.length;
  const handoffs = threadBackends + c.threads * c.backends * THREAD_BACKEND_FIELDS.length;
  const stick = handoffs + HANDOFF_TICKETS * HANDOFF_TICKET_FIELDS.length;
  const end32 = stick + (c.stickWords ?? 0);
  const serverWide = Math.ceil((end32 * 4) / 8);
  const frontendWide = serverWide + c.servers * SERVER_WIDE_FIELDS.length;
  const backendWide = frontendWide + c.frontends * FRONTEND_WIDE_FIELDS.length;
  const byteLength = (backendWide + c.backends * BACKEND_WIDE_FIELDS.length) * 8;
  return {
    global, servers, backends, frontends, threads, threadServers, threadFrontends, threadBackends, handoffs, stick, serverWide,
    frontendWide, backendWide, byteLength,
  };
}
