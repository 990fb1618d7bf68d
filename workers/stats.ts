// Thread entry of the stats thread: serves every stats-only proxy (HAProxy's stats applet: `listen stats` with
// `stats enable`/`stats uri` and no server traffic) with core/stats/stats-service.ts on the listening sockets the
// main thread opened for them, and the runtime API (`stats socket`) with core/cli/cli-server.ts; reads every figure
// from the shared buffer, relays admin POSTs to the health thread and CLI requests (`cli-relay`) to main. Restarted
// by main if it dies. Wiring only.

import { applyServerSetChange } from '../core/shared/server-slots.js';
import { applyTimeoutsChange } from '../config/timeouts-change.js';
import { applyBindsChange } from '../config/binds-change.js';
import { applyProxySlotChange } from '../config/proxies-change.js';
import { applyBalanceChange } from '../config/balance-change.js';
import { parentPort, workerData } from 'node:worker_threads';
import { threadMemory } from '../core/diagnostics/memory-usage.js';
import type { AdminAnswer, AdminRequest } from '../core/health/server-admin.js';
import { SharedState } from '../core/shared/state-buffer.js';
import { lowerThisThreadPriority } from '../core/thread-priority.js';
import { topologyOf } from '../core/shared/topology.js';
import { StatsService } from '../core/stats/stats-service.js';
import { CLI_COMMANDS } from '../core/cli/command-table.js';
import type { CliRelayAnswer, CliRelayRequest } from '../core/cli/cli-relay.js';
import { CliServer } from '../core/cli/cli-server.js';
import {
  asCliRelayDone, asControl, asServerAdminDone, type CliRelayMessage, type ReportMessage, type ServerAdminMessage, type StatsData,
} from './messages.js';
import { ORCALB_VERSION } from './version.js';

const STATS = -2;
/** An admin request the health thread does not answer within this is reported as UNKN. */
const ADMIN_TIMEOUT_MS = 5000;

/**
 * The stats thread's nice value: a storm on a stats port (200 dashboard clients reconnecting at once cost this thread
 * 114–252 ms of CPU a second, measured) yields to the forwarders sharing its CPU instead of taking their time.
 */
const STATS_NICE = 10;

const port = parentPort;
if (port === null) throw new Error('stats.js must run as a worker thread');
lowerThisThreadPriority(STATS_NICE);
const data = workerData as StatsData;
const state = SharedState.attach(data.buffer);
const report = (m: ReportMessage): void => port.postMessage(m);

let nextId = 1;
const pending = new Map<number, (answer: AdminAnswer) => void>();
const admin = (request: AdminRequest): Promise<AdminAnswer> =>
  new Promise((resolve, reject) => {
    const id = nextId++;
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error('the health thread did not answer'));
    }, ADMIN_TIMEOUT_MS);
    pending.set(id, (answer) => {
      clearTimeout(timer);
      pending.delete(id);
      resolve(answer);
    });
    const msg: ServerAdminMessage = { type: 'server-admin', id, request };
    port.postMessage(msg);
  });

/** A runtime API request main does not answer within this fails the command (its text says so). */
const RELAY_TIMEOUT_MS = 5000;
const relays = new Map<number, (answer: CliRelayAnswer) => void>();
const relay = (request: CliRelayRequest): Promise<CliRelayAnswer> =>
  new Promise((resolve, reject) => {
    const id = nextId++;
    const timer = setTimeout(() => {
      relays.delete(id);
      reject(new Error('no answer from the thread in charge'));
    }, RELAY_TIMEOUT_MS);
    relays.set(id, (answer) => {
      clearTimeout(timer);
      relays.delete(id);
      resolve(answer);
    });
    const msg: CliRelayMessage = { type: 'cli-relay', id, request };
    port.postMessage(msg);
  });

const topology = topologyOf(data.config, data.threads);
const cli = new CliServer({
  config: data.config,
  state,
  topology,
  threads: data.threads,
  version: ORCALB_VERSION,
  startedMs: data.startedMs,
  targets: data.cli.targets,
  ...(data.cli.fds?.[0] === undefined ? {} : { fds: data.cli.fds[0] }),
  commands: CLI_COMMANDS,
  relay,
});

const service = new StatsService({
  config: data.config,
  state,
  topology,
  targets: data.listeners.targets,
  ...(data.listeners.fds?.[0] === undefined ? {} : { fds: data.listeners.fds[0] }),
  admin,
  version: ORCALB_VERSION,
  startedMs: data.startedMs,
  threads: data.threads,
});

try {
  await service.listen();
  await cli.listen();
  report({ type: 'bound', thread: STATS });
} catch (e) {
  report({ type: 'bind-error', thread: STATS, error: { code: 'ORCA_BIND_FAILED', message: `stats listener: ${String(e)}` } });
}

port.on('message', (msg: unknown) => {
  const done = asServerAdminDone(msg);
  if (done !== undefined) return void pending.get(done.id)?.(done.answer);
  const relayed = asCliRelayDone(msg);
  if (relayed !== undefined) return void relays.get(relayed.id)?.(relayed.answer);
  const c = asControl(msg);
  if (c?.type === 'server-set') {
    // `add server` / `del server`: the stats, the exporter and the CLI read this thread's Config at each request.
    applyServerSetChange(data.config, c.change);
  } else if (c?.type === 'timeouts') {
    applyTimeoutsChange(data.config, c.change);
  } else if (c?.type === 'balance') {
    applyBalanceChange(data.config, c.change);
  } else if (c?.type === 'binds') {
    applyBindsChange(data.config, c.change);
  } else if (c?.type === 'proxies') {
    // The stats page lists the proxies it found at start: it lists them again (a retired one no more).
    if (applyProxySlotChange(data.config, c.change)) service.proxiesChanged();
  } else if (c?.type === 'memory-report') {
    report({ type: 'memory', id: c.id, kind: 'stats', thread: STATS, figures: threadMemory() });
  } else if (c?.type === 'stop' || c?.type === 'hard-stop') {
    service.close();
    cli.close();
    port.close();
    process.exit(0);
  } else if (c?.type === 'crash') {
    setImmediate(() => {
      throw new Error('test hook: crash-stats');
    });
  }
});
