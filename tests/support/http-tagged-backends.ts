// Test support: tiny raw-TCP HTTP/1.1 backends that name themselves (x-served-by), record the Cookie lines they
// received byte for byte (node:http would trim them), and answer with headers the client asks for (x-reply-headers:
// JSON pairs), optionally after reading the PROXY header a `send-proxy` server gets; plus a raw HTTP/1.1 client that
// keeps header names, order and repeats as they came over the wire.

import net from 'node:net';
import { parseProxyHeader } from '../../core/proxy-protocol/parse.js';

export interface TaggedHttpBackend {
  readonly name: string;
  readonly port: number;
  /** The raw `Cookie` lines of each request, in arrival order. */
  readonly cookieLog: string[][];
  /** Each request's head as received (request line and header lines, CRLF-separated, no final blank line). */
  readonly headLog: string[];
  /**
   * With `expectProxy`: each connection's PROXY header as `v1|v2 FAMILY SRC DST SRCPORT DSTPORT` (`v1 UNKNOWN`,
   * `v2 LOCAL` without addresses), or `invalid: <why>` (the connection is then dropped). Same order as headLog.
   */
  readonly proxyLog: string[];
  /** With `keepAlive`: the connection (numbered from 1 per backend, in accept order) of each head of headLog. */
  readonly connectionLog: number[];
}

export interface TaggedHttpFarmOptions {
  /** Every connection starts with a PROXY header (v1 or v2), as a `send-proxy` server expects. */
  readonly expectProxy?: boolean;
  /** Serve every request of a connection (no `Connection: close`), for tests of server connection reuse. */
  readonly keepAlive?: boolean;
}

export interface TaggedHttpFarm {
  readonly backends: readonly TaggedHttpBackend[];
  byName(name: string): TaggedHttpBackend;
  close(): Promise<void>;
}

function replyHeaders(raw: string | undefined): [string, string][] {
  if (raw === undefined) return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) return [];
  return parsed.filter((p): p is [string, string] => Array.isArray(p) && p.length === 2).map(([n, v]) => [String(n), String(v)]);
}

/** Header lines of a request head (after the request line): [name, value with only the leading blanks cut]. */
function headerLines(head: string): [string, string][] {
  return head
    .split('\r\n')
    .slice(1)
    .map((l): [string, string] => {
      const colon = l.indexOf(':');
      return [l.slice(0, colon), l.slice(colon + 1).replace(/^[ \t]+/, '')];
    });
}

/**
 * Starts one backend per name on 127.0.0.1:0. Each connection serves one request without a body (or with
 * Content-Length: 0) and closes: enough for header tests; with `keepAlive`, every request of the connection.
 */
export async function startTaggedHttpFarm(names: readonly string[], options: TaggedHttpFarmOptions = {}): Promise<TaggedHttpFarm> {
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const backends: TaggedHttpBackend[] = [];
  for (const name of names) {
    const cookieLog: string[][] = [];
    const headLog: string[] = [];
    const proxyLog: string[] = [];
    const connectionLog: number[] = [];
    let connections = 0;
    const server = net.createServer((socket) => {
      const connection = ++connections;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      socket.setEncoding('latin1');
      let text = '';
      let header = options.expectProxy === true;
      socket.on('data', (d: string) => {
        text += d;
        if (header) {
          const r = parseProxyHeader(Buffer.from(text, 'latin1'));
          if (r.kind === 'incomplete') return;
          header = false;
          if (r.kind !== 'ok') {
            proxyLog.push(`invalid: ${r.kind === 'invalid' ? r.reason : 'absent'}`);
            socket.destroy();
            return;
          }
          const a = r.addresses;
          const v = `v${r.version}`;
          proxyLog.push(a === undefined ? `${v} ${r.version === 1 ? 'UNKNOWN' : 'LOCAL'}` : `${v} ${a.family} ${a.srcAddress} ${a.dstAddress} ${a.srcPort} ${a.dstPort}`);
          text = text.slice(r.length);
        }
        // Bounded: each turn consumes one complete head (bodies are not expected).
        for (let end = text.indexOf('\r\n\r\n'); end >= 0 && !socket.writableEnded; end = text.indexOf('\r\n\r\n')) {
          const lines = headerLines(text.slice(0, end));
          headLog.push(text.slice(0, end));
          connectionLog.push(connection);
          text = text.slice(end + 4);
          cookieLog.push(lines.filter(([n]) => n.toLowerCase() === 'cookie').map(([, v]) => v));
          const asked = lines.find(([n]) => n.toLowerCase() === 'x-reply-headers')?.[1];
          const extra = replyHeaders(asked).map(([n, v]) => `${n}: ${v}\r\n`).join('');
          const head = `HTTP/1.1 200 OK\r\nx-served-by: ${name}\r\n${extra}Content-Length: ${name.length}\r\n`;
          if (options.keepAlive === true) socket.write(`${head}\r\n${name}`);
          else socket.end(`${head}Connection: close\r\n\r\n${name}`);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no port');
    servers.push(server);
    backends.push({ name, port: addr.port, cookieLog, headLog, proxyLog, connectionLog });
  }
  return {
    backends,
    byName(name) {
      const b = backends.find((x) => x.name === name);
      if (b === undefined) throw new Error(`no backend ${name}`);
      return b;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

export interface RawResponse {
  readonly status: number;
  /** Header lines as received: names as sent, in order, repeats kept. */
  readonly headers: readonly (readonly [string, string])[];
  /** Every value of one header name (case-insensitive), in order. */
  values(name: string): string[];
}

/**
 * Sends `head` (request line + header lines, no final blank line; `Connection: close` is added) and an optional
 * body, reads until the server closes, and parses the response head. Rejects after `timeoutMs`.
 */
export function rawHttpRequest(port: number, head: string, body = '', timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete response on port ${port} within ${timeoutMs} ms: ${JSON.stringify(text)}`));
    }, timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const end = text.indexOf('\r\n\r\n');
      const lines = (end < 0 ? text : text.slice(0, end)).split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      const headers = lines.slice(1).map((l): [string, string] => {
        const colon = l.indexOf(':');
        return [l.slice(0, colon), l.slice(colon + 1).trim()];
      });
      resolve({
        status,
        headers,
        values: (name) => headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v),
      });
    });
    socket.write(`${head}\r\nConnection: close\r\n\r\n${body}`);
  });
}
