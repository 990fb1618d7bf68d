// A raw HTTP/1.x client for L7 tests: writes exact bytes and reads responses framed by Content-Length or chunked
// encoding or the close, so tests see precisely what a proxy sends (header case, Connection values, pipelining).
// Runs on the test runner's main thread; 127.0.0.1 only.

import net from 'node:net';

export interface RawResponse {
  readonly status: number;
  /** The head as received, CRLFs included. */
  readonly head: string;
  /** Lower-cased names → values, in order. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

/** A connection that reads responses one after the other. */
export class RawHttpConnection {
  readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      this.wake?.();
    });
    const end = (): void => {
      this.ended = true;
      this.wake?.();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  static open(port: number, localAddress?: string): Promise<RawHttpConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1', ...(localAddress === undefined ? {} : { localAddress }) });
      s.once('connect', () => resolve(new RawHttpConnection(s)));
      s.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** True once the peer closed (FIN or reset) and every received byte was read. */
  get closed(): boolean {
    return this.ended && this.buf.length === 0;
  }

  private async more(deadline: number, what: string): Promise<void> {
    if (this.ended) throw new Error(`${what}: connection closed; unread: ${JSON.stringify(this.buf.toString('latin1'))}`);
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`${what}: timed out; unread: ${JSON.stringify(this.buf.toString('latin1'))}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Reads one response (a HEAD answer has no body: pass head=true). Rejects on timeout or a close mid-message. */
  async response(timeoutMs = 5000, head = false): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    let end: number;
    while ((end = this.buf.indexOf('\r\n\r\n')) < 0) await this.more(deadline, 'response head');
    const headText = this.buf.subarray(0, end + 4).toString('latin1');
    this.buf = this.buf.subarray(end + 4);
    const lines = headText.split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
    const headers = lines
      .slice(1)
      .filter((l) => l !== '')
      .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as const);
    const get = (n: string): string | undefined => headers.find(([k]) => k === n)?.[1];
    let body: Buffer;
    if (head || status < 200 || status === 204 || status === 304) {
      body = Buffer.alloc(0);
    } else if (get('transfer-encoding')?.toLowerCase() === 'chunked') {
      const parts: Buffer[] = [];
      for (;;) {
        let eol: number;
        while ((eol = this.buf.indexOf('\r\n')) < 0) await this.more(deadline, 'chunk size');
        const size = parseInt(this.buf.subarray(0, eol).toString('latin1'), 16);
        while (this.buf.length < eol + 2 + size + 2) await this.more(deadline, 'chunk data');
        parts.push(this.buf.subarray(eol + 2, eol + 2 + size));
        this.buf = this.buf.subarray(eol + 2 + size + 2);
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
    } else if (get('content-length') !== undefined) {
      const n = Number(get('content-length'));
      while (this.buf.length < n) await this.more(deadline, 'body');
      body = this.buf.subarray(0, n);
      this.buf = this.buf.subarray(n);
    } else {
      while (!this.ended && Date.now() < deadline) await this.more(deadline, 'body until close').catch(() => undefined);
      body = this.buf;
      this.buf = Buffer.alloc(0);
    }
    return { status, head: headText, headers, body };
  }

  /**
   * Every byte received from now on (Latin-1) until the peer closes, `done(bytes)` says the exchange is over, or
   * `timeoutMs` passes; `closed` tells which. Never rejects.
   */
  async readUntil(timeoutMs: number, done: (bytes: string) => boolean = () => false): Promise<{ bytes: string; closed: boolean }> {
    const deadline = Date.now() + timeoutMs;
    const text = (): string => this.buf.toString('latin1');
    while (!this.ended && !done(text()) && Date.now() < deadline) {
      await this.more(deadline, 'readUntil').catch(() => undefined);
    }
    const bytes = text();
    this.buf = Buffer.alloc(0);
    return { bytes, closed: this.ended };
  }

  /** Resolves once the peer has closed (bytes still unread are dropped); rejects after timeoutMs. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) await this.more(deadline, 'close');
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** One request on a fresh connection; returns the response and closes. */
export async function rawRequest(port: number, request: string | Buffer, timeoutMs = 5000): Promise<RawResponse> {
  const c = await RawHttpConnection.open(port);
  try {
    c.write(request);
    return await c.response(timeoutMs);
  } finally {
    c.destroy();
  }
}
