// attachDashboard: the live dashboard (`stats dashboard`, our keyword) on a stats listener's node:http server —
// the page's files under `<stats uri>;dashboard`, a WebSocket at `<stats uri>;dashboard/ws` (package `ws`,
// noServer, on the server's 'upgrade' event), one frame per tick built and serialised once for every client; a
// client whose socket does not drain skips frames (its queue stays bounded) and is closed if it stays stalled.
// Stats thread.

import { performance } from 'node:perf_hooks';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import {
  dashboardPath,
  type DashboardHandle,
  type DashboardOptions,
  type DashboardRefusal,
  type DashboardStats,
} from './dashboard-types.js';
import { FrameBuilder } from './frame.js';
import { loadPageFiles, sendPageFile, targetOf } from './page-files.js';

const DEFAULTS = { periodMs: 1000, maxBufferedBytes: 256 * 1024, stalledCloseMs: 30_000, maxClients: 1000, maxJoinsPerSecond: 100 } as const;
/** Bytes a client may send in one message before ws closes it (1009): the page sends none. */
const MAX_CLIENT_PAYLOAD = 1024;
/** How long close() lets clients answer the 1001 close before their sockets are destroyed. */
const CLOSE_GRACE_MS = 1000;

interface Client {
  readonly ws: WebSocket;
  /** Date.now() of the first frame this client skipped in the current run of skips; 0 while it keeps up. */
  stalledSince: number;
}

/** Node ≥ 24.9's per-request upgrade decision (absent from @types/node 22, the typing floor). */
interface UpgradeDecider {
  shouldUpgradeCallback?: (req: IncomingMessage) => boolean;
}

function refuse(socket: Duplex, r: DashboardRefusal): void {
  const body = Buffer.from(r.body);
  let head = `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? 'Refused'}\r\n`;
  for (const [k, v] of Object.entries(r.headers)) {
    if (k.toLowerCase() !== 'content-length' && k.toLowerCase() !== 'connection') head += `${k}: ${v}\r\n`;
  }
  head += `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

function plain(status: number, text: string, extra: Readonly<Record<string, string>> = {}): DashboardRefusal {
  return { status, headers: { 'content-type': 'text/plain', 'cache-control': 'no-cache', ...extra }, body: `${text}\n` };
}

/** Admits `rate` events per second on average, `rate` at once at most (refilled continuously). */
class JoinBucket {
  private tokens: number;
  private at = performance.now();
  private readonly rate: number;

  constructor(rate: number) {
    this.rate = rate;
    this.tokens = rate;
  }

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.at) * this.rate) / 1000);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * A browser sends Origin on a WebSocket handshake; one from another site would ride on the stats auth the browser
 * caches (cross-site WebSocket hijacking), so its host must be the Host the request was sent to. Clients that send
 * no Origin (scripts, curl) are not browsers acting for another site.
 */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * Attaches the dashboard to `server` (the stats listener's http.Server): one 'upgrade' listener for `<base>/ws`
 * (and, where Node has it, a shouldUpgradeCallback so other upgrade requests still reach the request handler); the
 * caller's request handler calls `handle.handleRequest(req, res)` first for the page files. Reads the page files
 * once here (throws when they are missing, or on periodMs ≤ 0). Stats thread.
 */
export function attachDashboard(server: Server, opts: DashboardOptions): DashboardHandle {
  const periodMs = opts.periodMs ?? DEFAULTS.periodMs;
  if (!(periodMs > 0)) throw new RangeError(`dashboard periodMs must be > 0, got ${periodMs}`);
  const maxBuffered = opts.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes;
  const stalledCloseMs = opts.stalledCloseMs ?? DEFAULTS.stalledCloseMs;
  const maxClients = opts.maxClients ?? DEFAULTS.maxClients;
  const joins = new JoinBucket(opts.maxJoinsPerSecond ?? DEFAULTS.maxJoinsPerSecond);
  const authorize = opts.authorize ?? ((): true => true);
  const base = dashboardPath(opts.statsUri);
  const wsPath = `${base}/ws`;
  const files = loadPageFiles(base);
  const builder = new FrameBuilder(periodMs, opts.hideVersion === true);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_PAYLOAD, perMessageDeflate: false, clientTracking: false });
  const clients = new Set<Client>();
  const counts = { framesBuilt: 0, framesDropped: 0, joinsRefused: 0, clientsClosedStalled: 0, maxBufferedAmount: 0, lastFrameBytes: 0 };
  let ticker: NodeJS.Timeout | undefined;
  let lastFrame: Buffer | undefined;
  let closed = false;

  const tick = (): void => {
    let payload: Buffer;
    try {
      const frame = builder.build(opts.source(), opts.extra?.(), Date.now());
      payload = Buffer.from(builder.stringify(frame));
    } catch {
      return; // a source that throws skips this tick; the next one tries again
    }
    counts.framesBuilt++;
    counts.lastFrameBytes = payload.length;
    lastFrame = payload;
    const now = Date.now();
    let maxSeen = 0;
    for (const c of clients) {
      const buffered = c.ws.bufferedAmount;
      if (buffered > maxSeen) maxSeen = buffered;
      if (c.ws.readyState !== WebSocket.OPEN) continue;
      if (buffered > maxBuffered) {
        counts.framesDropped++;
        if (c.stalledSince === 0) c.stalledSince = now;
        else if (now - c.stalledSince >= stalledCloseMs) {
          counts.clientsClosedStalled++;
          c.ws.terminate();
        }
        continue;
      }
      c.stalledSince = 0;
      c.ws.send(payload, { binary: false });
    }
    counts.maxBufferedAmount = maxSeen;
  };

  const stopTicker = (): void => {
    if (ticker !== undefined) clearInterval(ticker);
    ticker = undefined;
    lastFrame = undefined;
    builder.reset();
  };

  const join = (ws: WebSocket): void => {
    const client: Client = { ws, stalledSince: 0 };
    clients.add(client);
    ws.on('error', () => {}); // 'close' follows; a client's error is its own
    // The page sends nothing: a client that does is not the page (maxPayload already bounds one message; ws's own
    // maxPendingAutoPongs closes a client that floods pings without reading the pongs).
    ws.on('message', () => ws.close(1008, 'the dashboard takes no messages'));
    ws.once('close', () => {
      clients.delete(client);
      if (clients.size === 0) stopTicker();
    });
    if (ticker === undefined) {
      ticker = setInterval(tick, periodMs);
      ticker.unref();
      tick(); // a page shows data at once, not a period later
    } else if (lastFrame !== undefined) {
      ws.send(lastFrame, { binary: false });
    }
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    try {
      if (targetOf(req, base) !== wsPath) {
        // Not ours: another upgrade listener may take it; alone, answer rather than leave the socket hanging.
        if (server.listenerCount('upgrade') === 1) refuse(socket, plain(404, 'Not Found'));
        return;
      }
      socket.on('error', () => {});
      if (closed) return refuse(socket, plain(503, 'Service Unavailable'));
      if (req.method !== 'GET') return refuse(socket, plain(405, 'Method Not Allowed'));
      const verdict = authorize(req);
      if (verdict !== true) return refuse(socket, verdict);
      if (!sameOrigin(req)) return refuse(socket, plain(403, 'Forbidden'));
      if (clients.size >= maxClients) return refuse(socket, plain(503, 'Service Unavailable'));
      if (!joins.take()) {
        counts.joinsRefused++;
        return refuse(socket, plain(503, 'Service Unavailable', { 'retry-after': '1' }));
      }
      wss.handleUpgrade(req, socket, head, join);
    } catch {
      socket.destroy();
    }
  };
  server.on('upgrade', onUpgrade);

  // Without this, Node hands every request carrying `Upgrade:` (curl --http2 sends `Upgrade: h2c`) to 'upgrade'
  // as soon as one listener exists, so the stats page itself would stop answering such requests.
  const decider = server as Server & UpgradeDecider;
  const previousDecider = decider.shouldUpgradeCallback;
  if (typeof previousDecider === 'function') {
    decider.shouldUpgradeCallback = (req: IncomingMessage): boolean =>
      targetOf(req, base) === wsPath || (server.listenerCount('upgrade') > 1 && previousDecider.call(server, req));
  }

  const stats = (): DashboardStats => ({ clients: clients.size, ticking: ticker !== undefined, ...counts });

  return {
    get clients(): number {
      return clients.size;
    },
    stats,
    handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
      const path = targetOf(req, base);
      if (path !== base && !path.startsWith(`${base}/`)) return false;
      try {
        const verdict = authorize(req);
        if (verdict !== true) {
          res.writeHead(verdict.status, verdict.headers);
          res.end(verdict.body);
          return true;
        }
        const file = files.get(path);
        if (file !== undefined) sendPageFile(req, res, file);
        else {
          res.writeHead(404, { 'content-type': 'text/plain', 'cache-control': 'no-cache' });
          res.end('404 Not Found\n');
        }
      } catch {
        res.destroy();
      }
      return true;
    },
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      server.off('upgrade', onUpgrade);
      if (previousDecider !== undefined) decider.shouldUpgradeCallback = previousDecider;
      stopTicker();
      const open = [...clients];
      return new Promise<void>((resolve) => {
        if (open.length === 0) return resolve();
        const timer = setTimeout(() => {
          for (const c of open) c.ws.terminate();
        }, CLOSE_GRACE_MS);
        let left = open.length;
        for (const c of open) {
          c.ws.once('close', () => {
            if (--left === 0) {
              clearTimeout(timer);
              resolve();
            }
          });
          c.ws.close(1001, 'stats listener closing');
        }
      }).finally(() => wss.close());
    },
  };
}
