// orcalb's own Prometheus families, after HAProxy's: orcalb_dolphindb_node_* (per DolphinDB node of a backend, labels
// proxy and server: the figures of its last getPerf() reading in base units, and the load score `balance
// dolphindb-load` ranks it by) and orcalb_thread_* (per forwarder thread, label thread: connections and CPU time).
// Names follow Prometheus' conventions (base units, _total for counters, _seconds, _bytes). Pure; the stats thread.

import { LOAD_SCORE } from '../dolphindb/load-score.js';
import { DDB_KIND_NAMES } from '../dolphindb/session-framing.js';
import { DDB_LATENCY_BOUNDS } from '../dolphindb/inspect-fields.js';
import { escapeLabel, type ExpositionWriter } from './prometheus-text.js';
import type { PromType } from './prometheus-families.js';

/** One DolphinDB node of a backend that reads the nodes' load (balance dolphindb-load). */
export interface DolphinDbNodeMetrics {
  /** The backend's name (label `proxy`). */
  readonly proxy: string;
  /** The server's name (label `server`). */
  readonly server: string;
  /**
   * The server slot's `loadScore` as stored (score ×1000; LOAD_SCORE.noReading = -1 before any reading,
   * LOAD_SCORE.failed = 3000 after a failed one: core/dolphindb/load-score.ts).
   */
  readonly loadScore: number;
  /** Connections placed on the node since the reading the score came from (`placedSinceReading`). */
  readonly placedSinceReading?: number;
  /** The figures of the last good getPerf() reading (readPerfDict's key → number); absent before the first. */
  readonly perf?: ReadonlyMap<string, number>;
  /** Unix time (seconds) of that reading. */
  readonly perfTimeSec?: number;
}

/** The exchanges of one node of a backend with `option dolphindb-inspect` (issue 16). */
export interface DolphinDbRequestMetrics {
  readonly proxy: string;
  /** The server's name (label `node`). */
  readonly node: string;
  /** Count per kind (DDB_KIND_NAMES order) and status: [ok, error]. */
  readonly counts: readonly (readonly [number, number])[];
  /** Per latency bucket (DDB_LATENCY_BOUNDS, then +Inf), not cumulative. */
  readonly buckets: readonly number[];
  readonly sumSeconds: number;
}

/** One forwarder thread. */
export interface ForwarderThreadMetrics {
  /** The forwarder's slot index (label `thread`). */
  readonly thread: number;
  /** Client connections it holds now (its `liveConns`). */
  readonly currentConnections: number;
  /** Connections it ever handled (its `totalConns`). */
  readonly connectionsTotal: number;
  /** CPU time the thread used in user mode, seconds (worker.cpuUsage() / 1e6, or the thread's own report). */
  readonly cpuUserSeconds?: number;
  /** CPU time the thread used in kernel mode, seconds. */
  readonly cpuSystemSeconds?: number;
}

/** One stick table (haproxy_sticktable_*: 2.6 exports its size and entries in use). */
export interface StickTableMetrics {
  /** The table's name (the proxy that declares it). */
  readonly name: string;
  /** Its key type as the config spells it: ip, ipv6, integer, string, binary. */
  readonly type: string;
  readonly size: number;
  readonly used: number;
}

/** What renderPrometheus takes beyond the StatSnapshot. */
export interface OrcalbMetrics {
  readonly dolphindbNodes: readonly DolphinDbNodeMetrics[];
  readonly threads: readonly ForwarderThreadMetrics[];
  /** Stick tables in config order (rendered in 2.6's order: last declared first). */
  readonly stickTables?: readonly StickTableMetrics[];
  /** option dolphindb-inspect's per-node exchanges (absent or empty without it). */
  readonly dolphindbRequests?: readonly DolphinDbRequestMetrics[];
}

const NS = 1e-9;
const GIB = 1024 ** 3;

/** getPerf() keys (DolphinDB's manual, function getPerf) → metric suffix, type, scale to base units, HELP. */
const PERF_FAMILIES: ReadonlyArray<readonly [key: string, suffix: string, type: PromType, scale: number, help: string]> = [
  ['cpuUsage', 'cpu_usage_percent', 'G', 1, 'CPU usage of the node in percent (getPerf cpuUsage)'],
  ['avgLoad', 'average_load', 'G', 1, 'Average CPU load of the node (getPerf avgLoad)'],
  ['jobLoad', 'job_load', 'G', 1, 'CPU load of the jobs on the node (getPerf jobLoad)'],
  ['runningJobs', 'running_jobs', 'G', 1, 'Jobs running on the node (getPerf runningJobs)'],
  ['queuedJobs', 'queued_jobs', 'G', 1, 'Jobs waiting in the node\'s queue (getPerf queuedJobs)'],
  ['runningTasks', 'running_tasks', 'G', 1, 'Tasks running on the node (getPerf runningTasks)'],
  ['queuedTasks', 'queued_tasks', 'G', 1, 'Tasks waiting in the node\'s queue (getPerf queuedTasks)'],
  ['connectionNum', 'connections', 'G', 1, 'Connections to the node, from every client (getPerf connectionNum)'],
  ['maxConnections', 'max_connections', 'G', 1, 'Connection limit of the node (maxConnections, when the reading carries it)'],
  ['memoryUsed', 'memory_used_bytes', 'G', 1, 'Memory the node uses, in bytes (getPerf memoryUsed)'],
  ['memoryAlloc', 'memory_allocated_bytes', 'G', 1, 'Memory allocated to the node, in bytes (getPerf memoryAlloc)'],
  ['maxMemSize', 'memory_limit_bytes', 'G', GIB, 'Memory limit of the node, in bytes (maxMemSize, when the reading carries it)'],
  ['diskCapacity', 'disk_capacity_bytes', 'G', 1, 'Disk capacity of the node, in bytes (getPerf diskCapacity)'],
  ['diskFreeSpace', 'disk_free_bytes', 'G', 1, 'Free disk space of the node, in bytes (getPerf diskFreeSpace)'],
  ['diskFreeSpaceRatio', 'disk_free_ratio', 'G', 1, 'Free disk space of the node as a ratio 0..1 (getPerf diskFreeSpaceRatio)'],
  ['diskReadRate', 'disk_read_bytes_per_second', 'G', 1, 'Disk read rate of the node, bytes per second (getPerf diskReadRate)'],
  ['diskWriteRate', 'disk_write_bytes_per_second', 'G', 1, 'Disk write rate of the node, bytes per second (getPerf diskWriteRate)'],
  ['lastMinuteReadVolume', 'disk_read_last_minute_bytes', 'G', 1, 'Bytes the node read from disk in the last minute (getPerf lastMinuteReadVolume)'],
  ['lastMinuteWriteVolume', 'disk_written_last_minute_bytes', 'G', 1, 'Bytes the node wrote to disk in the last minute (getPerf lastMinuteWriteVolume)'],
  ['networkRecvRate', 'network_receive_bytes_per_second', 'G', 1, 'Network receive rate of the node, bytes per second (getPerf networkRecvRate)'],
  ['networkSendRate', 'network_send_bytes_per_second', 'G', 1, 'Network send rate of the node, bytes per second (getPerf networkSendRate)'],
  ['lastMinuteNetworkRecv', 'network_received_last_minute_bytes', 'G', 1, 'Bytes the node received in the last minute (getPerf lastMinuteNetworkRecv)'],
  ['lastMinuteNetworkSend', 'network_sent_last_minute_bytes', 'G', 1, 'Bytes the node sent in the last minute (getPerf lastMinuteNetworkSend)'],
  ['medLast10QueryTime', 'query_time_median_last10_seconds', 'G', NS, 'Median run time of the node\'s last 10 finished queries, seconds (getPerf medLast10QueryTime)'],
  ['maxLast10QueryTime', 'query_time_max_last10_seconds', 'G', NS, 'Longest run time of the node\'s last 10 finished queries, seconds (getPerf maxLast10QueryTime)'],
  ['medLast100QueryTime', 'query_time_median_last100_seconds', 'G', NS, 'Median run time of the node\'s last 100 finished queries, seconds (getPerf medLast100QueryTime)'],
  ['maxLast100QueryTime', 'query_time_max_last100_seconds', 'G', NS, 'Longest run time of the node\'s last 100 finished queries, seconds (getPerf maxLast100QueryTime)'],
  ['maxRunningQueryTime', 'running_query_time_max_seconds', 'G', NS, 'Longest elapsed time of the queries running on the node, seconds (getPerf maxRunningQueryTime)'],
  ['lastMsgLatency', 'last_message_latency_seconds', 'G', NS, 'Latency of the last streaming message the node received, seconds (getPerf lastMsgLatency)'],
  ['cumMsgLatency', 'message_latency_average_seconds', 'G', NS, 'Average latency of the streaming messages the node received, seconds (getPerf cumMsgLatency)'],
];

/** A number as a sample value: finite numbers as JavaScript prints them (shortest round trip), else NaN/±Inf. */
function num(n: number): string {
  return Number.isFinite(n) ? String(n) : Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
}

/** orcalb_dolphindb_node_*. A node without a reading has no figure samples; its score is NaN. */
export function renderDolphinDbNodes(w: ExpositionWriter, nodes: readonly DolphinDbNodeMetrics[]): void {
  const labels = nodes.map((n) => `{proxy="${escapeLabel(n.proxy)}",server="${escapeLabel(n.server)}"}`);
  const p = 'orcalb_dolphindb_node_';
  w.family(`${p}load_score`, 'G', 'Load score balance dolphindb-load ranks the node by, from its last getPerf() reading: 0 idle, 1 CPU, load, connections and memory all at their limit, +0.05 per queued job, 2.5 at its connection limit, 3 when the last reading failed; NaN before the first reading');
  nodes.forEach((n, i) => w.sample(`${p}load_score`, labels[i] as string, n.loadScore === LOAD_SCORE.noReading ? 'NaN' : num(n.loadScore / 1000)));
  w.family(`${p}reading_failed`, 'G', '1 when the last getPerf() reading of the node failed (timeout, refused, not a dictionary), else 0');
  nodes.forEach((n, i) => w.sample(`${p}reading_failed`, labels[i] as string, n.loadScore === LOAD_SCORE.failed ? '1' : '0'));
  w.family(`${p}placed_since_reading`, 'G', 'Connections orcalb placed on the node since the reading its load score comes from');
  nodes.forEach((n, i) => {
    if (n.placedSinceReading !== undefined) w.sample(`${p}placed_since_reading`, labels[i] as string, num(n.placedSinceReading));
  });
  w.family(`${p}last_reading_timestamp_seconds`, 'G', 'Unix time of the last good getPerf() reading of the node');
  nodes.forEach((n, i) => {
    if (n.perfTimeSec !== undefined) w.sample(`${p}last_reading_timestamp_seconds`, labels[i] as string, num(n.perfTimeSec));
  });
  for (const [key, suffix, type, scale, help] of PERF_FAMILIES) {
    w.family(p + suffix, type, help);
    nodes.forEach((n, i) => {
      const v = n.perf?.get(key);
      // A negative figure is DolphinDB's "no data" (its latencies read a NULL as a huge negative number).
      if (v !== undefined && v >= 0) w.sample(p + suffix, labels[i] as string, num(v * scale));
    });
  }
}

/**
 * orcalb_dolphindb_requests_total{proxy,node,kind,status} and the orcalb_dolphindb_request_seconds histogram
 * (first request byte to last reply byte, as orcalb sees them), per node of a backend with option dolphindb-inspect.
 */
export function renderDolphinDbRequests(w: ExpositionWriter, nodes: readonly DolphinDbRequestMetrics[]): void {
  if (nodes.length === 0) return;
  const total = 'orcalb_dolphindb_requests_total';
  w.family(total, 'C', 'DolphinDB requests through the node by kind (connect, script, function, upload, other) and reply status (ok, error), option dolphindb-inspect');
  for (const n of nodes) {
    const base = `proxy="${escapeLabel(n.proxy)}",node="${escapeLabel(n.node)}"`;
    n.counts.forEach(([ok, err], k) => {
      const kind = DDB_KIND_NAMES[k] ?? 'other';
      w.sample(total, `{${base},kind="${kind}",status="ok"}`, num(ok));
      w.sample(total, `{${base},kind="${kind}",status="error"}`, num(err));
    });
  }
  const h = 'orcalb_dolphindb_request_seconds';
  w.family(h, 'H', 'Latency of DolphinDB requests through the node, seconds: from the first request byte to the last reply byte, option dolphindb-inspect');
  for (const n of nodes) {
    const base = `proxy="${escapeLabel(n.proxy)}",node="${escapeLabel(n.node)}"`;
    let cumulative = 0;
    n.buckets.forEach((c, i) => {
      cumulative += c;
      const le = i < DDB_LATENCY_BOUNDS.length ? num(DDB_LATENCY_BOUNDS[i] as number) : '+Inf';
      w.sample(`${h}_bucket`, `{${base},le="${le}"}`, num(cumulative));
    });
    w.sample(`${h}_sum`, `{${base}}`, num(n.sumSeconds));
    w.sample(`${h}_count`, `{${base}}`, num(cumulative));
  }
}

/** orcalb_thread_*. */
export function renderThreads(w: ExpositionWriter, threads: readonly ForwarderThreadMetrics[]): void {
  const labels = threads.map((t) => `{thread="${t.thread}"}`);
  w.family('orcalb_thread_current_connections', 'G', 'Client connections the forwarder thread holds now');
  threads.forEach((t, i) => w.sample('orcalb_thread_current_connections', labels[i] as string, num(t.currentConnections)));
  w.family('orcalb_thread_connections_total', 'C', 'Client connections the forwarder thread handled since it started');
  threads.forEach((t, i) => w.sample('orcalb_thread_connections_total', labels[i] as string, num(t.connectionsTotal)));
  w.family('orcalb_thread_cpu_seconds_total', 'C', 'CPU time the forwarder thread used since it started, seconds, by mode (user, system)');
  threads.forEach((t) => {
    if (t.cpuUserSeconds !== undefined) w.sample('orcalb_thread_cpu_seconds_total', `{thread="${t.thread}",mode="user"}`, num(t.cpuUserSeconds));
    if (t.cpuSystemSeconds !== undefined) w.sample('orcalb_thread_cpu_seconds_total', `{thread="${t.thread}",mode="system"}`, num(t.cpuSystemSeconds));
  });
}

/** haproxy_sticktable_size / _used, last declared table first as 2.6 lists them; a table of size 0 is left out. */
export function renderStickTables(w: ExpositionWriter, tables: readonly StickTableMetrics[]): void {
  const shown = tables.filter((t) => t.size > 0).reverse();
  const labels = shown.map((t) => `{name="${escapeLabel(t.name)}",type="${escapeLabel(t.type)}"}`);
  w.family('haproxy_sticktable_size', 'G', 'Stick table size.');
  shown.forEach((t, i) => w.sample('haproxy_sticktable_size', labels[i] as string, num(t.size)));
  w.family('haproxy_sticktable_used', 'G', 'Number of entries used in this stick table.');
  shown.forEach((t, i) => w.sample('haproxy_sticktable_used', labels[i] as string, num(t.used)));
}
