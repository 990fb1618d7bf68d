// Forwarder thread, one of the main thread's pool (workers/forwarder-pool.ts). At start it claims the thread slot main
// gave it in the shared buffer. In acceptor mode connections arrive as handoff tickets on its handoff port(s) from the
// acceptor (core/shared/handoff-tickets.ts); with `--accept reuseport` it accepts itself, on dups of its own row of
// master sockets (or, without the addon, on sockets it binds). A connection's end is reported through the shared
// counters only (ConnAccounting.clientClosed), never by a message. Wiring only; the work is in core/forward/.

import { sessionLines, shutdownServerSessions, shutdownSession } from '../core/forward/session-registry.js';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { threadMemory } from '../core/diagnostics/memory-usage.js';
import { OrcaError } from '../core/errors.js';
import { Admission } from '../core/accept/admission.js';
import { applyBalance, applyServerSet, buildBackends } from '../core/forward/backend-runtime.js';
import { DdbBoard } from '../core/forward/ddb-sessions.js';
import { applyServerSetChange } from '../core/shared/server-slots.js';
import { applyTimeoutsChange } from '../config/timeouts-change.js';
import { applyBindsChange } from '../config/binds-change.js';
import { applyBalanceChange } from '../config/balance-change.js';
import { applyProxySlotChange } from '../config/proxies-change.js';
import { applyProxiesRuntime, liveBackendsByName, namesOfLiveOnly } from '../core/forward/proxies-runtime.js';
import { discardFd } from '../core/accept/fd-handoff.js';
import type { AcceptGate } from '../core/accept/accept-burst.js';
import { HandoffInbox } from '../core/accept/handoff-inbox.js';
import { startSession, type SessionOutcome } from '../core/forward/connection-entry.js';
import { compileTcpPrograms } from '../core/forward/tcp-rules/tcp-rule-program.js';
import { IdleServerPool } from '../core/forward/l7-idle-pool.js';
import { frontendRemoved } from '../core/forward/l7-soft-stop.js';
import { ListenerSet } from '../core/accept/listener-set.js';
import type { ClientConn, SessionEnv } from '../core/forward/session-env.js';
import { DeadlineSweep } from '../core/io/deadline-sweep.js';
import { IdleCompaction, residentTrim } from '../core/io/idle-compaction.js';
import { SocketIo } from '../core/io/socket-io.js';
import { createLogger } from '../core/log.js';
import { ringTrafficLog } from '../core/log/ring-traffic-log.js';
import { frontendLines } from '../core/log/traffic-lines.js';
import { loadNativeAddon } from '../core/native-addon.js';
import { ConnAccounting } from '../core/shared/conn-accounting.js';
import { SharedState } from '../core/shared/state-buffer.js';
import { topologyOf } from '../core/shared/topology.js';
import { StickTables } from '../core/stick/stick-tables.js';
import { compileProxyPlans } from '../core/forward/l7-plans.js';
import { tlsEntry } from '../core/tls/tls-entry.js';
import { applyCertUpdate, isCertUpdate } from '../core/tls/cert-update.js';
import { asControl, asHandoffPort, type ForwarderData, type ReportMessage } from './messages.js';
import { claimThreadSlot } from './thread-slot.js';

const data = workerData as ForwarderData;
const port = parentPort;
if (port === null) throw new Error('forwarder.js must run as a worker thread');
const report = (m: ReportMessage): void => port.postMessage(m);
const state = SharedState.attach(data.buffer);
const accounting = new ConnAccounting(state);
const thread = claimThreadSlot(state, data.slot, threadId);
// Stats readers wait for what this thread counted but has not applied yet (core/shared/stat-batch.ts).
state.publishStats(thread);
const hardStop = new AbortController();
const softStop = new AbortController();
const topology = topologyOf(data.config, data.threads);
const trafficLog = ringTrafficLog(data.config, data.logRings, data.slot, state.thread(data.slot));
const nativeAddon = loadNativeAddon(data.addonPath);
const backends = buildBackends(data.config, state, topology, { accounting, thread });
const env: SessionEnv = {
  state,
  accounting,
  thread,
  frontends: data.config.frontends,
  backends,
  // A thread started after a reload that removed proxies (a restart) is given their retired entries: never by name.
  backendByName: liveBackendsByName(data.config),
  logger: createLogger(data.config.global),
  trafficLog,
  logLines: frontendLines(data.config, trafficLog, state),
  idlePool: new IdleServerPool(),
  stopSignal: hardStop.signal,
  softStopSignal: softStop.signal,
  io: new SocketIo(nativeAddon),
  sweep: new DeadlineSweep(),
  liveClients: new Set(),
  // This thread tracks and inserts with its own slot (the health thread sweeps with -1: workers/health-checker.ts).
  stick: (data.config.stickTables?.length ?? 0) > 0 ? new StickTables(state, topology.stick, thread) : undefined,
  plans: compileProxyPlans(namesOfLiveOnly(data.config)),
  // Rules compiled once per thread: a connection only runs them.
  tcpPrograms: compileTcpPrograms(namesOfLiveOnly(data.config)),
  bufferLimit: data.config.global.bufsize - 1024,
  // option dolphindb-inspect / -drain-idle / -rebalance (issue 16): only when a backend sets one.
  ...(backends.some((b) => DdbBoard.wants(b)) ? { ddb: new DdbBoard(data.threads) } : {}),
};

// Gives start-up's and every burst's garbage and grown young generation back once the thread is quiet (issue 10).
new IdleCompaction({ fromStart: true, trim: residentTrim(nativeAddon) });

// This thread's CPU time for the stats thread (orcalb_thread_* metrics, the dashboard): one sample a second, unref'd.
const CPU_PUBLISH_MS = 1000;
setInterval(() => {
  const cpu = process.threadCpuUsage();
  const slot = state.thread(thread);
  slot.store('cpuUserMs', Math.floor(cpu.user / 1000) | 0);
  slot.store('cpuSystemMs', Math.floor(cpu.system / 1000) | 0);
}, CPU_PUBLISH_MS).unref();

/** Sessions running on this thread (a session may outlive its client socket while it parks its server). */
let sessions = 0;
let stopping = false;

/**
 * Runs one admitted connection this thread now owns (adopted by the session); counts it as this thread's.
 * A connection the session cannot adopt is closed and its admission released (outcome.notAdopted). Its end is all
 * this thread waits for: the TCP engine reports it to `outcome` directly, with no promise per connection.
 */
function serve(conn: ClientConn, frontend: number, bind: number): void {
  accounting.clientAdopted(thread, frontend);
  sessions++;
  // An ssl bind's connection runs its handshake here first, then enters the same session (core/tls/tls-entry.ts).
  if (tls?.serve(conn, frontend, bind) === true) return;
  // `mode http` frontends get the HTTP engine, everything else the TCP one (connection-entry.ts runs the rules first).
  startSession(env, conn, frontend, bind, outcome);
}

const outcome: SessionOutcome = {
  sessionEnded,
  notAdopted(conn: ClientConn, frontend: number, e: unknown): void {
    // Only adoption throws out of a session (a session's own failures end in closing its client).
    if (typeof conn === 'number') discardFd(conn);
    else conn.destroy();
    accounting.clientClosed(thread, frontend);
    env.logger.log('err', `forwarder ${thread}: cannot adopt a connection: ${String(e)}`);
    sessionEnded();
  },
};

/** TLS termination for ssl binds; undefined while the config has none (a reload may add one). */
let tls = tlsEntry(env, outcome, data.tlsTicketKeys, data.tlsSessions);

/** New TLS servers for these binds of frontend `fe` (a reload); the sessions already secured keep their contexts. */
function rebuildTls(fe: number, binds: readonly number[]): void {
  if (binds.length === 0) return;
  try {
    if (tls === undefined) tls = tlsEntry(env, outcome, data.tlsTicketKeys, data.tlsSessions);
    else tls.rebuild(fe, binds);
  } catch (e) {
    env.logger.log('alert', `forwarder ${thread}: reload: cannot build the TLS contexts of frontend ${fe}: ${String(e)}`);
  }
}

/** `commit ssl cert` (asked like the session ops): this thread's Config, then its binds' contexts. 1 when applied. */
function certCommitted(update: unknown): number {
  if (!isCertUpdate(update)) return 0;
  try {
    tls?.replaceCerts(applyCertUpdate(data.config, update));
    return 1;
  } catch (e) {
    // OpenSSL refused what the stats thread accepted: the old contexts stay; main hears 0 and says so.
    env.logger.log('err', `forwarder ${thread}: commit ssl cert ${update.file}: ${String(e)}`);
    return 0;
  }
}

function sessionEnded(): void {
  sessions--;
  if (stopping && sessions === 0) drained();
}

/** The last session is gone at a soft stop: its batched stats are applied before main may end the thread. */
function drained(): void {
  state.stats.flush();
  report({ type: 'drained', thread });
}

/** Handoffs from the acceptor (acceptor mode): its ports, the tickets won there go to serve(). */
const inbox = new HandoffInbox(state, accounting, serve);

let listeners: ListenerSet | undefined;
let admission: Admission | undefined;

/** Soft stop on this thread: no new connections, idle server connections closed, 'drained' once none is live. */
function stopHere(): void {
  stopping = true;
  inbox.drain();
  softStop.abort();
  env.idlePool.closeAll();
  admission?.close();
  listeners?.closeAll();
  if (sessions === 0) drained();
}

// Listening before the pause and stop flags are read below, so a pause or stop sent after those reads still reaches
// this thread (messages wait in the port until then anyway).
port.on('message', (msg: unknown) => {
  const handoffPort = asHandoffPort(msg);
  if (handoffPort !== undefined) return inbox.add(handoffPort.port);
  const c = asControl(msg);
  if (c === undefined) return;
  if (c.type === 'stop') {
    if (!stopping) stopHere();
  } else if (c.type === 'hard-stop') {
    hardStop.abort();
    for (const s of env.liveClients) s.destroy();
  } else if (c.type === 'memory-report') {
    report({ type: 'memory', id: c.id, kind: 'forwarder', thread, figures: threadMemory() });
  } else if (c.type === 'sessions') {
    // Runtime API: show sess / shutdown session(s) over this thread's sessions.
    const op = c.op;
    const lines = op.op === 'show' ? sessionLines(env, Date.now()) : [];
    const cut = op.op === 'shutdown' ? Number(shutdownSession(env, op.id)) : op.op === 'shutdown-server' ? shutdownServerSessions(env, op.backend, op.server) : op.op === 'ssl-cert' ? certCommitted(op.update) : 0;
    report({ type: 'sessions', id: c.id, thread, lines, cut });
  } else if (c.type === 'server-set') {
    // `add server` / `del server`: this thread's Config, then its runtime of that backend (view, slots, balancer).
    const rt = env.backends[c.change.backend];
    if (rt === undefined || !applyServerSetChange(data.config, c.change)) return;
    try {
      applyServerSet(rt, c.change, state, topology, data.config);
    } catch (e) {
      // Its TLS client could not be built: this thread leaves the server out rather than dial it in clear text.
      env.logger.log('alert', `forwarder ${thread}: ${String(e)}`);
      return;
    }
    if (c.change.server.retired === true) env.idlePool.closeServer(c.change.backend, c.change.index);
  } else if (c.type === 'timeouts') {
    // A reload's new `timeout` lines: the sessions read them where they use them; an ssl bind's handshake takes
    // `timeout client` when its TLS server is built, so those are built again.
    applyTimeoutsChange(data.config, c.change);
    const fe = c.change.proxy === 'frontend' ? data.config.frontends[c.change.index] : undefined;
    if (fe !== undefined) rebuildTls(c.change.index, fe.binds.flatMap((b, i) => (b.tls === undefined ? [] : [i])));
  } else if (c.type === 'balance') {
    // A reload's `balance` line: this thread's balancer of that backend is built again; the next pick follows it.
    const rt = env.backends[c.change.backend];
    if (rt === undefined || !applyBalanceChange(data.config, c.change)) return;
    try {
      applyBalance(rt);
    } catch (e) {
      env.logger.log('alert', `forwarder ${thread}: reload: cannot build the balancer of backend ${rt.config.name}: ${String(e)}`);
    }
  } else if (c.type === 'binds') {
    // A reload's bind lines: a connection reads its bind (accept-proxy) by index when it starts.
    applyBindsChange(data.config, c.change);
    rebuildTls(c.change.frontend, [...c.change.added, ...c.change.rebuilt]);
  } else if (c.type === 'proxies') {
    // A reload's frontends and backends added (spare slots) or removed (retired): the runtimes and rules follow.
    if (!applyProxySlotChange(data.config, c.change)) return;
    for (const f of c.change.frontends) if (f.frontend.retired === true) frontendRemoved(softStop.signal, f.index);
    try {
      applyProxiesRuntime(env, data.config, c.change.backends.map((b) => b.index), state, topology, { accounting, thread });
    } catch (e) {
      env.logger.log('alert', `forwarder ${thread}: reload: cannot build the new proxies: ${String(e)}`);
    }
  } else if (c.type === 'pause-listeners') {
    listeners?.pause(c.frontend === undefined ? 'signal' : 'admin', c.frontend);
    if (listeners !== undefined) report({ type: 'listeners-paused', thread });
  } else if (c.type === 'resume-listeners' && listeners !== undefined) {
    void listeners.resume(c.frontend === undefined ? 'signal' : 'admin', c.frontend).then(() => report({ type: 'listeners-resumed', thread }));
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
});
// A forwarder that replaces a dead one during a soft stop missed the 'stop' broadcast: the shared word tells it. Read
// after subscribing, so a stop stored after this read is broadcast to this thread too.
const bornStopping = state.loadGlobal('stopping') === 1;

if (data.accept === 'reuseport' && data.listeners !== undefined && !bornStopping) {
  const addon = nativeAddon;
  // The gate is the Admission below (built after the set it pauses): natively accepted fds are served in place.
  const gate: AcceptGate = {
    reserve: (t) => admission?.reserve(t) ?? false,
    release: (t) => admission?.release(t),
    accepted: (fd, t) => admission?.accepted(fd, t),
  };
  const set = new ListenerSet(
    {
      targets: data.listeners.targets,
      ...(data.listeners.fds === undefined || addon === undefined
        ? {}
        : { fds: data.listeners.fds[thread] ?? [], addon, gate }),
      onConnection: (socket, t) => {
        if (admission === undefined || stopping) socket.destroy();
        else admission.onConnection(socket, t);
      },
      onLost: (alert) => report({ type: 'listener-lost', thread, alert }),
      onLimit: (message) => env.logger.log('emerg', message),
      maxsock: data.maxsock,
    },
    state.loadGlobal('listenersPaused') === 1 ? ['signal'] : [],
  );
  listeners = set;
  // A frontend the runtime API disabled stays paused across a restart of this thread.
  for (let fe = 0; fe < state.counts.frontends; fe++) if (state.frontend(fe).load('adminPaused') === 1) set.pause('admin', fe);
  admission = new Admission(state, accounting, set, {
    // An fd (native accept) is read through SocketIo's shared buffer; without the addon Node's socket is attached.
    admit: (conn, t) => {
      serve(conn, t.frontend, t.bind);
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
