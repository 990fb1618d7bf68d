// Thread entry of the peers thread: attaches the shared buffer with its own stick-table column (index = the
// forwarder count, core/shared/topology.ts), runs one core/peers/peers-engine.ts per `peers` section over the
// tables that name it, reports 'ready' once the start-up resync is over (main starts taking traffic then), answers
// `show peers` and a memory report, and stops on { type: 'stop' } or 'hard-stop'. Wiring only.

import { parentPort, workerData } from 'node:worker_threads';
import { threadMemory } from '../core/diagnostics/memory-usage.js';
import { createLogger } from '../core/log.js';
import { PeersEngine } from '../core/peers/peers-engine.js';
import { serverKeysByTable } from '../core/peers/server-key.js';
import { showPeers } from '../core/peers/show-peers.js';
import { SharedState } from '../core/shared/state-buffer.js';
import { stickStores } from '../core/shared/stick-store.js';
import { topologyOf } from '../core/shared/topology.js';
import { stickNow } from '../core/stick/stick-clock.js';
import { asControl, asPeersShow, parseHealthData, type PeersShowDoneMessage, type ReportMessage } from './messages.js';

const data = parseHealthData(workerData, 'peers');
const state = SharedState.attach(data.buffer);
const topology = topologyOf(data.config, data.threads);
// This thread's column in every table: after the forwarders'.
const stores = stickStores(state, topology.stick, data.threads, true);
for (const s of stores) s.releaseStaleLock();
const logger = createLogger([], { quiet: data.config.global.quiet === true });
const tables = data.config.stickTables ?? [];
const serverKeys = serverKeysByTable(data.config);
let waiting = 0;
const engines = (data.config.peers ?? []).map((section) => {
  waiting++;
  return new PeersEngine(
    section,
    stores.filter((_, i) => tables[i]?.peers === section.name),
    {
      now: stickNow,
      pid: process.pid,
      log: (level, message) => logger.log(level, message),
      serverKeys,
      resynced: () => {
        waiting--;
        if (waiting === 0) parentPort?.postMessage({ type: 'ready', thread: -1 });
      },
    },
  );
});
for (const e of engines) {
  e.start().catch((err: unknown) => {
    logger.log('alert', `peers ${e.section.name}: cannot listen: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

parentPort?.on('message', (msg: unknown) => {
  const ask = asPeersShow(msg);
  if (ask !== undefined) {
    const done: PeersShowDoneMessage = { type: 'peers-show-done', id: ask.id, text: showPeers(engines, Date.now(), ask.section) };
    parentPort?.postMessage(done);
    return;
  }
  const control = asControl(msg);
  if (control?.type === 'memory-report') {
    const answer: ReportMessage = { type: 'memory', id: control.id, kind: 'peers', thread: -1, figures: threadMemory() };
    parentPort?.postMessage(answer);
    return;
  }
  if (control?.type !== 'stop' && control?.type !== 'hard-stop') return;
  for (const e of engines) e.stop();
  logger.close();
  parentPort?.close();
  process.exit(0);
});
