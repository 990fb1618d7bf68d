// Thread entry of the health-check thread: attaches the shared buffer, runs core/health/health-checker.ts and the
// stick tables' expiry sweeper (core/stick/stick-sweeper.ts), marks the global `healthReady` word, answers a memory
// report (SIGQUIT) and stops on { type: 'stop' } (or 'hard-stop') from the main thread.
// Wiring only; every decision lives in core/health/.

import { parentPort, workerData } from 'node:worker_threads';
import { threadMemory } from '../core/diagnostics/memory-usage.js';
import { HealthChecker } from '../core/health/health-checker.js';
import { applyBalanceChange } from '../config/balance-change.js';
import { applyProxySlotChange } from '../config/proxies-change.js';
import { IdleCompaction } from '../core/io/idle-compaction.js';
import { createLogger, type Logger } from '../core/log.js';
import { SharedState } from '../core/shared/state-buffer.js';
import { topologyOf } from '../core/shared/topology.js';
import { StickSweeper } from '../core/stick/stick-sweeper.js';
import { StickTables } from '../core/stick/stick-tables.js';
import { applyServerCommand } from '../core/health/server-commands.js';
import { DiscoveryRunners } from '../core/dolphindb/discovery-runner.js';
import { applyServerSetChange } from '../core/shared/server-slots.js';
import { applyTimeoutsChange } from '../config/timeouts-change.js';
import { asCliHealth, asControl, asServerAdmin, parseHealthData, type CliHealthDoneMessage, type ReportMessage, type ServerAdminDoneMessage } from './messages.js';

const data = parseHealthData(workerData, 'health-checker');
const state = SharedState.attach(data.buffer);
const topology = topologyOf(data.config, data.threads);
// HAProxy prints state changes on stderr at one level and sends them to syslog at another: two loggers.
const stderr = createLogger([]);
// Each backend's lines go to its own targets with its own tag (HAProxy's send_log(proxy, …)); none without `log`.
const { global } = data.config;
const syslogs = new Map<string, Logger>();
for (const be of data.config.backends) {
  if ((be.log?.length ?? 0) === 0) continue;
  const logTag = be.logTag ?? global.logTag;
  const settings = {
    log: be.log ?? [],
    ...(logTag === undefined ? {} : { logTag }),
    ...(global.logSendHostname === undefined ? {} : { logSendHostname: global.logSendHostname }),
  };
  syslogs.set(be.name, createLogger(settings, { stderr: false }));
}
const syslog = (backend: string): Logger | undefined => syslogs.get(backend);
const checker = new HealthChecker(data.config, state, topology, stderr, { syslog });

const sweeper = new StickSweeper(new StickTables(state, topology.stick, -1));

checker.start();
sweeper.start();
const discovery = new DiscoveryRunners(data.config, checker);
discovery.start();
state.storeGlobal('healthReady', 1);
parentPort?.postMessage({ type: 'ready' });
// Start-up's garbage and grown young generation back once idle (issue 10, idle RSS).
new IdleCompaction({ fromStart: true });

let stopping = false;
parentPort?.on('message', (msg: unknown) => {
  const adminAsk = asServerAdmin(msg);
  if (adminAsk !== undefined) {
    // A stats admin POST relayed by main: this thread writes server state, so it applies the action itself.
    const b = data.config.backends.findIndex((be) => be.name === adminAsk.request.backend);
    const servers = data.config.backends[b]?.servers ?? [];
    const answer = adminAsk.request.servers.map((name) => {
      const s = servers.findIndex((srv) => srv.name === name && srv.retired !== true);
      return b < 0 || s < 0 ? ('error' as const) : checker.admin(b, s, adminAsk.request.action);
    });
    const done: ServerAdminDoneMessage = { type: 'server-admin-done', id: adminAsk.id, answer };
    parentPort?.postMessage(done);
    return;
  }
  const cliAsk = asCliHealth(msg);
  if (cliAsk !== undefined) {
    // A runtime API change to one server (set server/weight, enable/disable …), relayed by main.
    const r = cliAsk.request;
    const answer =
      r.kind === 'server' ? applyServerCommand(checker, data.config, r.backend, r.server, r.command)
      : r.kind === 'discovery-status' ? { ok: true, data: discovery.statusLines(r.backend) }
      : checker.clearCheckCounters();
    const done: CliHealthDoneMessage = { type: 'cli-health-done', id: cliAsk.id, answer };
    parentPort?.postMessage(done);
    return;
  }
  const control = asControl(msg);
  if (control?.type === 'server-set') {
    // `add server` / `del server`: this thread's Config first, then the checks of that slot.
    if (applyServerSetChange(data.config, control.change)) checker.serverSetChanged(control.change.backend, control.change.index);
    return;
  }
  if (control?.type === 'proxies') {
    // A reload's backends added (their servers' checks armed, as a `server` line's at start) or removed (stopped).
    if (!applyProxySlotChange(data.config, control.change)) return;
    for (const { index } of control.change.backends) data.config.backends[index]?.servers.forEach((_srv, s) => checker.serverSetChanged(index, s));
    return;
  }
  if (control?.type === 'balance') {
    // `set weight` reads the algorithm (a map-based hash takes no run-time weight): this thread's Config follows.
    applyBalanceChange(data.config, control.change);
    return;
  }
  if (control?.type === 'timeouts') {
    // A reload's new `timeout` lines: a backend's checks take `timeout check`/`connect` when armed, so arm them again.
    if (applyTimeoutsChange(data.config, control.change) && control.change.proxy === 'backend') {
      const b = control.change.index;
      data.config.backends[b]?.servers.forEach((_srv, s) => checker.serverSetChanged(b, s));
    }
    return;
  }
  if (control?.type === 'memory-report') {
    const answer: ReportMessage = { type: 'memory', id: control.id, kind: 'health-checker', thread: -1, figures: threadMemory() };
    parentPort?.postMessage(answer);
    return;
  }
  if (control === undefined || stopping) return;
  if (control.type !== 'stop' && control.type !== 'hard-stop') return;
  stopping = true;
  sweeper.stop();
  discovery.stop();
  void checker.stop().finally(() => {
    for (const l of syslogs.values()) l.close();
    stderr.close();
    parentPort?.close();
    process.exit(0);
  });
});
