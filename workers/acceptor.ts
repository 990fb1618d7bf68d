// Acceptor thread entry: accepts on dups of the listening sockets the main thread keeps (so a restart never binds
// again), admits each connection under global/frontend maxconn, duplicates its fd and posts it with a handoff
// ticket to the main thread's forwarder pool, which hands it to the least-loaded forwarder. Wiring only.

import type net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { threadMemory } from '../core/diagnostics/memory-usage.js';
import { OrcaError } from '../core/errors.js';
import { Admission } from '../core/accept/admission.js';
import { detachSocket } from '../core/accept/fd-handoff.js';
import { ListenerSet } from '../core/accept/listener-set.js';
import type { ListenTarget } from '../core/accept/listeners.js';
import { loadNativeAddon } from '../core/native-addon.js';
import { ConnAccounting } from '../core/shared/conn-accounting.js';
import { HandoffTickets } from '../core/shared/handoff-tickets.js';
import { SharedState } from '../core/shared/state-buffer.js';
import { asControl, type AcceptorData, type Handoff, type ReportMessage } from './messages.js';

const ACCEPTOR = -1;
const data = workerData as AcceptorData;
const port = parentPort;
if (port === null) throw new Error('acceptor.js must run as a worker thread');
const report = (m: ReportMessage | Handoff): void => port.postMessage(m);

const addon = loadNativeAddon(data.addonPath);
if (addon === undefined) throw new Error('fd-dup addon unavailable: main should have chosen --accept reuseport');
const dup = addon.dup;
const state = SharedState.attach(data.buffer);
const accounting = new ConnAccounting(state);
const tickets = new HandoffTickets(state);

/** Hands one admitted connection over. False (nothing done) when no ticket is free; the caller un-admits. */
function handOver(socket: net.Socket, t: ListenTarget): boolean {
  const ticket = tickets.issue();
  if (ticket === undefined) return false;
  let fd: number;
  try {
    fd = detachSocket(socket, dup);
  } catch {
    // detachSocket destroyed the socket: this client is refused, its ticket and slots given back.
    tickets.claim(ticket);
    accounting.unadmitClient(t.frontend);
    return true;
  }
  report({ fd, frontend: t.frontend, bind: t.bind, slot: ticket.slot, seq: ticket.seq });
  return true;
}

// Started between SIGTTOU and SIGTTIN (a restart): stay paused until main says otherwise.
const listeners = new ListenerSet(
  {
    targets: data.listeners.targets,
    fds: data.listeners.fds?.[0] ?? [],
    dup,
    onConnection: (socket, t) => admission.onConnection(socket, t),
    onLost: (alert) => report({ type: 'listener-lost', thread: ACCEPTOR, alert }),
  },
  state.loadGlobal('listenersPaused') === 1 ? ['signal'] : [],
);
const admission = new Admission(state, accounting, data.config, listeners, {
  admit: handOver,
  canTake: () => tickets.available(),
});

try {
  await listeners.open();
  report({ type: 'bound', thread: ACCEPTOR });
} catch (e) {
  const err = e instanceof OrcaError ? e : new OrcaError('ORCA_BIND_FAILED', String(e));
  report({ type: 'bind-error', thread: ACCEPTOR, error: err.toPlain() });
}

port.on('message', (msg: unknown) => {
  const c = asControl(msg);
  if (c?.type === 'stop') {
    admission.close();
    listeners.closeAll();
    report({ type: 'drained', thread: ACCEPTOR });
  } else if (c?.type === 'memory-report') {
    report({ type: 'memory', id: c.id, kind: 'acceptor', thread: ACCEPTOR, figures: threadMemory() });
  } else if (c?.type === 'pause-listeners') {
    listeners.pause('signal');
    report({ type: 'listeners-paused', thread: ACCEPTOR });
  } else if (c?.type === 'resume-listeners') {
    void listeners.resume('signal').then(() => report({ type: 'listeners-resumed', thread: ACCEPTOR }));
  } else if (c?.type === 'crash') {
    // Test hook (ORCALB_TEST_HOOKS): a simulated bug, thrown outside any handler.
    setImmediate(() => {
      throw new Error('test hook: crash-acceptor');
    });
  }
});
