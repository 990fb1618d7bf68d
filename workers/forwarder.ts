// Forwarder thread: a worker of the piscina pool the main thread owns (one task per connection, resolving when it
// closes). At start it claims a thread slot in the shared buffer; with `--accept reuseport` it also listens itself.
// Wiring only; the work is in core/forward/.

import type net from 'node:net';
import { BroadcastChannel, parentPort, threadId } from 'node:worker_threads';
import { workerData } from 'piscina';
import { threadMemory } from '../core/diagnostics/memory-usage.js';
import { OrcaError } from '../core/errors.js';
import { Admission } from '../core/forward/admission.js';
import { buildBackends } from '../core/forward/backend-runtime.js';
import { adoptSocket } from '../core/forward/fd-handoff.js';
import { runL4Session, type SessionEnv } from '../core/forward/l4-session.js';
import { closeIdleServerConnections, runL7Session } from '../core/forward/l7-session.js';
import { closeListeners, listenTargets, openListeners } from '../core/forward/listeners.js';
import { createLogger } from '../core/log.js';
import { ConnAccounting } from '../core/shared/conn-accounting.js';
import { SharedState } from '../core/shared/state-buffer.js';
import { topologyOf } from '../core/shared/topology.js';
import { CONTROL_CHANNEL, asControl, asHandoff, type ForwarderData, type ReportMessage } from './messages.js';
import { claimThreadSlot } from './thread-slot.js';

const data = workerData as ForwarderData;
const report = (m: ReportMessage): void => parentPort?.postMessage(m);
const state = SharedState.attach(data.buffer);
const accounting = new ConnAccounting(state);
const thread = await claimThreadSlot(state, data.threads, threadId);
const hardStop = new AbortController();
const softStop = new AbortController();
const env: SessionEnv = {
  state,
  accounting,
  thread,
  frontends: data.config.frontends,
  backends: buildBackends(data.config, state, topologyOf(data.config, data.threads), { accounting, thread }),
  backendByName: new Map(data.config.backends.map((b, i) => [b.name, i])),
  logger: createLogger(data.config.global.log),
  stopSignal: hardStop.signal,
  softStopSignal: softStop.signal,
};

const live = new Set<net.Socket>();
let stopping = false;

/** Runs one session; the slot is counted here, where the owning thread is known. Never rejects. */
function serve(socket: net.Socket, frontend: number, bind: number): Promise<void> {
  accounting.clientOpened(thread, frontend);
  live.add(socket);
  // `mode http` frontends get the HTTP engine; everything else is a TCP pipe.
  const run = env.frontends[frontend]?.mode === 'http' ? runL7Session : runL4Session;
  return run(env, socket, frontend, bind).finally(() => {
    live.delete(socket);
    if (stopping && live.size === 0) report({ type: 'drained', thread });
  });
}

let listeners: net.Server[] = [];

/** Soft stop on this thread: no new connections, idle server connections closed, 'drained' once none is live. */
function stopHere(): void {
  stopping = true;
  softStop.abort();
  closeIdleServerConnections();
  void closeListeners(listeners);
  listeners = [];
  if (live.size === 0) report({ type: 'drained', thread });
}

// Control messages are broadcast by the main thread: piscina owns the worker's parentPort.
const control = new BroadcastChannel(CONTROL_CHANNEL);
control.unref();
control.onmessage = (event: unknown) => {
  const c = asControl((event as { data?: unknown }).data);
  if (c === undefined) return;
  if (c.type === 'stop') {
    if (!stopping) stopHere();
  } else if (c.type === 'hard-stop') {
    hardStop.abort();
    for (const s of live) s.destroy();
  } else if (c.type === 'memory-report') {
    report({ type: 'memory', id: c.id, kind: 'forwarder', thread, figures: threadMemory() });
  } else if (c.type === 'crash' && c.thread === thread) {
    // Test hook (ORCALB_TEST_HOOKS): a simulated bug, thrown outside any handler.
    setImmediate(() => {
      throw new Error(`test hook: crash-forwarder ${thread}`);
    });
  }
};
// A forwarder that replaces a dead one during a soft stop missed the 'stop' broadcast: the shared word tells it. Read
// after subscribing, so a stop stored after this read is broadcast to this thread too.
const bornStopping = state.loadGlobal('stopping') === 1;

if (data.accept === 'reuseport' && !bornStopping) {
  const admission = new Admission(state, data.config);
  try {
    listeners = await openListeners(listenTargets(data.config), true, (socket, t) => {
      if (stopping) return void socket.destroy();
      admission.offer(socket, t.frontend, () => void serve(socket, t.frontend, t.bind));
    });
    // A stop that came while binding found no listener to close.
    if (stopping) void closeListeners(listeners.splice(0));
    report({ type: 'bound', thread });
  } catch (e) {
    const err = e instanceof OrcaError ? e : new OrcaError('ORCA_BIND_FAILED', String(e));
    report({ type: 'bind-error', thread, error: err.toPlain() });
  }
}

report({ type: 'ready', thread });
if (bornStopping) stopHere();

/** The piscina task: one handed-over connection, resolved when it is closed. */
export default function forward(task: unknown): Promise<void> {
  const h = asHandoff(task);
  if (h === undefined) return Promise.resolve();
  let socket: net.Socket;
  try {
    socket = adoptSocket(h.fd, { allowHalfOpen: true });
  } catch (e) {
    env.logger.log('err', `forwarder ${thread}: cannot adopt a connection: ${String(e)}`);
    return Promise.resolve();
  }
  return serve(socket, h.frontend, h.bind);
}
