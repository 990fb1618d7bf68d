// Opens one TCP connection to a server within `timeout connect`, classifying failures as HAProxy's termination
// states do (refused → SC, timeout → sC). Forwarder threads, once per connection attempt (the connection-rate path).
// Never leaves a half-open socket behind on failure. Both engines connect through here (dispatch.ts); a session that
// reads through the thread's SocketIo passes it with its read sink and the thread's sweep (ConnectVia): the socket
// reads into the shared buffer from its first byte, and the connect deadline is a Deadline on the sweep instead of a
// Node timer per attempt (a setTimeout + clearTimeout per connection was ~1 % of the forwarder at 1,100 conn/s).

import net from 'node:net';
import { OrcaError } from '../errors.js';
import { Deadline, type DeadlineOwner, type DeadlineSweep } from '../io/deadline-sweep.js';
import type { ReadSink, SocketIo } from '../io/socket-io.js';

/** How a session opens its server sockets: the thread's SocketIo, the session's read sink, the thread's sweep. */
export interface ConnectVia {
  readonly io: SocketIo;
  readonly sink: ReadSink;
  readonly sweep: DeadlineSweep;
}

/**
 * Resolves with the connected socket, or rejects with OrcaError ORCA_SERVER_CONNECT_REFUSED / _TIMEOUT / _ERROR.
 * `timeoutMs` undefined = no limit (HAProxy warns about a missing `timeout connect`, and waits forever). With `via`
 * the socket is built by `via.io` (SocketIo.connect: Nagle off, half-open allowed, reads to `via.sink`); without, a
 * plain net.Socket with Nagle off. The caller installs its 'error' listener at once on resolution.
 */
export function connectServer(
  address: string,
  port: number,
  timeoutMs: number | undefined,
  via?: ConnectVia,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      via === undefined ? net.connect({ host: address, port, noDelay: true }) : via.io.connect({ host: address, port }, via.sink);
    new ConnectAttempt(socket, address, port, timeoutMs, via?.sweep, resolve, reject);
  });
}

const kAttempt = Symbol('orcalb.connectAttempt');

/** A server socket while it connects: the attempt rides on it (set on every one, so all share one shape). */
interface AttemptSocket extends net.Socket {
  [kAttempt]: ConnectAttempt | undefined;
}

function onAttemptConnect(this: AttemptSocket): void {
  this[kAttempt]?.connected();
}

function onAttemptError(this: AttemptSocket, e: NodeJS.ErrnoException): void {
  this[kAttempt]?.failed(e);
}

/** One connection attempt until it settles: connected, failed, or timed out. */
class ConnectAttempt implements DeadlineOwner {
  private readonly socket: AttemptSocket;
  private readonly address: string;
  private readonly port: number;
  private readonly timeoutMs: number | undefined;
  private readonly resolve: (s: net.Socket) => void;
  private readonly reject: (e: OrcaError) => void;
  private readonly sweep: DeadlineSweep | undefined;
  private deadline: Deadline | undefined = undefined;
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    socket: net.Socket,
    address: string,
    port: number,
    timeoutMs: number | undefined,
    sweep: DeadlineSweep | undefined,
    resolve: (s: net.Socket) => void,
    reject: (e: OrcaError) => void,
  ) {
    this.socket = socket as AttemptSocket;
    this.address = address;
    this.port = port;
    this.timeoutMs = timeoutMs;
    this.sweep = sweep;
    this.resolve = resolve;
    this.reject = reject;
    this.socket[kAttempt] = this;
    socket.on('connect', onAttemptConnect);
    socket.on('error', onAttemptError);
    if (timeoutMs === undefined) return;
    if (sweep !== undefined) {
      this.deadline = new Deadline(this);
      this.deadline.due = sweep.now() + timeoutMs;
      sweep.arm(this.deadline);
    } else {
      this.timer = setTimeout(() => this.onDeadline(), timeoutMs);
    }
  }

  connected(): void {
    // The session installs its own handlers; drop ours so a later error is not read as a connect failure.
    this.settle();
    this.resolve(this.socket);
  }

  failed(e: NodeJS.ErrnoException): void {
    const code = e.code === 'ECONNREFUSED' ? 'ORCA_SERVER_CONNECT_REFUSED' : 'ORCA_SERVER_CONNECT_ERROR';
    this.fail(new OrcaError(code, `${this.address}:${this.port}: ${e.message}`, { cause: e, detail: e.code ?? '' }));
  }

  /** DeadlineOwner (or the fallback timer): `timeout connect` passed. */
  onDeadline(): void {
    this.deadline = undefined;
    const err = `${this.address}:${this.port}: no answer within ${this.timeoutMs ?? 0} ms`;
    this.fail(new OrcaError('ORCA_SERVER_CONNECT_TIMEOUT', err));
  }

  private fail(err: OrcaError): void {
    if (this.socket[kAttempt] !== this) return;
    this.settle();
    // destroy() may still report an error; the socket is ours to silence until it is gone.
    this.socket.on('error', ignore);
    this.socket.destroy();
    this.reject(err);
  }

  private settle(): void {
    this.socket[kAttempt] = undefined;
    this.socket.off('connect', onAttemptConnect);
    this.socket.off('error', onAttemptError);
    if (this.deadline !== undefined) this.sweep?.disarm(this.deadline);
    this.deadline = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

const ignore = (): void => undefined;
