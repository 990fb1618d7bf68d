// A live dashboard under test: attachDashboard on a real http.Server on 127.0.0.1 (port 0) over a fake stats source,
// plus the clients the dashboard tests use (a `ws` client keeping its frames, a raw one that stops reading) and a
// bounded GET with headers. Test-runner thread.

import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { attachDashboard } from '../../core/stats/dashboard/attach-dashboard.js';
import type { DashboardHandle, DashboardOptions } from '../../core/stats/dashboard/dashboard-types.js';
import type { Frame } from '../../core/stats/dashboard/frame.js';
import { fakeBackends, fakeSnapshot, type FakeBackend } from './dashboard-source.js';
import { within } from './wait.js';

/** The dashboard's WebSocket path under the tests' stats uri. */
export const WS_PATH = '/haproxyamdin;dashboard/ws';

export interface Subject {
  server: Server;
  dash: DashboardHandle;
  port: number;
  backends: FakeBackend[];
}

/**
 * A dashboard under `/haproxyamdin` (options override) on a fresh server whose other requests answer `stats page`;
 * closed by `t.after`.
 */
export async function start(
  t: { after: (fn: () => Promise<void> | void) => void },
  opts: Partial<DashboardOptions> = {},
  backends = fakeBackends(2, 3),
): Promise<Subject> {
  const server = createServer();
  const dash = attachDashboard(server, { statsUri: '/haproxyamdin', source: () => fakeSnapshot(backends), ...opts });
  server.on('request', (req, res) => {
    if (dash.handleRequest(req, res)) return;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('stats page\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await dash.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { server, dash, port: (server.address() as AddressInfo).port, backends };
}

/** One bounded request with `headers`; resolves with status, headers and body. */
export function get(port: number, path: string, method = 'GET', headers: Record<string, string> = {}):
  Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return within(new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  }), 5000, `${method} ${path}`);
}

/** A ws client that keeps every frame it receives. */
export function client(port: number, headers: Record<string, string> = {}): { ws: WebSocket; frames: Frame[]; opened: Promise<void> } {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${WS_PATH}`, { headers });
  const frames: Frame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Frame));
  const opened = within(new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  }), 5000, 'websocket open');
  return { ws, frames, opened };
}

/** Closes `ws` and waits for its close (bounded). */
export function closeClient(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return within(new Promise<void>((resolve) => {
    ws.once('close', () => resolve());
    ws.close();
  }), 5000, 'websocket close');
}

/** A WebSocket client on a raw socket that completes the handshake, then never reads again. */
export function stalledClient(port: number): Promise<Socket> {
  return within(new Promise<Socket>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(`GET ${WS_PATH} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    });
    s.setNoDelay(true);
    s.once('data', (chunk: Buffer) => {
      if (!chunk.toString('latin1').startsWith('HTTP/1.1 101')) return reject(new Error('no 101'));
      s.pause();
      resolve(s);
    });
    s.on('error', () => {});
  }), 5000, 'stalled client handshake');
}
