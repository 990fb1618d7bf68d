// Real TCP backends for end-to-end tests, and the client side of their protocol (HAProxy's vtc "tagged server"):
// each server answers `<name>\n` on connect (after the PROXY header when one is expected), then echoes every byte.
// Runs on the test runner's main thread; everything listens and connects on 127.0.0.1 only.

import { EventEmitter } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { parseProxyHeader } from '../../core/proxy-protocol/parse.js';
import { waitOn } from './wait.js';

/** What one server saw on one accepted connection. Mutated while the connection lives. */
export interface FarmConnection {
  /** Farm-wide accept order, so a test can ask for "connections since this point". */
  readonly seq: number;
  readonly server: string;
  /** The PROXY v1 line exactly as received, without its `\r\n`; `v2:<hex>` for a v2 header; undefined if none. */
  proxyLine: string | undefined;
  /** Set when a PROXY header was expected but the bytes were not one (the server then drops the connection). */
  proxyError: string | undefined;
  /** Bytes after the header, latin1, the first 64 KiB only (enough to find a client's marker). */
  received: string;
  receivedBytes: number;
  closed: boolean;
}

export interface BackendFarmOptions {
  /** Servers expect a PROXY header (HAProxy `send-proxy`) before any payload. */
  readonly expectProxy?: boolean;
  /** Fixed ports, same order as the names; default: port 0 for each. */
  readonly ports?: readonly number[];
}

export interface BackendFarm {
  readonly names: readonly string[];
  port(name: string): number;
  /** Ports in the order of `names`. */
  ports(): number[];
  /** Highest `seq` handed out so far (0 before the first connection). */
  seq(): number;
  /** Connections that carried client data after the header, optionally only those with seq > sinceSeq. */
  dataConnections(name?: string, sinceSeq?: number): FarmConnection[];
  /** Connections closed without a byte after the header: health checks (their PROXY lines are kept too). */
  checkConnections(name?: string, sinceSeq?: number): FarmConnection[];
  /** Connections accepted and not closed yet (what a balancer holds open to the farm now). */
  liveConnections(name?: string): FarmConnection[];
  /** The most connections the farm (all servers together) ever had open at once. */
  peakLive(): number;
  /** Resolves once `predicate` holds; re-checked on every accept, data and close in the farm. */
  waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void>;
  /** Closes the listener and destroys live sockets: connects are refused from now on. */
  kill(name: string): Promise<void>;
  /** Listens again on the same port. */
  revive(name: string): Promise<void>;
  /** Resets (RST, no FIN) every live connection of `name`; the listener stays. A server that aborts mid-session. */
  reset(name: string): void;
  close(): Promise<void>;
}

const RECEIVED_KEEP = 64 * 1024;

interface FarmServer {
  readonly name: string;
  port: number;
  server: Server | undefined;
  readonly live: Set<Socket>;
}

/**
 * Starts one tagged echo server per name on 127.0.0.1. Test-thread only; rejects if a port cannot be bound.
 * Close it with `close()` (in `t.after`).
 */
export async function startBackendFarm(
  names: readonly string[],
  options: BackendFarmOptions = {},
): Promise<BackendFarm> {
  const expectProxy = options.expectProxy ?? false;
  const events = new EventEmitter();
  // Every waitFor registers a listener; many concurrent waits are normal in these tests.
  events.setMaxListeners(0);
  const records: FarmConnection[] = [];
  let nextSeq = 0;
  let live = 0;
  let peak = 0;
  const servers = new Map<string, FarmServer>();

  const handle = (srv: FarmServer, sock: Socket): void => {
    srv.live.add(sock);
    const rec: FarmConnection = {
      seq: ++nextSeq,
      server: srv.name,
      proxyLine: undefined,
      proxyError: undefined,
      received: '',
      receivedBytes: 0,
      closed: false,
    };
    records.push(rec);
    live++;
    peak = Math.max(peak, live);
    let pending: Buffer | undefined = expectProxy ? Buffer.alloc(0) : undefined;
    const payload = (chunk: Buffer): void => {
      if (chunk.length === 0) return;
      if (rec.received.length < RECEIVED_KEEP) {
        rec.received += chunk.subarray(0, RECEIVED_KEEP - rec.received.length).toString('latin1');
      }
      rec.receivedBytes += chunk.length;
      sock.write(chunk);
    };
    if (!expectProxy) sock.write(`${srv.name}\n`);
    sock.on('data', (chunk: Buffer) => {
      if (pending === undefined) {
        payload(chunk);
      } else {
        // The header may arrive split over several reads: accumulate until the parser can decide.
        pending = Buffer.concat([pending, chunk]);
        const parsed = parseProxyHeader(pending);
        if (parsed.kind === 'incomplete') return;
        if (parsed.kind !== 'ok') {
          rec.proxyError = parsed.kind === 'invalid' ? parsed.reason : 'absent';
          sock.destroy();
        } else {
          const header = pending.subarray(0, parsed.length);
          rec.proxyLine = parsed.version === 1
            ? header.toString('latin1').replace(/\r\n$/, '')
            : `v2:${header.toString('hex')}`;
          const rest = pending.subarray(parsed.length);
          pending = undefined;
          sock.write(`${srv.name}\n`);
          payload(rest);
        }
      }
      events.emit('change');
    });
    // Health checks end with a reset (HAProxy sets SO_LINGER 0): that is normal here, not a failure.
    sock.on('error', () => undefined);
    sock.on('close', () => {
      rec.closed = true;
      live--;
      srv.live.delete(sock);
      events.emit('change');
    });
    events.emit('change');
  };

  const listen = (srv: FarmServer): Promise<void> =>
    new Promise((resolve, reject) => {
      const server = createServer((sock) => handle(srv, sock));
      server.once('error', reject);
      server.listen(srv.port, '127.0.0.1', () => {
        server.off('error', reject);
        const addr = server.address();
        if (addr === null || typeof addr === 'string') return reject(new Error('farm: unexpected listen address'));
        srv.port = addr.port;
        srv.server = server;
        resolve();
      });
    });

  const shut = (srv: FarmServer): Promise<void> =>
    new Promise((resolve) => {
      const server = srv.server;
      srv.server = undefined;
      for (const s of srv.live) s.destroy();
      if (server === undefined) return resolve();
      server.close(() => resolve());
    });

  const get = (name: string): FarmServer => {
    const srv = servers.get(name);
    if (srv === undefined) throw new Error(`farm: no server named ${name}`);
    return srv;
  };

  try {
    for (const [i, name] of names.entries()) {
      const srv: FarmServer = { name, port: options.ports?.[i] ?? 0, server: undefined, live: new Set() };
      servers.set(name, srv);
      await listen(srv);
    }
  } catch (err) {
    await Promise.all([...servers.values()].map(shut));
    throw err;
  }

  const select = (name: string | undefined, sinceSeq: number): FarmConnection[] =>
    records.filter((r) => r.seq > sinceSeq && (name === undefined || r.server === name));

  return {
    names: [...names],
    port: (name) => get(name).port,
    ports: () => names.map((n) => get(n).port),
    seq: () => nextSeq,
    dataConnections: (name, sinceSeq = 0) => select(name, sinceSeq).filter((r) => r.receivedBytes > 0),
    checkConnections: (name, sinceSeq = 0) =>
      select(name, sinceSeq).filter((r) => r.closed && r.receivedBytes === 0 && r.proxyError === undefined),
    liveConnections: (name) => select(name, 0).filter((r) => !r.closed),
    peakLive: () => peak,
    waitFor: (predicate, timeoutMs, what) => waitOn(events, 'change', predicate, timeoutMs, `farm: ${what}`),
    kill: (name) => shut(get(name)),
    async revive(name) {
      const srv = get(name);
      if (srv.server === undefined) await listen(srv);
    },
    reset(name) {
      for (const s of get(name).live) s.resetAndDestroy();
    },
    async close() {
      await Promise.all([...servers.values()].map(shut));
    },
  };
}

/** A client connection through the balancer that has already read the server's tag line. */
export interface TaggedClient {
  /** The name of the server that answered. */
  readonly tag: string;
  readonly localPort: number;
  /** Sends `data` and resolves with as many echoed bytes; rejects on close or after timeoutMs. */
  exchange(data: string | Buffer, timeoutMs?: number): Promise<Buffer>;
  isClosed(): boolean;
  /** Resolves when the socket has closed, for whatever reason (end, reset, cut by the balancer). */
  readonly closed: Promise<void>;
  /** Half-closes; resolves once the other side has closed too, rejects if it has not after timeoutMs. */
  end(timeoutMs?: number): Promise<void>;
  destroy(): void;
  /** Aborts with a reset (RST) instead of a FIN: a client that crashes or is killed mid-session. */
  reset(): void;
}

/**
 * Connects to 127.0.0.1:port and waits for the `<name>\n` tag. Rejects with the socket error, an early close
 * or a timeout; never leaves the socket open on failure. Test-thread only.
 */
export function connectTagged(port: number, timeoutMs = 5000): Promise<TaggedClient> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let tag: string | undefined;
    let closed = false;
    let wake: (() => void) | undefined;
    const closedP = new Promise<void>((r) => sock.once('close', () => r()));
    const fail = (err: Error): void => {
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new Error(`client: no tag from 127.0.0.1:${port} within ${timeoutMs} ms (got ${JSON.stringify(buf.toString('latin1'))})`)),
      timeoutMs,
    );
    sock.on('error', (err) => {
      if (tag === undefined) fail(err);
    });
    sock.on('close', () => {
      closed = true;
      if (tag === undefined) fail(new Error(`client: connection closed before a tag (got ${JSON.stringify(buf.toString('latin1'))})`));
      wake?.();
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (tag === undefined) {
        const nl = buf.indexOf(10);
        if (nl < 0) return;
        tag = buf.subarray(0, nl).toString('latin1');
        buf = buf.subarray(nl + 1);
        clearTimeout(timer);
        resolve(client(tag));
      }
      wake?.();
    });

    const client = (name: string): TaggedClient => ({
      tag: name,
      localPort: sock.localPort ?? 0,
      async exchange(data, ms = 5000) {
        const out = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
        sock.write(out);
        const deadline = Date.now() + ms;
        // Bounded by the deadline; every data/close event wakes this loop, a timer covers silence.
        while (buf.length < out.length) {
          if (closed) throw new Error(`client: closed after ${buf.length}/${out.length} echoed bytes`);
          const left = deadline - Date.now();
          if (left <= 0) throw new Error(`client: ${buf.length}/${out.length} echoed bytes within ${ms} ms`);
          await new Promise<void>((r) => {
            const t = setTimeout(r, left);
            wake = () => {
              clearTimeout(t);
              r();
            };
          });
          wake = undefined;
        }
        const echoed = buf.subarray(0, out.length);
        buf = buf.subarray(out.length);
        return echoed;
      },
      isClosed: () => closed,
      closed: closedP,
      end(ms = 5000) {
        sock.end();
        // The balancer must pass our FIN on and the server's back: a session that never closes is a failure too.
        let t: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, rej) => {
          t = setTimeout(() => rej(new Error(`client: not closed within ${ms} ms after end()`)), ms);
        });
        return Promise.race([closedP, late]).finally(() => clearTimeout(t));
      },
      destroy: () => sock.destroy(),
      reset: () => sock.resetAndDestroy(),
    });
  });
}

/**
 * One short session: connect, read the tag, send `marker\n`, check the echo, close. Resolves with the tag and the
 * client's local port (what the PROXY line must carry). Test-thread only; rejects like connectTagged.
 */
export async function requestTag(port: number, marker: string, timeoutMs = 5000): Promise<{ tag: string; localPort: number }> {
  const c = await connectTagged(port, timeoutMs);
  try {
    const echoed = (await c.exchange(`${marker}\n`, timeoutMs)).toString('latin1');
    if (echoed !== `${marker}\n`) throw new Error(`client: echo mismatch: ${JSON.stringify(echoed)}`);
    await c.end(timeoutMs);
    return { tag: c.tag, localPort: c.localPort };
  } finally {
    c.destroy();
  }
}

/**
 * One connect attempt to 127.0.0.1:port: 'refused' on ECONNREFUSED, 'accepted' (then closed by us) once the
 * handshake completed, whoever accepted it. Rejects on any other error. Test-thread only.
 */
export function probeConnect(port: number): Promise<'refused' | 'accepted'> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('accepted');
    });
    // ECONNRESET: the handshake completed into a listener's queue that closed before accepting it (the kernel resets
    // what a closing listener still queues); the client was not served either, so it counts as refused.
    s.once('error', (e: NodeJS.ErrnoException) =>
      e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' ? resolve('refused') : reject(e),
    );
  });
}
