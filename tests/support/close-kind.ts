// How a proxy ends a client connection it will not serve: a FIN (clean end) or a reset, seen from a raw client
// that may have sent bytes first (unread bytes make a careless close() send a reset). Test-runner thread; 127.0.0.1.

import net from 'node:net';

export interface CloseKind {
  /** 'fin': the peer ended cleanly; 'reset': ECONNRESET/EPIPE first; 'open': neither within the timeout. */
  readonly how: 'fin' | 'reset' | 'open';
  /** Bytes received before the end. */
  readonly data: string;
  /** Milliseconds from the connect to the end. */
  readonly afterMs: number;
}

/** watchClose's client: `end` sends its FIN after the payload; `localAddress` connects from another 127.x address. */
export interface WatchOptions {
  readonly end?: boolean;
  readonly localAddress?: string;
}

/**
 * Connects to 127.0.0.1:port, sends `payload` (may be empty) and reports how the peer ends the connection. Our side
 * answers a FIN with its own (a well-behaved client); with `end`, it sends its FIN right after the payload (a client
 * that has said everything: the peer's answer is all that follows). Resolves within timeoutMs; never rejects.
 */
export function watchClose(port: number, payload: Buffer | string, timeoutMs = 5000, o: WatchOptions = {}): Promise<CloseKind> {
  const end = o.end === true;
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true, ...(o.localAddress === undefined ? {} : { localAddress: o.localAddress }) });
    const start = Date.now();
    let data = '';
    let settled = false;
    const done = (how: CloseKind['how']): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ how, data, afterMs: Date.now() - start });
      if (how === 'fin') s.end();
      else s.destroy();
    };
    const timer = setTimeout(() => done('open'), timeoutMs);
    s.on('connect', () => {
      if (payload.length > 0) s.write(payload);
      if (end) s.end();
    });
    s.on('data', (d: Buffer) => (data += d.toString('latin1')));
    s.on('end', () => done('fin'));
    s.on('error', () => done('reset'));
  });
}
