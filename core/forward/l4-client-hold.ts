// A TCP client while its server is being chosen (queue, connect, retries): what it sends is read and kept for the
// server, up to one buffer (HAProxy's default bufsize; the socket is paused above it), and its departure is noticed.
// HAProxy 2.6 abandons such a session when the client resets, or closes without having sent a byte; a client that
// sent data and then its FIN is still served (measured on 2.6.12). Forwarder threads.

import type net from 'node:net';

/** HAProxy's default tune.bufsize: what a session buffers from its client before a server is connected. */
const HOLD_LIMIT = 16 * 1024;

/** Watches one client until release(); one per TCP session, for the dispatch phase only. */
export class ClientHold {
  /** Aborted once the client is gone: reset, closed, or ended without a byte. */
  readonly signal: AbortSignal;
  private readonly client: net.Socket;
  private readonly gone = new AbortController();
  private chunks: Buffer[];
  private size: number;

  private readonly onData = (chunk: Buffer): void => {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size >= HOLD_LIMIT) this.client.pause();
  };

  private readonly onEnd = (): void => {
    // A FIN after data is a request to serve (the bytes go to the server, then the FIN); a bare FIN is a client gone.
    if (this.size === 0) this.gone.abort();
  };

  private readonly onClose = (): void => {
    this.gone.abort();
  };

  /** Starts reading `client`; `initial` holds bytes already read (after a PROXY header). */
  constructor(client: net.Socket, initial: Buffer | undefined) {
    this.client = client;
    this.signal = this.gone.signal;
    this.chunks = initial === undefined || initial.length === 0 ? [] : [initial];
    this.size = initial?.length ?? 0;
    client.on('data', this.onData);
    client.on('end', this.onEnd);
    client.on('close', this.onClose);
    // A socket that closed before we were handed it will never emit 'close' again.
    if (client.destroyed) this.onClose();
    else if (this.size < HOLD_LIMIT) client.resume();
  }

  /**
   * Stops watching and returns every byte read so far, oldest first (undefined when none); the socket is left
   * paused for its next owner. Idempotent.
   */
  release(): Buffer | undefined {
    this.client.off('data', this.onData);
    this.client.off('end', this.onEnd);
    this.client.off('close', this.onClose);
    this.client.pause();
    const bytes = this.chunks.length === 0 ? undefined : Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    return bytes;
  }
}
