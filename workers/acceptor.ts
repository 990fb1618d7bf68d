// Acceptor thread entry: owns the listening sockets, applies global/frontend maxconn, duplicates each accepted
// connection's fd and posts it to the main thread's forwarder pool, which hands it to the least-loaded forwarder.

import type net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { threadMemory } from '../core/diagnostics/memory-usage.js';
import { OrcaError } from '../core/errors.js';
import { Admission } from '../core/forward/admission.js';
import { detachSocket, loadFdDup } from '../core/forward/fd-handoff.js';
import { closeListeners, listenTargets, openListeners } from '../core/forward/listeners.js';
import { SharedState } from '../core/shared/state-buffer.js';
import { asControl, type AcceptorData, type Handoff, type ReportMessage } from './messages.js';

const data = workerData as AcceptorData;
const port = parentPort;
if (port === null) throw new Error('acceptor.js must run as a worker thread');
const report = (m: ReportMessage | Handoff): void => port.postMessage(m);

const dup = loadFdDup();
if (dup === undefined) throw new Error('fd-dup addon unavailable: main should have chosen --accept reuseport');
const state = SharedState.attach(data.buffer);
const admission = new Admission(state, data.config);
let stopping = false;

function handOver(socket: net.Socket, frontend: number, bind: number): void {
  try {
    const fd = detachSocket(socket, dup as (fd: number) => number);
    report({ fd, frontend, bind });
  } catch {
    // detachSocket destroyed the socket: this client is refused, the thread goes on.
    socket.destroy();
  }
}

let listeners: net.Server[] = [];
try {
  listeners = await openListeners(listenTargets(data.config), false, (socket, t) => {
    if (stopping) return void socket.destroy();
    admission.offer(socket, t.frontend, () => handOver(socket, t.frontend, t.bind));
  });
  report({ type: 'bound', thread: -1 });
} catch (e) {
  const err = e instanceof OrcaError ? e : new OrcaError('ORCA_BIND_FAILED', String(e));
  report({ type: 'bind-error', thread: -1, error: err.toPlain() });
}

port.on('message', (msg: unknown) => {
  const c = asControl(msg);
  if (c?.type === 'memory-report') report({ type: 'memory', id: c.id, kind: 'acceptor', thread: -1, figures: threadMemory() });
  if (c?.type !== 'stop') return;
  stopping = true;
  admission.clear();
  void closeListeners(listeners).then(() => report({ type: 'drained', thread: -1 }));
});
