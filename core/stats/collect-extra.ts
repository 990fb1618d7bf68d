// orcalb's own figures beside HAProxy's rows, for the Prometheus exporter's orcalb_* families and the dashboard:
// each forwarder's live and total connections and CPU time (THREAD_FIELDS), and each `balance dolphindb-load`
// server's load score and placements since its last reading. Read from the shared buffer only. Stats thread.

import type { Config } from '../../config/model.js';
import { readsLoad } from '../health/load-reading.js';
import type { SharedState } from '../shared/state-buffer.js';
import { stickStores } from '../shared/stick-store.js';
import { serverSlotIndex, type Topology } from '../shared/topology.js';
import { DDB_KIND_FIELDS, DDB_LATENCY_FIELDS } from '../dolphindb/inspect-fields.js';
import type { DolphinDbNodeMetrics, DolphinDbRequestMetrics, ForwarderThreadMetrics, OrcalbMetrics } from './prometheus-orcalb.js';

/**
 * The figures now, in the exporter's types (the dashboard takes the same object). Allocates per call (once per page
 * or frame).
 */
export function collectExtra(config: Config, state: SharedState, topology: Topology): OrcalbMetrics {
  const threads: ForwarderThreadMetrics[] = [];
  for (let t = 0; t < topology.counts.threads; t++) {
    const slot = state.thread(t);
    if (slot.load('alive') === 0) continue;
    threads.push({
      thread: t,
      currentConnections: slot.load('liveConns'),
      connectionsTotal: slot.load('totalConns') >>> 0,
      cpuUserSeconds: (slot.load('cpuUserMs') >>> 0) / 1000,
      cpuSystemSeconds: (slot.load('cpuSystemMs') >>> 0) / 1000,
    });
  }
  const dolphindbNodes: DolphinDbNodeMetrics[] = [];
  config.backends.forEach((be, b) => {
    if (!readsLoad(be)) return;
    be.servers.forEach((srv, s) => {
      if (srv.retired === true) return; // a slot `del server` freed
      const slot = state.server(serverSlotIndex(topology, b, s));
      dolphindbNodes.push({ proxy: be.name, server: srv.name, loadScore: slot.load('loadScore'), placedSinceReading: slot.load('placedSinceReading') });
    });
  });
  const dolphindbRequests: DolphinDbRequestMetrics[] = [];
  config.backends.forEach((be, b) => {
    if (be.options.dolphindbInspect === undefined || be.retired === true) return;
    be.servers.forEach((srv, s) => {
      const slot = state.server(serverSlotIndex(topology, b, s));
      dolphindbRequests.push({
        proxy: be.name,
        node: srv.name,
        counts: DDB_KIND_FIELDS.map(([ok, err]) => [slot.load(ok) >>> 0, slot.load(err) >>> 0] as const),
        buckets: DDB_LATENCY_FIELDS.map((f) => slot.load(f) >>> 0),
        sumSeconds: Number(slot.loadWide('ddbLatencyUs')) / 1e6,
      });
    });
  });
  // Thread -1: a reader that holds no track words (it only reads each table's entry count).
  const stickTables = stickStores(state, topology.stick, -1).map((t) => ({
    name: t.layout.name, type: t.layout.keyType, size: t.layout.size, used: t.count(),
  }));
  return { threads, dolphindbNodes, stickTables, dolphindbRequests };
}
