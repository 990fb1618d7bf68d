// Thread entry of the stats thread: serves every stats-only proxy (HAProxy's stats applet: `listen stats` with
// `stats enable`/`stats uri` and no server traffic) with core/stats/stats-service.ts on the listening sockets the
// main thread opened for them, reads every figure from the shared buffer, and relays admin POSTs to the health
// thread through main (the single writer of server state). Restarted by main if it dies. Wiring only.

import { parentPort, workerData } from 'node:worker_threads';
import { threadMemory } from '../core/diagnostics/memory-usage.js';
import type { AdminAnswer, AdminRequest } from '../core/health/server-admin.js';
import { SharedState } from '../core/shared/state-buffer.js';
import { lowerThisThreadPriority } from '../core/thread-priority.js';
import { topologyOf } from '../core/shared/topology.js';
import { StatsService } from '../core/stats/stats-service.js';
import { asControl, asServerAdminDone, type ReportMessage, type ServerAdminMessage, type StatsData } from './messages.js';
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

const service = new StatsService({
  config: data.config,
  state,
  topology: topologyOf(data.config, data.threads),
  targets: data.listeners.targets,
  ...(data.listeners.fds?.[0] === undefined ? {} : { fds: data.listeners.fds[0] }),
  admin,
  version: ORCALB_VERSION,
  startedMs: data.startedMs,
  threads: data.threads,
});

try {
  await service.listen();
  report({ type: 'bound', thread: STATS });
} catch (e) {
  report({ type: 'bind-error', thread: STATS, error: { code: 'ORCA_BIND_FAILED', message: `stats listener: ${String(e)}` } });
}

port.on('message', (msg: unknown) => {
  const done = asServerAdminDone(msg);
  if (done !== undefined) return void pending.get(done.id)?.(done.answer);
  const c = asControl(msg);
  if (c?.type === 'memory-report') {
    report({ type: 'memory', id: c.id, kind: 'stats', thread: STATS, figures: threadMemory() });
  } else if (c?.type === 'stop' || c?.type === 'hard-stop') {
    service.close();
    port.close();
    process.exit(0);
  } else if (c?.type === 'crash') {
    setImmediate(() => {
      throw new Error('test hook: crash-stats');
    });
  }
});
