// The HTTP side of an emulated node, on the same port as the binary API (protocol notes §2, §10): `GET /` serves a
// small page naming the node (enough for `option httpchk GET /`), `POST /` is the JSON API, and an Upgrade on any
// path becomes a DolphinDB WebSocket. Sockets arrive already accepted and sniffed. Runs on the node's thread.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { CANNED_SCRIPTS } from './canned-tables.js';
import { answerJsonApi } from './json-api.js';
import type { ConnectionRecord, NodeRuntime } from './node-runtime.js';
import { createWebSocketServer, serveWebSocket } from './websocket-side.js';

/** JSON API bodies are small scripts; anything bigger is refused with 413 before it is buffered. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpSide {
  /** Hands over an accepted socket whose first bytes (`first`, PROXY header removed) were read by the sorter. */
  handOver(socket: Socket, first: Buffer, record: ConnectionRecord): void;
  /** Stops the WebSocket server; the node destroys the sockets itself. */
  close(): void;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function pageOf(runtime: NodeRuntime): string {
  const f = runtime.facts;
  const name = escapeHtml(runtime.name);
  const scripts = CANNED_SCRIPTS.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>DolphinDB ${name} (emulated)</title></head>
<body><h1>DolphinDB data node ${name}</h1>
<p>Emulated by orcalb. Version ${escapeHtml(f.version)}, listening on ${escapeHtml(f.host)}:${f.port}.</p>
<p>Speaks the binary API and WebSocket on this port. Scripts with canned answers:</p><ul>${scripts}</ul>
</body></html>
`;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) { resolve(undefined); req.destroy(); return; }
      parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', () => resolve(undefined));
    req.on('close', () => resolve(undefined));
  });
}

/**
 * Creates the HTTP side of one node. Requests honour the failure knobs (reset destroys, stall never answers,
 * close-mid-reply sends half the body then destroys) and the per-request delay.
 */
export function createHttpSide(runtime: NodeRuntime): HttpSide {
  const records = new WeakMap<Socket | Duplex, ConnectionRecord>();
  const wss = createWebSocketServer();

  const respond = (res: ServerResponse, status: number, type: string, text: string): void => {
    const body = Buffer.from(text, 'utf8');
    res.writeHead(status, { 'content-type': type, 'content-length': body.length, server: 'DolphinDB (orcalb emulator)' });
    if (runtime.knobs.failure === 'close-mid-reply') {
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    runtime.countHttpRequest();
    const record = records.get(req.socket);
    const { knobs } = runtime;
    if (knobs.failure === 'reset') { req.socket.destroy(); return; }
    if (knobs.failure === 'stall') return;
    if (knobs.delayMs > 0) {
      try { await sleep(knobs.delayMs, undefined, { signal: runtime.signal }); } catch { req.socket.destroy(); return; }
    }
    const path = (req.url ?? '/').split('?')[0];
    if ((req.method === 'GET' || req.method === 'HEAD') && (path === '/' || path === '/index.html')) {
      respond(res, 200, 'text/html; charset=utf-8', pageOf(runtime));
      return;
    }
    if (req.method === 'POST' && path === '/' && record !== undefined) {
      const text = await readBody(req);
      if (text === undefined) { if (!res.headersSent && !req.socket.destroyed) respond(res, 413, 'text/plain', 'Payload Too Large\n'); return; }
      const answer = answerJsonApi(text, runtime, record);
      respond(res, answer.status, 'application/json', JSON.stringify(answer.body));
      return;
    }
    respond(res, 404, 'text/plain', 'Not Found\n');
  };

  const server: Server = createServer((req, res) => {
    onRequest(req, res).catch(() => { req.socket.destroy(); });
  });
  // Malformed HTTP (including a PROXY line sent where none is expected) gets the usual 400 and a close.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    runtime.countHttpRequest();
    const record = records.get(socket);
    if (record === undefined || runtime.knobs.failure === 'reset') { socket.destroy(); return; }
    if (runtime.knobs.failure === 'stall') return;
    wss.handleUpgrade(req, socket, head, (ws) => serveWebSocket(ws, record, runtime));
  });

  return {
    handOver(socket, first, record) {
      record.protocol = 'http';
      records.set(socket, record);
      // The HTTP parser must see the bytes the sorter already consumed, in order, before anything newer.
      if (first.length > 0) socket.unshift(first);
      server.emit('connection', socket);
      socket.resume();
    },
    close() {
      wss.close();
      server.close();
    },
  };
}
