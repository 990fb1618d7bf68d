// A TCP client from its adoption until its server is connected: the read sink of both sockets of an L4 session before
// the pipe takes them over. It reads the PROXY header first on `accept-proxy` binds (HAProxy §5.1, bounded by
// `timeout client`), then keeps what the client sends for the server, up to one buffer (HAProxy's default bufsize;
// reading stops above it), and notices the client's departure. HAProxy 2.6 abandons such a session when the client
// resets, or closes without having sent a byte; a client that sent data and then its FIN is still served (measured on
// 2.6.12). Bytes a freshly connected server sends before the pipe starts are kept for the client too.
// Forwarder threads; one ClientHold per TCP session, for the set-up phase only (bytes here are copied: the reads land
// in the thread's shared buffer, valid only during the call).

import type net from 'node:net';
import { Deadline, type DeadlineOwner, type DeadlineSweep } from '../io/deadline-sweep.js';
import { sinkOf, type ReadSink } from '../io/socket-io.js';
import {
  badProxyHeader,
  PROXY_HEADER_CLOSED,
  PROXY_HEADER_TIMEOUT,
  ProxyHeaderReader,
  type ProxyHeaderRead,
} from '../proxy-protocol/parse.js';
import { OrcaError } from '../errors.js';
import { proxyHeaderError } from '../log/connection-error.js';

/** HAProxy's default tune.bufsize: what a session buffers from its client before a server is connected. */
const HOLD_LIMIT = 16 * 1024;
const NOTHING = Buffer.alloc(0);

/** What the hold read and the pipe must send first, each way, and which socket it stopped reading. */
export interface HeldBytes {
  readonly toServer: Buffer | undefined;
  readonly toClient: Buffer | undefined;
  readonly clientStopped: boolean;
  readonly serverStopped: boolean;
}

// The hold is the client's read sink while it watches it, so its shared listeners find it from the socket.
function onHeldEnd(this: net.Socket): void {
  const hold = sinkOf(this);
  if (hold instanceof ClientHold) hold.clientEnded();
}

function onHeldClose(this: net.Socket): void {
  const hold = sinkOf(this);
  if (hold instanceof ClientHold) hold.clientClosed();
}

export class ClientHold implements ReadSink, DeadlineOwner {
  /** Aborted once the client is gone: reset, closed, or ended without a byte. Given to dispatch. */
  readonly signal: AbortSignal;
  /**
   * With `accept-proxy`: the PROXY header, once complete. Rejects with OrcaError ORCA_CLIENT_BAD_PROXY_HEADER when it
   * is missing or invalid, the client leaves first, or `timeout client` passes; the client is destroyed then.
   */
  readonly header: Promise<ProxyHeaderRead> | undefined;
  private readonly gone = new AbortController();
  private readonly sweep: DeadlineSweep;
  private client: net.Socket | undefined = undefined;
  private reader: ProxyHeaderReader | undefined;
  private headerWait: PromiseWithResolvers<ProxyHeaderRead> | undefined;
  private deadline: Deadline | undefined = undefined;
  private chunks: Buffer[] = [];
  private size = 0;
  /**
   * While tcp-request content rules inspect (inspect()): the client's first bytes, contiguous, up to `inspectLimit`
   * (what the rules may see, HAProxy's buffer less its rewrite reserve); bytes of a read past it go to `chunks`.
   */
  private inspectBuf: Buffer | undefined = undefined;
  private inspectLimit = 0;
  private onBytes: (() => void) | undefined = undefined;
  /** The client sent its FIN. */
  private finSeen = false;
  private fromServer: Buffer | undefined = undefined;
  /** This sink returned false for the client (a full hold, a failed header): its reading is stopped. */
  private clientStopped = false;

  /**
   * `proxyHeader`: read a PROXY header first, within `timeoutMs` (undefined = no limit), or not at all (false), or the
   * header read before the TLS handshake.
   * Becomes a sink at once (give it to adoptClient), then watch() the adopted client.
   */
  constructor(sweep: DeadlineSweep, proxyHeader: boolean | ProxyHeaderRead, timeoutMs: number | undefined) {
    this.sweep = sweep;
    this.signal = this.gone.signal;
    if (typeof proxyHeader === 'object') {
      // Read already, in clear before the TLS handshake (`bind … ssl accept-proxy`): nothing to read from the stream.
      this.reader = undefined;
      this.headerWait = undefined;
      this.header = Promise.resolve(proxyHeader);
    } else if (proxyHeader) {
      this.reader = new ProxyHeaderReader();
      this.headerWait = Promise.withResolvers<ProxyHeaderRead>();
      this.header = this.headerWait.promise;
      if (timeoutMs !== undefined) {
        this.deadline = new Deadline(this);
        this.deadline.due = sweep.now() + timeoutMs;
        sweep.arm(this.deadline);
      }
    } else {
      this.reader = undefined;
      this.headerWait = undefined;
      this.header = undefined;
    }
  }

  /** Starts watching the adopted client's end and close. Forwarder thread; call once, right after adoption. */
  watch(client: net.Socket): void {
    this.client = client;
    client.on('end', onHeldEnd);
    client.on('close', onHeldClose);
    // A socket that closed before we were handed it will never emit 'close' again.
    if (client.destroyed) this.clientClosed();
  }

  /** ReadSink: client bytes are kept (or go to the PROXY header); a server's are kept for the client. */
  onRead(socket: net.Socket, buf: Buffer, n: number): boolean {
    try {
      if (socket !== this.client) {
        // The server connected and spoke before the pipe took it: keep the bytes and read no more until then.
        const bytes = Buffer.from(buf.subarray(0, n));
        this.fromServer = this.fromServer === undefined ? bytes : Buffer.concat([this.fromServer, bytes]);
        return false;
      }
      const more = this.reader !== undefined ? this.readHeader(buf, n) : this.keep(buf, n);
      if (!more) this.clientStopped = true;
      return more;
    } catch (err) {
      this.clientStopped = true;
      // feed() refused the header; anything else thrown here is a bug, and the client is closed for it either way.
      if (this.headerWait === undefined) this.client?.destroy();
      else this.fail(err instanceof OrcaError ? err : badProxyHeader('internal error while reading the PROXY header', 'proxyInvalid', err));
      return false;
    }
  }

  private keep(buf: Buffer, n: number): boolean {
    if (this.inspectLimit > 0 && this.chunks.length === 0 && this.size < this.inspectLimit) {
      // The inspection's buffer comes with the first byte: a client that sends nothing costs none.
      const ib = (this.inspectBuf ??= Buffer.allocUnsafe(this.inspectLimit));
      const take = Math.min(n, ib.length - this.size);
      buf.copy(ib, this.size, 0, take);
      this.size += take;
      if (take < n) this.chunks.push(Buffer.from(buf.subarray(take, n)));
      this.size += n - take;
      this.onBytes?.();
      return this.size < this.inspectLimit;
    }
    this.chunks.push(Buffer.from(buf.subarray(0, n)));
    this.size += n;
    this.onBytes?.();
    return this.size < (this.inspectLimit > 0 ? this.inspectLimit : HOLD_LIMIT);
  }

  /**
   * `tcp-request connection expect-proxy layer4`: read a PROXY header first after all, within `timeoutMs`. Call only
   * right after adoption (before the first read is delivered) on a hold built without one. Forwarder thread.
   */
  expectProxy(timeoutMs: number | undefined): Promise<ProxyHeaderRead> {
    if (this.header !== undefined) return this.header;
    this.reader = new ProxyHeaderReader();
    const wait = Promise.withResolvers<ProxyHeaderRead>();
    this.headerWait = wait;
    if (timeoutMs !== undefined) {
      this.deadline = new Deadline(this);
      this.deadline.due = this.sweep.now() + timeoutMs;
      this.sweep.arm(this.deadline);
    }
    return wait.promise;
  }

  /**
   * Starts keeping the client's bytes contiguous for tcp-request content inspection, at most `limit` of them seen by
   * the rules (reading stops there); `onBytes` runs after each read and at the client's FIN. Forwarder thread; call
   * once the PROXY header (if any) is read; again for a later rule set (the bytes kept so far stay).
   */
  inspect(limit: number, onBytes: () => void): void {
    this.inspectLimit = Math.max(1, limit);
    this.onBytes = onBytes;
    // A second inspection (the backend's content rules after the frontend's) goes on over the same bytes.
    if (this.chunks.length === 0 || this.inspectBuf !== undefined) return;
    // Bytes kept before (with a PROXY header's read): the first `limit` go to the buffer, any beyond stay chunks.
    const all = Buffer.concat(this.chunks);
    const ib = Buffer.allocUnsafe(this.inspectLimit);
    const at = all.copy(ib, 0, 0, Math.min(all.length, ib.length));
    this.inspectBuf = ib;
    this.chunks = at < all.length ? [all.subarray(at)] : [];
  }

  /** The bytes the rules may look at: inspected()[0, inspectedSize()). Valid until release(). */
  inspected(): Buffer {
    return this.inspectBuf ?? NOTHING;
  }

  inspectedSize(): number {
    return this.inspectBuf === undefined ? 0 : Math.min(this.size, this.inspectLimit);
  }

  /** Whether no more client bytes will be seen by the rules: the limit is reached, or the client sent its FIN. */
  inspectionFull(): boolean {
    return this.finSeen || (this.inspectLimit > 0 && this.size >= this.inspectLimit);
  }

  /** Stops telling the inspection about reads (it decided). */
  endInspection(): void {
    this.onBytes = undefined;
  }

  private readHeader(buf: Buffer, n: number): boolean {
    const got = this.reader?.feed(buf.subarray(0, n));
    if (got === undefined) return true;
    this.reader = undefined;
    this.stopDeadline();
    if (got.rest.length > 0) {
      this.chunks.push(got.rest);
      this.size += got.rest.length;
    }
    this.headerWait?.resolve(got);
    this.headerWait = undefined;
    return this.size < HOLD_LIMIT;
  }

  /** DeadlineOwner: `timeout client` passed before the PROXY header was complete. */
  onDeadline(): void {
    this.deadline = undefined;
    this.fail(badProxyHeader(PROXY_HEADER_TIMEOUT, proxyHeaderError('timeout', this.reader?.received ?? 0)));
  }

  clientEnded(): void {
    this.finSeen = true;
    if (this.headerWait !== undefined) this.fail(badProxyHeader(PROXY_HEADER_CLOSED, proxyHeaderError('closed', this.reader?.received ?? 0)));
    else if (this.size > 0) this.onBytes?.();
    // A FIN after data is a request to serve (the bytes go to the server, then the FIN); a bare FIN is a client gone.
    else if (this.size === 0) this.gone.abort();
  }

  clientClosed(): void {
    if (this.headerWait !== undefined) this.fail(badProxyHeader(PROXY_HEADER_CLOSED, proxyHeaderError('closed', this.reader?.received ?? 0)));
    this.gone.abort();
  }

  /**
   * Stops watching and returns the bytes read so far each way, oldest first; the sockets' next sink (the pipe) takes
   * over at once, so nothing is read in between. Idempotent.
   */
  release(): HeldBytes {
    this.stopDeadline();
    const client = this.client;
    if (client !== undefined) {
      client.off('end', onHeldEnd);
      client.off('close', onHeldClose);
    }
    let toServer: Buffer | undefined;
    const ib = this.inspectBuf;
    this.inspectLimit = 0;
    if (ib !== undefined) {
      const kept = ib.subarray(0, Math.min(this.size, ib.length));
      if (this.chunks.length > 0) toServer = Buffer.concat([kept, ...this.chunks]);
      else if (kept.length > 0) toServer = kept;
      this.inspectBuf = undefined;
      this.onBytes = undefined;
    } else if (this.chunks.length === 1) toServer = this.chunks[0];
    else if (this.chunks.length > 1) toServer = Buffer.concat(this.chunks);
    // The server's reading was stopped exactly when it sent bytes early (its sink answered false).
    const fromServer = this.fromServer;
    const held: HeldBytes = {
      toServer,
      toClient: fromServer,
      clientStopped: this.clientStopped,
      serverStopped: fromServer !== undefined,
    };
    this.chunks = [];
    this.size = 0;
    this.fromServer = undefined;
    return held;
  }

  /** The PROXY header wait failed: the session hears it through `header`; HAProxy closes such a connection. */
  private fail(err: OrcaError): void {
    this.reader = undefined;
    this.stopDeadline();
    const wait = this.headerWait;
    this.headerWait = undefined;
    if (wait === undefined) return;
    wait.reject(err);
    // Closed once the session heard it (its handler runs first, as a microtask queued before this one): the
    // connection's error line goes out while it still counts, and before its client can see the close (haproxy's order).
    const client = this.client;
    if (client !== undefined) queueMicrotask(() => client.destroy());
  }

  private stopDeadline(): void {
    if (this.deadline === undefined) return;
    this.sweep.disarm(this.deadline);
    this.deadline = undefined;
  }
}
