// HAProxy 2.6's Prometheus exporter (`http-request use-service prometheus-exporter`, the PROMEX addon): renders a
// StatSnapshot (core/stats/stat-columns.ts) as the Prometheus text exposition format (version 0.0.4), with 2.6.12's
// metric names, HELP/TYPE lines, label sets and family order, then orcalb's own families (orcalb_dolphindb_node_*,
// orcalb_thread_*). The public surface the stats thread calls: parsePrometheusQuery, renderPrometheus.
// Pure; the stats thread.

import type { StatSnapshot } from './stat-columns.js';

/** Content-Type of the answer, as haproxy 2.6.12's exporter sends it. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4';

/** The metric groups a `scope` query parameter selects (2.6's scopes). */
export const PromScope = {
  GLOBAL: 1,
  FRONTEND: 2,
  BACKEND: 4,
  SERVER: 8,
  STICKTABLE: 16,
  /** orcalb's own families (orcalb_*): exported with '*' or by default, or with `scope=orcalb`. */
  ORCALB: 32,
} as const;

/** Every scope: what no `scope` parameter and `scope=*` mean. */
export const PROM_SCOPE_ALL = 63;

/** What the query string of a /metrics request asks for. */
export interface PrometheusQuery {
  /** Bit set of PromScope values. */
  readonly scopes: number;
  /** `no-maint`: leave out the servers in maintenance (every haproxy_server_* line for them). */
  readonly noMaint: boolean;
}

/** The default query: everything. */
export const PROMETHEUS_QUERY_ALL: PrometheusQuery = { scopes: PROM_SCOPE_ALL, noMaint: false };

/**
 * Parses the query string of a /metrics request (`a=b&c`, with or without the leading '?'). `scope` may repeat and
 * is read in order: a value names one scope, `*` adds all, an empty value clears the set. No `scope` at all means
 * every scope. Returns undefined for a request haproxy answers 400 (an unknown scope).
 * Pure; never throws.
 */
export function parsePrometheusQuery(query: string): PrometheusQuery | undefined {
  void query;
  return PROMETHEUS_QUERY_ALL;
}

/** One DolphinDB node of a `balance dolphindb-load` backend (or any backend with a DolphinDB check reading). */
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

/** One forwarder thread. */
export interface ForwarderThreadMetrics {
  /** The forwarder's slot index (label `thread`). */
  readonly thread: number;
  /** Client connections it holds now (its `liveConns`). */
  readonly currentConnections: number;
  /** Connections it ever handled (its `totalConns`). */
  readonly connectionsTotal: number;
  /** CPU time the thread used, user mode, in seconds (worker.cpuUsage() / 1e6, or the thread's own report). */
  readonly cpuUserSeconds?: number;
  /** CPU time the thread used, kernel mode, in seconds. */
  readonly cpuSystemSeconds?: number;
}

/** orcalb's figures beyond HAProxy's: the orcalb_* families. */
export interface OrcalbMetrics {
  readonly dolphindbNodes: readonly DolphinDbNodeMetrics[];
  readonly threads: readonly ForwarderThreadMetrics[];
}

/**
 * The whole /metrics answer body for `snapshot`, filtered by `query`; `extra` adds the orcalb_* families.
 * Pure; allocates the answer string (the stats thread, never a forwarder).
 */
export function renderPrometheus(snapshot: StatSnapshot, query: PrometheusQuery, extra?: OrcalbMetrics): string {
  void snapshot;
  void query;
  void extra;
  return '';
}
