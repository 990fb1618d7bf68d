// HAProxy 2.6's Prometheus exporter (`http-request use-service prometheus-exporter`, the PROMEX addon): renders a
// StatSnapshot (core/stats/stat-columns.ts) in the Prometheus text exposition format (version 0.0.4) with 2.6.12's
// metric names, HELP/TYPE lines, label sets and family order (haproxy_process_*, _frontend_*, _listener_*,
// _backend_*, _server_*, _sticktable_*), then orcalb's own families (orcalb_dolphindb_node_*, orcalb_thread_*).
// The public surface the stats thread calls: parsePrometheusQuery, renderPrometheus (one string) or prometheusChunks
// (the same text in pieces, written with backpressure by prometheus-write.ts writePrometheus), the head fields.
// Pure; the stats thread (never a forwarder: the answer is built per scrape, a few ms to tens of ms).

import { INFO, type StatSnapshot } from './stat-columns.js';
import { PROCESS_FAMILIES } from './prometheus-families.js';
import { renderDolphinDbNodes, renderDolphinDbRequests, renderStickTables, renderThreads, type OrcalbMetrics } from './prometheus-orcalb.js';
import { proxiesOf, renderBackends, renderFrontends, renderServers } from './prometheus-proxies.js';
import { PromScope, type PrometheusQuery } from './prometheus-query.js';
import { ExpositionWriter, escapeLabel, sampleValue } from './prometheus-text.js';

export { parsePrometheusQuery, PromScope, PROM_SCOPE_ALL, PROMETHEUS_QUERY_ALL } from './prometheus-query.js';
export type { PrometheusQuery } from './prometheus-query.js';
export type { DolphinDbNodeMetrics, ForwarderThreadMetrics, OrcalbMetrics, StickTableMetrics } from './prometheus-orcalb.js';

/** Content-Type of the answer, as haproxy 2.6.12's exporter sends it. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4';

/**
 * The head fields of a 200 answer in 2.6.12's order (then `transfer-encoding: chunked`: it streams). 2.6.12 answers
 * any method (a HEAD gets the head alone); a query it refuses gets its standard 400 page (parsePrometheusQuery →
 * undefined). Measured with curl on a running haproxy 2.6.12.
 */
export const PROMETHEUS_RESPONSE_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['cache-control', 'no-cache'],
  ['content-type', PROMETHEUS_CONTENT_TYPE],
];

/** haproxy_process_*: one sample per `show info` field, build_info as a version label with value 1. */
function renderProcess(w: ExpositionWriter, snapshot: StatSnapshot): void {
  for (const [suffix, field, type, help] of PROCESS_FAMILIES) {
    const name = `haproxy_process_${suffix}`;
    w.family(name, type, help);
    if (suffix === 'build_info') {
      const version = snapshot.info[INFO['Build info']] ?? snapshot.info[INFO.Version] ?? '';
      w.sample(name, `{version="${escapeLabel(String(version))}"}`, '1');
    } else {
      w.sample(name, '', sampleValue(field === undefined ? undefined : snapshot.info[INFO[field]]));
    }
  }
}

/** Size of the pieces prometheusChunks yields (about; a piece ends at a line end). */
export const PROMETHEUS_CHUNK_BYTES = 64 * 1024;

/**
 * The /metrics answer body for `snapshot`, filtered by `query`, in pieces of about `chunkBytes` (each ends at a line
 * end): for a stats thread that writes them as the socket drains, so a slow or stalled scraper holds one piece and
 * the generator, never the whole answer (10 MiB for 100 proxies × 20 servers). `extra` adds the stick tables and the
 * orcalb_* families. Pure; never throws on any snapshot (an empty or odd cell renders NaN).
 */
export function* prometheusChunks(
  snapshot: StatSnapshot,
  query: PrometheusQuery,
  extra?: OrcalbMetrics,
  chunkBytes = PROMETHEUS_CHUNK_BYTES,
): Generator<string, void, void> {
  const w = new ExpositionWriter(chunkBytes);
  const scopes = query.scopes;
  if (scopes & PromScope.GLOBAL) renderProcess(w, snapshot);
  const proxies = proxiesOf(snapshot.rows);
  if (scopes & PromScope.FRONTEND) yield* renderFrontends(w, proxies, 'F');
  if (scopes & PromScope.LISTENER) yield* renderFrontends(w, proxies, 'L');
  if (scopes & PromScope.BACKEND) yield* renderBackends(w, proxies);
  if (scopes & PromScope.SERVER) yield* renderServers(w, proxies, query.noMaint);
  if (scopes & PromScope.STICKTABLE && extra?.stickTables !== undefined) renderStickTables(w, extra.stickTables);
  if (scopes & PromScope.ORCALB && extra !== undefined) {
    renderDolphinDbNodes(w, extra.dolphindbNodes);
    renderDolphinDbRequests(w, extra.dolphindbRequests ?? []);
    renderThreads(w, extra.threads);
  }
  const rest = w.take();
  if (rest !== '') yield rest;
}

/**
 * The whole /metrics answer body as one string (prometheusChunks joined). Pure; never throws on any snapshot.
 */
export function renderPrometheus(snapshot: StatSnapshot, query: PrometheusQuery, extra?: OrcalbMetrics): string {
  let text = '';
  for (const piece of prometheusChunks(snapshot, query, extra, Infinity)) text += piece;
  return text;
}
