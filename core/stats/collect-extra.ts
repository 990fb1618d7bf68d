// orcalb's own figures beside HAProxy's rows, for the Prometheus exporter's orcalb_* families and the dashboard:
// each forwarder's live and total connections and CPU time (THREAD_FIELDS), and each `balance dolphindb-load`
// server's load score and placements since its last reading. Read from the shared buffer only. Stats thread.

import type { Config } from '../../config/model.js';
import { readsLoad } from '../health/load-reading.js';
import type { SharedState } from '../shared/state-buffer.js';
import { stickStores } from '../shared/stick-store.js';
import { serverSlotIndex, type Topology } from '../shared/topology.js';

export interface ThreadLoad {
  readonly thread: number;
  readonly currentConnections: number;
  readonly connectionsTotal: number;
  readonly cpuUserSeconds?: number;
  readonly cpuSystemSeconds?: number;
}

export interface DolphinNodeLoad {
  readonly proxy: string;
  readonly server: string;
  /** The slot's loadScore word (score ×1000, or its no-reading / failed sentinels). */
  readonly loadScore: number;
  readonly placedSinceReading?: number;
}

/** One stick table's size and entries in use (the exporter's haproxy_sticktable_* families). */
export interface StickTableUse {
  readonly name: string;
  readonly type: string;
  readonly size: number;
  readonly used: number;
}

/** The shape both the exporter's OrcalbMetrics and the dashboard's DashboardExtra take. */
export interface ExtraFigures {
  readonly threads: readonly ThreadLoad[];
  readonly dolphindbNodes: readonly DolphinNodeLoad[];
  /** Stick tables in config order. */
  readonly stickTables: readonly StickTableUse[];
}

/** The figures now. Allocates per call (once per page or frame). */
export function collectExtra(config: Config, state: SharedState, topology: Topology): ExtraFigures {
  const threads: ThreadLoad[] = [];
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
  const dolphindbNodes: DolphinNodeLoad[] = [];
  config.backends.forEach((be, b) => {
    if (!readsLoad(be)) return;
    be.servers.forEach((srv, s) => {
      const slot = state.server(serverSlotIndex(topology, b, s));
      dolphindbNodes.push({ proxy: be.name, server: srv.name, loadScore: slot.load('loadScore'), placedSinceReading: slot.load('placedSinceReading') });
    });
  });
  // Thread -1: a reader that holds no track words (it only reads each table's entry count).
  const stickTables = stickStores(state, topology.stick, -1).map((t) => ({
    name: t.layout.name, type: t.layout.keyType, size: t.layout.size, used: t.count(),
  }));
  return { threads, dolphindbNodes, stickTables };
}
