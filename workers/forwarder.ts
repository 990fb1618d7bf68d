// Forwarder thread: a worker of the piscina pool the main thread owns (one task per connection, resolving when it
// closes). At start it claims a thread slot in the shared buffer; with `--accept reuseport` it also accepts itself,
// on dups of its own row of master sockets (or, without the addon, on sockets it binds). Wiring only; the work is
// in core/forward/.

import { BroadcastChannel, parentPort, threadId } from 'node:worker_threads';
import { workerData } from 'piscina';
import { threadMemory } from '../core/diagnostics/memory-usage.js';
import { OrcaError } from '../core/errors.js';
import { Admission } from '../core/accept/admission.js';
import { buildBackends } from '../core/forward/backend-runtime.js';
import { detachSocket, discardFd } from '../core/accept/fd-handoff.js';
import { runL4Session } from '../core/forward/l4-session.js';
import { IdleServerPool } from '../core/forward/l7-idle-pool.js';
import { runL7Session } from '../core/forward/l7-session.js';
import { ListenerSet } from '../core/accept/listener-set.js';
import type { ClientConn, SessionEnv } from '../core/forward/session-env.js';
import { DeadlineSweep } from '../core/io/deadline-sweep.js';
import { SocketIo } from '../core/io/socket-io.js';
import { createLogger } from '../core/log.js';
import { loadNativeAddon } from '../core/native-addon.js';
import { ConnAccounting } from '../core/shared/conn-accounting.js';
import { HandoffTickets } from '../core/shared/handoff-tickets.js';
import { SharedState } from '../core/shared/state-buffer.js';
import { topologyOf } from '../core/shared/topology.js';
import { CONTROL_CHANNEL, asControl, asHandoff, type ForwarderData, type ReportMessage } from './messages.js';
import { claimThreadSlot } from './thread-slot.js';

const data = workerData as ForwarderData;
const report = (m: ReportMessage): void => parentPort?.postMessage(m);
const state = SharedState.attach(data.buffer);
const accounting = new ConnAccounting(state);
const tickets = new HandoffTickets(state);
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
  idlePool: new IdleServerPool(),
  stopSignal: hardStop.signal,
  softStopSignal: softStop.signal,
  io: new SocketIo(loadNativeAddon(data.addonPath)),
  sweep: new DeadlineSweep(),
  liveClients: new Set(),
};

/** Sessions running on this thread (a session may outlive its client socket while it parks its server). */
let sessions = 0;
let stopping = false;

/**
 * Runs one admitted connection this thread now owns (adopted by the session); counts it as this thread's.
 * Never rejects: a connection the session cannot adopt is closed and its admission released here.
 */
function serve(conn: ClientConn, frontend: number, bind: number): Promise<void> {
  accounting.clientAdopted(thread, frontend);
  sessions++;
  // `mode http` frontends get the HTTP engine; everything else is a TCP pipe.
  const run = env.frontends[frontend]?.mode === 'http' ? runL7Session : runL4Session;
  return run(env, conn, frontend, bind)
    .catch((e: unknown) => {
      // Only adoption throws out of a session (a session's own failures end in closing its client).
      if (typeof conn === 'number') discardFd(conn);
      else conn.destroy();
      accounting.clientClosed(thread, frontend);
      env.logger.log('err', `forwarder ${thread}: cannot adopt a connection: ${String(e)}`);
    })
    .finally(() => {
      sessions--;
      if (stopping && sessions === 0) report({ type: 'drained', thread });
    });
}

// Control messages are broadcast by the main thread: piscina owns the worker's parentPort. The channel exists
// before the pause and stop flags are read below, so a pause or stop broadcast after those reads still reaches this
// thread.
const control = new BroadcastChannel(CONTROL_CHANNEL);
control.unref();

let listeners: ListenerSet | undefined;
let admission: Admission | undefined;

/** Soft stop on this thread: no new connections, idle server connections closed, 'drained' once none is live. */
function stopHere(): void {
  stopping = true;
  softStop.abort();
  env.idlePool.closeAll();
  admission?.close();
  listeners?.closeAll();
  if (sessions === 0) report({ type: 'drained', thread });
}

control.onmessage = (event: unknown) => {
  const c = asControl((event as { data?: unknown }).data);
  if (c === undefined) return;
  if (c.type === 'stop') {
    if (!stopping) stopHere();
  } else if (c.type === 'hard-stop') {
    hardStop.abort();
    for (const s of env.liveClients) s.destroy();
  } else if (c.type === 'memory-report') {
    report({ type: 'memory', id: c.id, kind: 'forwarder', thread, figures: threadMemory() });
  } else if (c.type === 'pause-listeners') {
    listeners?.pause('signal');
    if (listeners !== undefined) report({ type: 'listeners-paused', thread });
  } else if (c.type === 'resume-listeners' && listeners !== undefined) {
    void listeners.resume('signal').then(() => report({ type: 'listeners-resumed', thread }));
  } else if ((c.type === 'crash' || c.type === 'stall') && c.thread === thread) {
    // Test hooks (ORCALB_TEST_HOOKS): a simulated bug, thrown outside any handler; 'stall' first blocks the event
    // loop, so handoffs queue up for this thread and are lost with it.
    const stallMs = c.type === 'stall' ? c.ms : 0;
    if (stallMs > 0) env.logger.log('notice', `test hook: forwarder ${thread} stalls for ${stallMs} ms, then crashes`);
    setImmediate(() => {
      const until = Date.now() + stallMs;
      while (Date.now() < until) {
        // busy: this thread takes no message while it stalls
      }
      throw new Error(`test hook: crash-forwarder ${thread}`);
    });
  }
};
// A forwarder that replaces a dead one during a soft stop missed the 'stop' broadcast: the shared word tells it. Read
// after subscribing, so a stop stored after this read is broadcast to this thread too.
const bornStopping = state.loadGlobal('stopping') === 1;

if (data.accept === 'reuseport' && data.listeners !== undefined && !bornStopping) {
  const addon = loadNativeAddon(data.addonPath);
  const set = new ListenerSet(
    {
      targets: data.listeners.targets,
      ...(data.listeners.fds === undefined ? {} : { fds: data.listeners.fds[thread] ?? [] }),
      ...(addon === undefined ? {} : { dup: addon.dup }),
      onConnection: (socket, t) => {
        if (admission === undefined || stopping) socket.destroy();
        else admission.onConnection(socket, t);
      },
      onLost: (alert) => report({ type: 'listener-lost', thread, alert }),
    },
    state.loadGlobal('listenersPaused') === 1 ? ['signal'] : [],
  );
  listeners = set;
  admission = new Admission(state, accounting, data.config, set, {
    admit: (socket, t) => {
      // With the addon the connection leaves Node's socket as an fd, so the session reads it through SocketIo's
      // shared buffer; without it (Node's own listeners) the socket is attached as it is.
      let conn: ClientConn = socket;
      if (addon !== undefined) {
        try {
          conn = detachSocket(socket, addon.dup);
        } catch (e) {
          // detachSocket closed the socket; the client sees a close, the slots go back.
          accounting.unadmitClient(t.frontend);
          env.logger.log('err', `forwarder ${thread}: cannot take a connection: ${String(e)}`);
          return true;
        }
      }
      void serve(conn, t.frontend, t.bind);
      return true;
    },
    canTake: () => true,
  });
  try {
    await set.open();
    // A stop that came while binding found the listeners still opening.
    if (stopping) set.closeAll();
    report({ type: 'bound', thread });
  } catch (e) {
    const err = e instanceof OrcaError ? e : new OrcaError('ORCA_BIND_FAILED', String(e));
    report({ type: 'bind-error', thread, error: err.toPlain() });
  }
}

report({ type: 'ready', thread });
if (bornStopping) stopHere();

/**
 * The piscina task: one handed-over connection, resolved when it is closed. The handoff ticket decides who owns the
 * fd: if main already cancelled it (this thread was too late), the fd is not ours to touch.
 */
export default function forward(task: unknown): Promise<void> {
  const h = asHandoff(task);
  if (h === undefined || !tickets.claim(h)) return Promise.resolve();
  // A freed ticket may be what a paused acceptor waits for.
  if (state.loadGlobal('admissionWaiters') > 0) accounting.notifyCapacity();
  return serve(h.fd, h.frontend, h.bind);
}
