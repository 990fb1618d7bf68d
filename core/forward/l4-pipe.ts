// The TCP-mode (L4) data phase: bytes both ways between a client and a server socket, HAProxy 2.6 `mode tcp` rules.
// Runs on forwarder threads, one call per forwarded connection; every socket callback is guarded (no throw escapes).
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
//   server reset, error or close without FIN; `ID` internal error (a hook threw). Second char `L` instead of `D` when
//   the server connection had already closed (the proxy was sending the last data to the client).
// - Any error, reset or timeout destroys both sockets at once. Deviation: HAProxy, on a read timeout, first only
//   shuts that direction (the other side sees a FIN) and closes when the other side follows; the outcome in logs and
//   for the client is the same, but this frees the connection without waiting on the other side.

import type net from 'node:net';
import { OrcaError, type OrcaErrorCode } from '../errors.js';
import { IdleWatch } from './idle-watch.js';
import { PipeSide, type PipeTimeouts } from './pipe-timeouts.js';

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

export interface PipeHooks {
  /** Called for every chunk forwarded (n bytes; fromClient = client→server), e.g. to count bytes in the shared buffer. */
  onBytes?: (fromClient: boolean, n: number) => void;
  /** Bytes already read from the client (after a PROXY header) to send to the server before anything else. */
  initial?: Buffer;
}

type Abort = 'timeout' | 'error' | 'internal';

/**
 * Moves bytes both ways between an established client socket and server socket until both are closed, following
 * the rules in this file's header: backpressure both ways, half-close, idle timeouts, termination state.
 * Both sockets are switched to allowHalfOpen and resumed (readProxyHeader leaves the client paused).
 * Forwarder thread. Resolves once both sockets have closed; never rejects; no exception escapes to the event loop.
 */
export function pipeL4(
  client: net.Socket,
  server: net.Socket,
  timeouts: PipeTimeouts,
  hooks: PipeHooks = {},
): Promise<PipeResult> {
  return new Promise((resolve) => {
    new L4Session(client, server, timeouts, hooks, resolve);
  });
}

/** One forwarded connection. State per side is kept in pairs indexed by PipeSide (0 = client, 1 = server). */
class L4Session {
  private readonly sockets: readonly [net.Socket, net.Socket];
  private readonly onBytes: ((fromClient: boolean, n: number) => void) | undefined;
  private readonly resolve: (r: PipeResult) => void;
  private readonly watch: IdleWatch;
  /** Bytes read from each side: [0] = bytesIn (from the client), [1] = bytesOut (from the server). */
  private readonly bytes: [number, number] = [0, 0];
  /** A FIN was received from this side. */
  private readonly ended: [boolean, boolean] = [false, false];
  /** Reading from this side is paused because the other side's write buffer is full. */
  private readonly paused: [boolean, boolean] = [false, false];
  private readonly closed: [boolean, boolean] = [false, false];
  private termination: string | undefined;
  private error: OrcaError | undefined;
  private resolved = false;

  constructor(
    client: net.Socket,
    server: net.Socket,
    timeouts: PipeTimeouts,
    hooks: PipeHooks,
    resolve: (r: PipeResult) => void,
  ) {
    this.sockets = [client, server];
    this.onBytes = hooks.onBytes;
    this.resolve = resolve;
    this.watch = new IdleWatch(
      timeouts,
      (side) => this.expecting(side),
      (side) => this.guard(() => this.abort(side, 'timeout')),
    );
    this.guard(() => this.start(hooks.initial));
  }

  private start(initial: Buffer | undefined): void {
    for (const side of [PipeSide.client, PipeSide.server] as const) {
      const s = this.sockets[side];
      // Without this Node answers a FIN with its own FIN at once, which would cut the other direction short.
      s.allowHalfOpen = true;
      s.on('data', (chunk: Buffer) => this.guard(() => this.onData(side, chunk)));
      s.on('end', () => this.guard(() => this.onEnd(side)));
      s.on('drain', () => this.guard(() => this.onDrain(side)));
      s.on('error', (err: Error) => this.guard(() => this.abort(side, 'error', err)));
      s.on('close', () => this.guard(() => this.onClose(side)));
    }
    for (const side of [PipeSide.client, PipeSide.server] as const) {
      // A socket that closed before we were handed it will never emit 'close' again.
      if (this.sockets[side].closed) this.onClose(side);
    }
    if (this.termination !== undefined) return;
    if (initial !== undefined && initial.length > 0) this.onData(PipeSide.client, initial);
    for (const side of [PipeSide.client, PipeSide.server] as const) {
      // An adopted socket starts reading at once: a client that sent its FIN before the server was connected has
      // already emitted 'end', and would otherwise never be relayed (the session would hang).
      if (this.sockets[side].readableEnded) this.onEnd(side);
    }
    if (!this.paused[PipeSide.client]) this.sockets[PipeSide.client].resume();
    this.sockets[PipeSide.server].resume();
  }

  /** The idle clock of `side` runs only while we wait on it: to read from it, or to flush bytes to it. */
  private expecting(side: PipeSide): boolean {
    if (this.closed[side]) return false;
    const waitingToRead = !this.ended[side] && !this.paused[side];
    return waitingToRead || this.sockets[side].writableLength > 0;
  }

  private onData(from: PipeSide, chunk: Buffer): void {
    if (this.termination !== undefined) return;
    const to = other(from);
    this.bytes[from] += chunk.length;
    this.onBytes?.(from === PipeSide.client, chunk.length);
    this.watch.touch(from);
    const dst = this.sockets[to];
    if (!dst.write(chunk)) {
      // Backpressure: stop reading until the writer drains, so memory per connection stays ~2 socket buffers.
      this.paused[from] = true;
      this.sockets[from].pause();
    } else if (dst.writableLength === 0) {
      // Flushed straight into the kernel: that is activity on the receiving side too.
      this.watch.touch(to);
    }
  }

  private onDrain(side: PipeSide): void {
    this.watch.touch(side);
    const from = other(side);
    if (this.paused[from] && this.termination === undefined) {
      this.paused[from] = false;
      // Its clock starts again from now: it was not this side's fault that we did not read it.
      this.watch.touch(from);
      this.sockets[from].resume();
    }
  }

  private onEnd(side: PipeSide): void {
    this.ended[side] = true;
    if (this.termination !== undefined) return;
    this.watch.halfClose();
    const dst = this.sockets[other(side)];
    // end() queues the FIN behind bytes still buffered, so nothing already read is lost.
    if (!dst.destroyed) dst.end();
  }

  private onClose(side: PipeSide): void {
    if (this.closed[side]) return;
    const s = this.sockets[side];
    // A clean close means: its FIN was received, and our FIN to it went out after the last byte. Judged before the
    // side counts as closed, so that a server vanishing mid-session reads `SD`, not `SL`.
    if (this.termination === undefined && !(this.ended[side] && s.writableFinished)) {
      this.abort(side, 'error');
    }
    this.closed[side] = true;
    if (this.closed[0] && this.closed[1]) this.finish();
  }

  private abort(side: PipeSide, kind: Abort, cause?: unknown): void {
    if (this.termination !== undefined) return;
    const phase = this.closed[PipeSide.server] ? 'L' : 'D';
    const isClient = side === PipeSide.client;
    let code: OrcaErrorCode;
    let message: string;
    if (kind === 'timeout') {
      code = isClient ? 'ORCA_CLIENT_TIMEOUT' : 'ORCA_SERVER_TIMEOUT';
      message = `${isClient ? 'client' : 'server'} idle past ${this.watch.limitName(side)}`;
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
    this.watch.stop();
    for (const s of this.sockets) if (!s.destroyed) s.destroy();
  }

  private finish(): void {
    if (this.resolved) return;
    this.resolved = true;
    this.watch.stop();
    const result: PipeResult = {
      bytesIn: this.bytes[PipeSide.client],
      bytesOut: this.bytes[PipeSide.server],
      termination: this.termination ?? '--',
    };
    if (this.error !== undefined) result.error = this.error;
    this.resolve(result);
  }

  /** Runs a socket callback; any throw becomes an `I` termination instead of reaching the event loop. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      try {
        this.abort(PipeSide.client, 'internal', err);
      } catch {
        // Destroying sockets does not throw in practice; if it ever does, the close events still finish the session.
      }
    }
  }
}

function other(side: PipeSide): PipeSide {
  return side === PipeSide.client ? PipeSide.server : PipeSide.client;
}
