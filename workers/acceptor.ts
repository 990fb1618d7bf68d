// Acceptor thread entry: accepts on dups of the listening sockets the main thread keeps (so a restart never binds
// again), natively (native/accept-watch.c: accept4, no net.Socket, no dup per connection), admitting each connection
// under global/frontend maxconn before it accepts it, and hands the fd straight to the least-loaded forwarder: a
// handoff ticket in the shared buffer, its id posted on that forwarder's handoff port, one message per forwarder per
// accept burst. No main-thread hop and no message back: the forwarder reports the connection's end through the
// shared counters. Wiring only.

import type { MessagePort } from 'node:worker_threads';
import { parentPort, workerData } from 'node:worker_threads';
import { threadMemory } from '../core/diagnostics/memory-usage.js';
import { OrcaError } from '../core/errors.js';
import { Admission } from '../core/accept/admission.js';
import { discardFd } from '../core/accept/fd-handoff.js';
import { ListenerSet } from '../core/accept/listener-set.js';
import type { ListenTarget } from '../core/accept/listeners.js';
import { createLogger } from '../core/log.js';
import { loadNativeAddon } from '../core/native-addon.js';
import { ConnAccounting } from '../core/shared/conn-accounting.js';
import { HandoffTickets } from '../core/shared/handoff-tickets.js';
import { SharedState } from '../core/shared/state-buffer.js';
import { asControl, asForwarderLink, type AcceptorData, type ForwarderLink, type ReportMessage } from './messages.js';

const ACCEPTOR = -1;
const data = workerData as AcceptorData;
const port = parentPort;
if (port === null) throw new Error('acceptor.js must run as a worker thread');
const report = (m: ReportMessage): void => port.postMessage(m);

const addon = loadNativeAddon(data.addonPath);
if (addon === undefined) throw new Error('fd-dup addon unavailable: main should have chosen --accept reuseport');
const state = SharedState.attach(data.buffer);
const accounting = new ConnAccounting(state);
const tickets = new HandoffTickets(state);
const logger = createLogger(data.config.global.log);

/** One forwarder this thread hands connections to, with what it posted there (the load it cannot see yet). */
interface Forwarder {
  readonly slot: number;
  readonly threadId: number;
  readonly port: MessagePort;
  /** Handoffs posted on this port, and the forwarder's adoption count when the port came: in flight = the difference. */
  posted: number;
  readonly adoptedBefore: number;
  /** Ticket ids of this burst not posted yet (flushed once the burst is over). */
  readonly pending: number[];
}
let forwarders: Forwarder[] = [];
/** Forwarders with pending ids, and whether the flush is queued. */
const dirty: Forwarder[] = [];
let flushQueued = false;

/** A handoff nobody will take (its forwarder died): close the fd, so the client sees a close, and free its slots. */
function cancel(fd: number, frontend: number): void {
  discardFd(fd);
  accounting.unadmitClient(frontend);
}

function addForwarder(link: ForwarderLink): void {
  const f: Forwarder = {
    slot: link.slot, threadId: link.threadId, port: link.port, posted: 0,
    adoptedBefore: state.thread(link.slot).load('totalConns'), pending: [],
  };
  forwarders = [...forwarders.filter((o) => o.slot !== link.slot), f];
  // The forwarder's thread has ended: nothing posted there will be taken. Every ticket to it goes back (main does the
  // same when it sees the thread exit; each ticket goes to one of the two). Never posted to again after this.
  link.port.once('close', () => {
    forwarders = forwarders.filter((o) => o !== f);
    tickets.cancelTarget(f.threadId, cancel);
  });
  // A listener paused for want of a forwarder may go on.
  accounting.notifyCapacity();
}

/**
 * The forwarder with the fewest live connections, counting the handoffs it has not adopted yet (the shared counter
 * lags by those, and a burst would otherwise all go to one thread). Ties: the first. Allocates nothing.
 */
function leastLoaded(): Forwarder | undefined {
  let best: Forwarder | undefined;
  let bestLoad = Infinity;
  for (const f of forwarders) {
    const t = state.thread(f.slot);
    const inFlight = f.posted - (t.load('totalConns') - f.adoptedBefore);
    const load = t.load('liveConns') + (inFlight > 0 ? inFlight : 0);
    if (load < bestLoad) {
      best = f;
      bestLoad = load;
    }
  }
  return best;
}

/**
 * Hands one admitted, accepted fd over: a ticket now, its id posted with the rest of this accept burst (flush). False
 * (nothing done) when no forwarder or no ticket can take it.
 */
function handOver(fd: number, t: ListenTarget): boolean {
  const f = leastLoaded();
  if (f === undefined) return false;
  const id = tickets.issue(fd, t.frontend, t.bind, f.threadId);
  if (id < 0) return false;
  f.posted++;
  if (f.pending.push(id) === 1) dirty.push(f);
  if (!flushQueued) {
    flushQueued = true;
    // A burst is one native callback (accept-watch.c): its microtasks run as it returns, after the last accept.
    queueMicrotask(flush);
  }
  return true;
}

/**
 * Posts each forwarder's ids of the burst in one message (a connection storm then costs a forwarder one wake and one
 * message per burst, not per connection), then marks them posted (handoff-tickets.ts: main cancels unposted tickets
 * of a dead acceptor).
 */
function flush(): void {
  flushQueued = false;
  for (const f of dirty) {
    const ids = f.pending;
    f.port.postMessage(ids.length === 1 ? ids[0] : ids);
    for (const id of ids) tickets.markPosted(id);
    ids.length = 0;
  }
  dirty.length = 0;
}

for (const link of data.forwarders) addForwarder(link);

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
const admission = new Admission(state, accounting, data.config, listeners, {
  admit: (conn, t) => typeof conn === 'number' && handOver(conn, t),
  canTake: () => forwarders.length > 0 && tickets.available(),
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
  if (link !== undefined) return addForwarder(link.link);
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
