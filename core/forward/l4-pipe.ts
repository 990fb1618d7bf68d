// The TCP-mode (L4) data phase: bytes both ways between a client and a server socket, HAProxy 2.6 `mode tcp` rules;
// also the tunnel an HTTP session becomes after a 101 (startPipe). Forwarder threads, one L4Pipe per forwarded
// connection; hot path: one call per read. Every socket callback is guarded (no throw escapes to the event loop).
//
// Rules (HAProxy 2.6 manual §4.2 timeouts, §8.5 termination states; src/stream.c process_stream, src/stconn.c):
// - Half-close: a FIN from one side is forwarded as a FIN (end()) to the other side's write direction, and the other
//   direction keeps flowing. The session ends when both FINs have been forwarded and both sockets have closed.
// - Idle timeouts are per side, and a side's clock only runs while the proxy waits on that side: to read from it
//   (not paused by backpressure), or to flush bytes to it. Activity is a read from it or a flush to it (HAProxy without
//   `option independent-streams` refreshes both timeouts of a socket on either). So a client that stops reading a big
//   download is blamed (`cD`), not the server whose reads were paused because of it.
// - Limits: `timeout tunnel` when set replaces client and server (a TCP session has no analyser, so it is a tunnel
//   from the start); once either side has sent a FIN, `timeout client-fin` / `server-fin` replace the client / server
//   side's limit when set (they override tunnel too), re-armed from that moment. Unset everywhere = no limit.
// - Termination state (2 chars, as in logs): `--` normal end; `cD`/`sD` client/server idle timeout; `CD`/`SD` client/
//   server reset, error or close without FIN; `ID` internal error (a counter threw). Second char `L` instead of `D` when
//   the server connection had already closed (the proxy was sending the last data to the client).
// - Any error, reset or timeout destroys both sockets at once. Deviation: HAProxy, on a read timeout, first only
//   shuts that direction (the other side sees a FIN) and closes when the other side follows; the outcome in logs and
//   for the client is the same, but this frees the connection without waiting on the other side.
//
// Design (../shared/perf/README.md §1 "L4", "Bulk"; §2): Node's 'data' path allocated a 64 KiB buffer per read (the
// GC it drove was 21–23 % of bulk CPU), queued a nextTick per read and stamped a clock per chunk. Here both sockets
// read into the thread's shared buffer (SocketIo) with this pipe as their sink; each read is handed to the kernel at
// once by a try-write, only a remainder is copied and queued, and the source stops reading until the destination's
// 'drain' (one chunk in flight per direction: the kernel's socket buffers do the buffering, as in HAProxy). Idle
// limits are one Deadline on the thread's sweep: a read only stores a time stamp, and the deadline, when it comes,
// looks at the stamps and files itself again (IdleWatch's rules, without a Node timer per session). The socket
// listeners are module functions shared by every pipe (the pipe is the socket's read sink, which leads back to it),
// so a session costs one object and its Deadline, and adds no property to its sockets.

import type net from 'node:net';
import { OrcaError, type OrcaErrorCode } from '../errors.js';
import { Deadline, type DeadlineOwner, type DeadlineSweep } from '../io/deadline-sweep.js';
import { sinkOf, type ReadSink, type SocketIo } from '../io/socket-io.js';
import { idleLimit, limitName, PipeSide, type PipeTimeouts } from './pipe-timeouts.js';
import type { SessionFraming } from '../dolphindb/session-framing.js';

export type { PipeTimeouts } from './pipe-timeouts.js';

export interface PipeResult {
  bytesIn: number;
  bytesOut: number;
  /**
   * HAProxy's 2-char TCP termination state: '--', 'cD', 'sD', 'CD', 'SD', 'ID' (or 'L' as second char). The session
   * hands it to countTermination (termination.ts), which turns it into the stats counters of its backend and server.
   */
  termination: string;
  error?: OrcaError;
}

/** Where relayed bytes are counted, once per read: a record's batched stats (ServerSlot.later) or a slot itself. Must not throw. */
export interface ByteCounters {
  addWide(field: 'bytesIn' | 'bytesOut', delta: number): void;
}

/** What a pipe uses of its forwarder thread (SessionEnv is one): the socket I/O and the deadline sweep. */
export interface PipeEnv {
  readonly io: SocketIo;
  readonly sweep: DeadlineSweep;
}

/** One connection to pipe. Both sockets must have been built by `env.io` (adopt, attach or connect). */
export interface PipeSpec {
  readonly client: net.Socket;
  /** Connected (a socket still connecting is written once it is). */
  readonly server: net.Socket;
  readonly timeouts: PipeTimeouts;
  /** bytesIn += every byte relayed from the client, bytesOut += every byte from the server. */
  readonly counters?: ByteCounters | undefined;
  /** The frontend's byte counters (stats bin/bout of the FRONTEND row), counted beside the server's. */
  readonly frontendCounters?: ByteCounters | undefined;
  /** Bytes already read from the client and not yet sent (after a PROXY header, during dispatch): sent first. */
  readonly toServer?: Buffer | undefined;
  /** Bytes already read from the server and not yet sent to the client: sent first. */
  readonly toClient?: Buffer | undefined;
  /**
   * Whether the socket's previous reader stopped reading it (its sink returned false, or it paused it): the pipe
   * then starts it again. Default true; false saves a socket that is still reading a resume() and its extra tick.
   */
  readonly clientStopped?: boolean | undefined;
  readonly serverStopped?: boolean | undefined;
  /**
   * DolphinDB session options (issue 16): shown every relayed chunk, both ways, after it was handed to the kernel.
   * Absent (the default) costs one field test per read.
   */
  readonly framing?: SessionFraming | undefined;
}

/** What a running pipe lets its session do to it. */
export interface PipeControl {
  /**
   * Ends the session from orcalb's side (termination `K`, counted nowhere as an abort): the server is closed at
   * once, the client gets a FIN after the bytes still queued for it (a reply just relayed), and is destroyed if it
   * has not closed within a second. Forwarder thread; never throws; a second call does nothing.
   */
  kill(): void;
}

/** The session a pipe belongs to (an object, so that no closure per session is needed). */
export interface PipeOwner {
  /** Told once, when both sockets have closed. Must not throw. */
  onPipeEnd(result: PipeResult): void;
}

/**
 * Pipes `spec.client` and `spec.server` until both are closed, by the rules in this file's header, and then tells
 * `owner` (possibly before startPipe returns, when both sockets were already closed). The pipe becomes both sockets'
 * read sink (env.io.setSink) and (re)starts reading them; toServer / toClient go out first and are counted as relayed
 * bytes. The tunnel API for an HTTP session after a 101: hand over both sockets and the bytes read past the heads
 * each way; before the call the caller removes its own 'drain', 'end', 'error' and 'close' listeners from both
 * sockets (the pipe adds its own), disarms its own deadline (the pipe files one: `timeout tunnel` or client/server)
 * and stops touching the sockets. Forwarder thread; throws nothing (a failure ends the session with its termination
 * state, told to `owner` like any end).
 */
export function startPipe(env: PipeEnv, spec: PipeSpec, owner: PipeOwner): PipeControl {
  const pipe = new L4Pipe(env, spec, owner);
  pipe.start(spec);
  return pipe;
}

/** startPipe as a promise of its result: resolves once both sockets have closed, never rejects. */
export function pipeL4(env: PipeEnv, spec: PipeSpec): Promise<PipeResult> {
  return new Promise((resolve) => void startPipe(env, spec, { onPipeEnd: resolve }));
}

type Abort = 'timeout' | 'error' | 'internal';

/** How long a killed session's client may take to answer our FIN before it is destroyed. */
const KILL_LINGER_MS = 1000;

/** Bits of a side's state. */
const ENDED = 1; // its FIN was received
const PAUSED = 2; // we stopped reading it: the other side's write queue is not empty
const CLOSED = 4;

// The listeners every pipe shares: the pipe is the socket's read sink, so the socket leads to it.
function onDrain(this: net.Socket): void {
  const pipe = sinkOf(this);
  if (pipe instanceof L4Pipe) pipe.drained(this);
}

function onEnd(this: net.Socket): void {
  const pipe = sinkOf(this);
  if (pipe instanceof L4Pipe) pipe.ended(this);
}

function onError(this: net.Socket, err: Error): void {
  const pipe = sinkOf(this);
  if (pipe instanceof L4Pipe) pipe.failed(this, err);
}

function onClose(this: net.Socket): void {
  const pipe = sinkOf(this);
  if (pipe instanceof L4Pipe) pipe.closed(this);
}

/** The pipe's four listeners on one of its sockets (a function, not a loop over a new array per connection). */
function listen(s: net.Socket): void {
  s.on('drain', onDrain);
  s.on('end', onEnd);
  s.on('error', onError);
  s.on('close', onClose);
}

/** One forwarded connection. Per-side fields come in pairs (client…, server…) rather than arrays: fewer objects. */
class L4Pipe implements ReadSink, DeadlineOwner, PipeControl {
  private readonly io: SocketIo;
  private readonly sweep: DeadlineSweep;
  private readonly client: net.Socket;
  private readonly server: net.Socket;
  private readonly timeouts: PipeTimeouts;
  private readonly counters: ByteCounters | undefined;
  private readonly feCounters: ByteCounters | undefined;
  private readonly owner: PipeOwner;
  private readonly framing: SessionFraming | undefined;
  /** undefined when no limit applies to either side, ever: then no clock is read at all. */
  private readonly deadline: Deadline | undefined;
  private bytesIn = 0;
  private bytesOut = 0;
  /** Last activity of each side, on the sweep's clock. */
  private lastClient = 0;
  private lastServer = 0;
  private clientState = 0;
  private serverState = 0;
  /** A FIN was seen on either side: the -fin limits apply. */
  private halfClosed = false;
  private termination: string | undefined = undefined;
  private error: OrcaError | undefined = undefined;
  private finished = false;
  private killed = false;
  /** Both FINs came and nothing was queued to either side: both sockets were closed at once (see ended()). */
  private bothEnded = false;

  constructor(env: PipeEnv, spec: PipeSpec, owner: PipeOwner) {
    this.io = env.io;
    this.sweep = env.sweep;
    this.client = spec.client;
    this.server = spec.server;
    this.timeouts = spec.timeouts;
    this.counters = spec.counters;
    this.feCounters = spec.frontendCounters;
    this.owner = owner;
    this.framing = spec.framing;
    const t = spec.timeouts;
    const timed = t.client ?? t.server ?? t.tunnel ?? t.clientFin ?? t.serverFin;
    this.deadline = timed === undefined ? undefined : new Deadline(this);
  }

  start(spec: PipeSpec): void {
    const { toServer, toClient } = spec;
    const client = this.client;
    const server = this.server;
    this.io.setSink(client, this);
    this.io.setSink(server, this);
    listen(client);
    listen(server);
    try {
      // A socket that closed before we were handed it will never emit 'close' again.
      if (client.closed) this.closed(client);
      if (server.closed) this.closed(server);
      if (this.termination !== undefined) return;
      if (this.deadline !== undefined) {
        const now = this.sweep.now();
        this.lastClient = now;
        this.lastServer = now;
        this.schedule();
      }
      if (toClient !== undefined && toClient.length > 0) this.relay(server, toClient, toClient.length);
      if (toServer !== undefined && toServer.length > 0) this.relay(client, toServer, toServer.length);
      // A FIN read before the pipe started (while a server was chosen) has already emitted 'end'.
      if (client.readableEnded) this.ended(client);
      if (server.readableEnded) this.ended(server);
      // A socket we paused ourselves (its bytes queued toward the other) waits for that one's 'drain'.
      if ((this.clientState & PAUSED) === 0 && spec.clientStopped !== false) client.resume();
      if ((this.serverState & PAUSED) === 0 && spec.serverStopped !== false) server.resume();
    } catch (err) {
      this.internal(err);
    }
  }

  /** ReadSink: `n` bytes from `socket` at buf[0, n), relayed before returning. False stops reading it until 'drain'. */
  onRead(socket: net.Socket, buf: Buffer, n: number): boolean {
    try {
      // A killed session's client is still read (bytes dropped) so that its FIN closes the socket.
      if (this.termination !== undefined) return this.killed && socket === this.client;
      return this.relay(socket, buf, n);
    } catch (err) {
      this.internal(err);
      return false;
    }
  }

  /** Counts and sends bytes read from `from` to the other side; false (and `from` marked paused) when some queue. */
  private relay(from: net.Socket, buf: Buffer, n: number): boolean {
    const now = this.deadline === undefined ? 0 : this.sweep.now();
    if (from === this.client) {
      this.bytesIn += n;
      this.counters?.addWide('bytesIn', n);
      this.feCounters?.addWide('bytesIn', n);
      this.lastClient = now;
      const flushed = this.io.write(this.server, buf, 0, n);
      // After the write: a framing sink may end the session, and the bytes must have gone (or be queued) first.
      if (this.framing !== undefined) {
        this.framing.fromClient(buf, 0, n);
        if (this.termination !== undefined) return false;
      }
      if (flushed) {
        // Flushed straight into the kernel: that is activity on the receiving side too.
        this.lastServer = now;
        return true;
      }
      // Backpressure: stop reading until the writer drains, so memory per connection stays ~2 socket buffers.
      this.clientState |= PAUSED;
      return false;
    }
    this.bytesOut += n;
    this.counters?.addWide('bytesOut', n);
    this.feCounters?.addWide('bytesOut', n);
    this.lastServer = now;
    const flushed = this.io.write(this.client, buf, 0, n);
    if (this.framing !== undefined) {
      this.framing.fromServer(buf, 0, n);
      if (this.termination !== undefined) return false;
    }
    if (flushed) {
      this.lastClient = now;
      return true;
    }
    this.serverState |= PAUSED;
    return false;
  }

  kill(): void {
    try {
      if (this.termination !== undefined) return;
      this.termination = 'K' + ((this.serverState & CLOSED) !== 0 ? 'L' : 'D');
      if (this.deadline !== undefined) this.sweep.disarm(this.deadline);
      if (!this.server.destroyed) this.server.destroy();
      const client = this.client;
      if (client.destroyed) return;
      this.killed = true;
      client.end();
      client.resume();
      // A client that never answers our FIN is not waited for (its 'close' then finishes the pipe).
      setTimeout(() => { if (!client.destroyed) client.destroy(); }, KILL_LINGER_MS).unref();
    } catch (err) {
      this.internal(err);
    }
  }

  /** 'drain' of `socket`: all queued bytes went to the kernel; the side that feeds it is read again. */
  drained(socket: net.Socket): void {
    try {
      const now = this.deadline === undefined ? 0 : this.sweep.now();
      if (socket === this.client) {
        this.lastClient = now;
        if ((this.serverState & PAUSED) === 0 || this.termination !== undefined) return;
        this.serverState &= ~PAUSED;
        // Its clock starts again from now: it was not this side's fault that we did not read it.
        this.lastServer = now;
        this.server.resume();
      } else {
        this.lastServer = now;
        if ((this.clientState & PAUSED) === 0 || this.termination !== undefined) return;
        this.clientState &= ~PAUSED;
        this.lastClient = now;
        this.client.resume();
      }
    } catch (err) {
      this.internal(err);
    }
  }

  /** 'end' of `socket`: its FIN goes to the other side, after the bytes still queued there. */
  ended(socket: net.Socket): void {
    try {
      const isClient = socket === this.client;
      const state = isClient ? this.clientState : this.serverState;
      if ((state & ENDED) !== 0) return;
      if (isClient) this.clientState |= ENDED;
      else this.serverState |= ENDED;
      if (this.termination !== undefined) return;
      this.halfClose();
      const dst = isClient ? this.server : this.client;
      if (dst.destroyed) return;
      // Both directions are over (the other side's FIN came first) and nothing waits in either socket's queue: close
      // both now. close(2) sends the FIN that end() would (after whatever the kernel still holds; nothing is left to
      // read, so no reset), without a shutdown(2) first on each, and cancels the one still pending on `socket`, whose
      // FIN we relayed: HAProxy closes so too. 2 of ~26 system calls per short connection (native-bench/README.md).
      if (((isClient ? this.serverState : this.clientState) & ENDED) !== 0 && dst.writableLength === 0 && socket.writableLength === 0) {
        this.bothEnded = true;
        dst.destroy();
        socket.destroy();
        return;
      }
      // end() queues the FIN behind bytes still buffered, so nothing already read is lost.
      dst.end();
    } catch (err) {
      this.internal(err);
    }
  }

  failed(socket: net.Socket, err: Error): void {
    try {
      this.abort(socket === this.client ? PipeSide.client : PipeSide.server, 'error', err);
    } catch (e) {
      this.internal(e);
    }
  }

  closed(socket: net.Socket): void {
    try {
      const isClient = socket === this.client;
      const state = isClient ? this.clientState : this.serverState;
      if ((state & CLOSED) !== 0) return;
      // A clean close means: its FIN was received, and our FIN to it went out after the last byte — which we only
      // send once the other side's FIN came (a socket closing before that was not closed by us: its peer, or Node
      // answering a FIN, and the other side's bytes would have nowhere to go). Judged before the side counts as
      // closed, so that a server vanishing mid-session reads `SD`, not `SL`.
      const other = isClient ? this.serverState : this.clientState;
      const clean = (state & ENDED) !== 0 && (other & ENDED) !== 0 && (socket.writableFinished || this.bothEnded);
      if (this.termination === undefined && !clean) {
        this.abort(isClient ? PipeSide.client : PipeSide.server, 'error');
      }
      if (isClient) this.clientState |= CLOSED;
      else this.serverState |= CLOSED;
      if ((this.clientState & this.serverState & CLOSED) !== 0) this.finish();
    } catch (err) {
      this.internal(err);
    }
  }

  /** DeadlineOwner: the earliest idle limit has come; a side still waited on and idle that long ends the session. */
  onDeadline(now: number): void {
    try {
      if (this.termination !== undefined) return;
      // The client is checked first: HAProxy looks at the request channel before the response one, so when both
      // sides expire in the same tick the session is logged `cD`.
      for (const side of SIDES) {
        const limit = idleLimit(this.timeouts, side, this.halfClosed);
        if (limit === undefined) continue;
        if (!this.expecting(side)) {
          // Not waiting on this side: its clock does not run (a later wait starts from a fresh stamp).
          if (side === PipeSide.client) this.lastClient = now;
          else this.lastServer = now;
          continue;
        }
        if (now - (side === PipeSide.client ? this.lastClient : this.lastServer) >= limit) {
          this.abort(side, 'timeout');
          return;
        }
      }
      this.schedule();
    } catch (err) {
      this.internal(err);
    }
  }

  /** The idle clock of `side` runs only while we wait on it: to read from it, or to flush bytes to it. */
  private expecting(side: PipeSide): boolean {
    const isClient = side === PipeSide.client;
    const state = isClient ? this.clientState : this.serverState;
    if ((state & CLOSED) !== 0) return false;
    return (state & (ENDED | PAUSED)) === 0 || (isClient ? this.client : this.server).writableLength > 0;
  }

  /** A FIN was seen on either side: from now on the -fin timeouts apply, counted from now (HAProxy re-arms them). */
  private halfClose(): void {
    this.halfClosed = true;
    if (this.deadline === undefined) return;
    const now = this.sweep.now();
    this.lastClient = now;
    this.lastServer = now;
    this.schedule();
  }

  /**
   * Sets the deadline to the earliest stamp + limit. Activity later only moves stamps: onDeadline re-files. A due
   * later than the one filed needs no re-filing either (the sweep re-files an entry whose due moved on when it meets
   * it), so only a due that came earlier (a shorter -fin limit) or an entry not filed yet costs the sweep any work.
   */
  private schedule(): void {
    const d = this.deadline;
    if (d === undefined) return;
    let due = Infinity;
    const lc = idleLimit(this.timeouts, PipeSide.client, this.halfClosed);
    if (lc !== undefined) due = this.lastClient + lc;
    const ls = idleLimit(this.timeouts, PipeSide.server, this.halfClosed);
    if (ls !== undefined) due = Math.min(due, this.lastServer + ls);
    const earlier = d.slot < 0 || due < d.due;
    d.due = due;
    if (earlier) this.sweep.arm(d);
  }

  private abort(side: PipeSide, kind: Abort, cause?: unknown): void {
    if (this.termination !== undefined) return;
    const phase = (this.serverState & CLOSED) !== 0 ? 'L' : 'D';
    const isClient = side === PipeSide.client;
    let code: OrcaErrorCode;
    let message: string;
    if (kind === 'timeout') {
      code = isClient ? 'ORCA_CLIENT_TIMEOUT' : 'ORCA_SERVER_TIMEOUT';
      message = `${isClient ? 'client' : 'server'} idle past ${limitName(this.timeouts, side, this.halfClosed)}`;
      this.termination = (isClient ? 'c' : 's') + phase;
    } else if (kind === 'error') {
      code = isClient ? 'ORCA_CLIENT_CLOSED' : 'ORCA_SERVER_CLOSED';
      const why = cause instanceof Error ? cause.message : 'closed without FIN';
      message = `${isClient ? 'client' : 'server'} aborted the connection: ${why}`;
      this.termination = (isClient ? 'C' : 'S') + phase;
    } else {
      code = 'ORCA_INTERNAL';
      message = `internal error while forwarding: ${cause instanceof Error ? cause.message : String(cause)}`;
      this.termination = 'I' + phase;
    }
    this.error = new OrcaError(code, message, cause === undefined ? undefined : { cause });
    if (this.deadline !== undefined) this.sweep.disarm(this.deadline);
    if (!this.client.destroyed) this.client.destroy();
    if (!this.server.destroyed) this.server.destroy();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.deadline !== undefined) this.sweep.disarm(this.deadline);
    const result: PipeResult = {
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      termination: this.termination ?? '--',
    };
    if (this.error !== undefined) result.error = this.error;
    this.owner.onPipeEnd(result);
  }

  /** Any throw becomes an `I` termination instead of reaching the event loop. */
  private internal(err: unknown): void {
    try {
      this.abort(PipeSide.client, 'internal', err);
    } catch {
      // Destroying sockets does not throw in practice; if it ever does, the close events still finish the session.
    }
  }
}

const SIDES: readonly PipeSide[] = [PipeSide.client, PipeSide.server];
