// Acceptor thread entry: accepts on dups of the listening sockets the main thread keeps (so a restart never binds
// again), natively (native/accept-watch.c: accept4, no net.Socket, no dup per connection), admitting each connection
// under global/frontend maxconn before it accepts it, and hands the fd straight to the least-loaded forwarder: a
// handoff ticket in the shared buffer, its id posted on that forwarder's handoff port, one message per forwarder per
// accept burst (core/accept/handoff-ports.ts). No main-thread hop and no message back: the forwarder reports the
// connection's end through the shared counters. Wiring only.

import { parentPort, workerData } from 'node:worker_threads';
import { threadMemory } from '../core/diagnostics/memory-usage.js';
import { OrcaError } from '../core/errors.js';
import { Admission } from '../core/accept/admission.js';
import { HandoffPorts } from '../core/accept/handoff-ports.js';
import { ListenerSet } from '../core/accept/listener-set.js';
import { IdleCompaction, residentTrim } from '../core/io/idle-compaction.js';
import { createLogger } from '../core/log.js';
import { loadNativeAddon } from '../core/native-addon.js';
import { ConnAccounting } from '../core/shared/conn-accounting.js';
import { SharedState } from '../core/shared/state-buffer.js';
import { asControl, asForwarderLink, type AcceptorData, type ReportMessage } from './messages.js';
import type { PauseReason } from '../core/accept/listener-set.js';

const ACCEPTOR = -1;
const data = workerData as AcceptorData;
const port = parentPort;
if (port === null) throw new Error('acceptor.js must run as a worker thread');
const report = (m: ReportMessage): void => port.postMessage(m);

const addon = loadNativeAddon(data.addonPath);
if (addon === undefined) throw new Error('fd-dup addon unavailable: main should have chosen --accept reuseport');
const state = SharedState.attach(data.buffer);
const accounting = new ConnAccounting(state);
const logger = createLogger(data.config.global);
const forwarders = new HandoffPorts(state, accounting);
for (const link of data.forwarders) forwarders.add(link);
// Start-up's garbage and grown young generation back once idle (issue 10, idle RSS).
new IdleCompaction({ fromStart: true, trim: residentTrim(addon) });

// Started between SIGTTOU and SIGTTIN (a restart): stay paused until main says otherwise.
const listeners = new ListenerSet(
  {
    targets: data.listeners.targets,
    fds: data.listeners.fds?.[0] ?? [],
    addon,
    gate: {
      reserve: (t) => admission.reserve(t),
      release: (t) => admission.release(t),
      accepted: (fd, t) => admission.accepted(fd, t),
    },
    onConnection: (socket) => socket.destroy(),
    onLost: (alert) => report({ type: 'listener-lost', thread: ACCEPTOR, alert }),
    onLimit: (message) => logger.log('emerg', message),
    maxsock: data.maxsock,
  },
  state.loadGlobal('listenersPaused') === 1 ? ['signal'] : [],
);
// A frontend the runtime API disabled stays paused across a restart of this thread.
for (let fe = 0; fe < state.counts.frontends; fe++) if (state.frontend(fe).load('adminPaused') === 1) listeners.pause('admin', fe);
const admission = new Admission(state, accounting, listeners, {
  admit: (conn, t) => typeof conn === 'number' && forwarders.handOver(conn, t),
  canTake: () => forwarders.canTake(),
});

try {
  await listeners.open();
  report({ type: 'bound', thread: ACCEPTOR });
} catch (e) {
  const err = e instanceof OrcaError ? e : new OrcaError('ORCA_BIND_FAILED', String(e));
  report({ type: 'bind-error', thread: ACCEPTOR, error: err.toPlain() });
}

port.on('message', (msg: unknown) => {
  const link = asForwarderLink(msg);
  if (link !== undefined) return forwarders.add(link.link);
  const c = asControl(msg);
  if (c?.type === 'stop') {
    admission.close();
    listeners.closeAll();
    report({ type: 'drained', thread: ACCEPTOR });
  } else if (c?.type === 'listeners-change') {
    // A reload's binds: the removed ones stop now (main closes its sockets once this answers), the new ones start
    // paused as the rest of their frontend is (SIGTTOU, `disable frontend`).
    for (const r of c.remove) listeners.remove(r.frontend, r.bind);
    const alerts: string[] = [];
    const failed: { frontend: number; bind: number }[] = [];
    for (const [i, t] of c.add.targets.entries()) {
      const fd = c.add.fds?.[0]?.[i];
      const paused: PauseReason[] = state.loadGlobal('listenersPaused') === 1 ? ['signal'] : [];
      if (state.frontend(t.frontend).load('adminPaused') === 1) paused.push('admin');
      try {
        listeners.add([t], fd === undefined ? [] : [fd], paused);
      } catch (e) {
        // Main closes its socket: a port nobody accepts on would leave clients hanging in its queue.
        alerts.push(e instanceof Error ? e.message : String(e));
        failed.push({ frontend: t.frontend, bind: t.bind });
      }
    }
    report({ type: 'listeners-changed', thread: ACCEPTOR, ...(alerts.length === 0 ? {} : { alert: alerts.join('; '), failed }) });
  } else if (c?.type === 'memory-report') {
    report({ type: 'memory', id: c.id, kind: 'acceptor', thread: ACCEPTOR, figures: threadMemory() });
  } else if (c?.type === 'pause-listeners') {
    listeners.pause(c.frontend === undefined ? 'signal' : 'admin', c.frontend);
    report({ type: 'listeners-paused', thread: ACCEPTOR });
  } else if (c?.type === 'resume-listeners') {
    void listeners.resume(c.frontend === undefined ? 'signal' : 'admin', c.frontend).then(() => report({ type: 'listeners-resumed', thread: ACCEPTOR }));
  } else if (c?.type === 'crash') {
    // Test hook (ORCALB_TEST_HOOKS): a simulated bug, thrown outside any handler.
    setImmediate(() => {
      throw new Error('test hook: crash-acceptor');
    });
  }
});
