// Tiny HTTP/1.1 servers for L7 tests (HAProxy's vtc "tagged server" idea): each answers with its name and records
// the request head exactly as it arrived (names in their case and order) plus which of its connections carried it.
// Runs on the test runner's main thread; listens on 127.0.0.1 only.

import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { waitOn } from './wait.js';

/** One request as a backend received it. */
export interface SeenRequest {
  readonly server: string;
  /** `METHOD TARGET HTTP/x.y` then `Name: value` lines, joined by \n (no body). */
  readonly head: string;
  /** Per-farm connection number: equal numbers = same TCP connection. */
  readonly connection: number;
  /** Body bytes received. */
  bodyBytes: number;
}

/** Custom answer: write the response yourself; the request is already recorded. */
export type HttpHandler = (name: string, req: http.IncomingMessage, res: http.ServerResponse, seen: SeenRequest) => void;

export interface HttpBackends {
  readonly names: readonly string[];
  ports(): number[];
  readonly requests: SeenRequest[];
  /** Connections accepted so far, per server name (all when name is undefined). */
  connections(name?: string): number;
  waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void>;
  /** Stops one server: its listener closes (connects are refused) and its open connections are destroyed. */
  stop(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Default answer: 200, `text/plain`, body `<name>\n`, after the whole request body was read. */
function answerName(name: string, req: http.IncomingMessage, res: http.ServerResponse, seen: SeenRequest): void {
  req.on('data', (c: Buffer) => (seen.bodyBytes += c.length));
  req.on('end', () => {
    const body = `${name}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'x-server': name });
    res.end(body);
  });
}

/**
 * Starts one HTTP server per name on 127.0.0.1 port 0. `handler` replaces the default answer. Test-thread only;
 * close with `close()` in `after`/`t.after`.
 */
export async function startHttpBackends(names: readonly string[], handler: HttpHandler = answerName): Promise<HttpBackends> {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const requests: SeenRequest[] = [];
  const connCount = new Map<string, number>();
  const sockets = new Set<Socket>();
  const socketsOf = new Map<string, Set<Socket>>();
  const ids = new WeakMap<Socket, number>();
  let nextConn = 0;
  const servers = await Promise.all(
    names.map(
      (name) =>
        new Promise<http.Server>((resolve, reject) => {
          const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
            const lines = [`${req.method ?? ''} ${req.url ?? ''} HTTP/${req.httpVersion}`];
            for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
            const seen: SeenRequest = { server: name, head: lines.join('\n'), connection: ids.get(req.socket) ?? -1, bodyBytes: 0 };
            requests.push(seen);
            events.emit('change');
            handler(name, req, res, seen);
          });
          server.on('connection', (s: Socket) => {
            ids.set(s, ++nextConn);
            connCount.set(name, (connCount.get(name) ?? 0) + 1);
            sockets.add(s);
            const own = socketsOf.get(name) ?? new Set<Socket>();
            socketsOf.set(name, own);
            own.add(s);
            s.on('close', () => {
              sockets.delete(s);
              own.delete(s);
            });
            events.emit('change');
          });
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  return {
    names,
    ports: () => servers.map((s) => (s.address() as AddressInfo).port),
    requests,
    connections: (name) =>
      name === undefined ? [...connCount.values()].reduce((a, b) => a + b, 0) : (connCount.get(name) ?? 0),
    waitFor: (predicate, timeoutMs, what) => waitOn(events, 'change', predicate, timeoutMs, what),
    stop: async (name) => {
      const server = servers[names.indexOf(name)];
      if (server === undefined || !server.listening) return;
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of socketsOf.get(name) ?? []) s.destroy();
      await closed;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.filter((s) => s.listening).map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
