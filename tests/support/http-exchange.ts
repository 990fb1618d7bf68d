// One bounded HTTP/1.1 exchange with 127.0.0.1 for end-to-end tests (a page, a DolphinDB JSON API call, a request on
// a kept-alive connection), and the JSON API's executeCode body. Test-runner thread.

import { request, type Agent, type IncomingHttpHeaders } from 'node:http';
import { within } from './wait.js';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The client's local port: the same port on two answers means one kept-alive connection carried both. */
  readonly localPort: number;
}

export interface HttpExchangeOptions {
  /** A request body, sent as application/json. */
  readonly body?: string;
  /** A keep-alive agent to reuse connections; by default each exchange has its own connection. */
  readonly agent?: Agent;
  /** Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Extra request headers (authorization…). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The body's content type, default application/json (a stats admin form: application/x-www-form-urlencoded). */
  readonly contentType?: string;
}

/**
 * Sends `method path` to 127.0.0.1:port and resolves with the whole answer. Rejects on a socket error, or when no
 * complete answer came within the timeout.
 */
export function httpExchange(port: number, method: string, path: string, options: HttpExchangeOptions = {}): Promise<HttpAnswer> {
  const { body, agent, timeoutMs = 5000 } = options;
  return within(new Promise<HttpAnswer>((resolve, reject) => {
    const headers: Record<string, string | number> = body === undefined
      ? { ...options.headers }
      : { ...options.headers, 'content-type': options.contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: agent ?? false }, (res) => {
      const localPort = res.socket.localPort ?? 0;
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8'), localPort }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  }), timeoutMs, `${method} http://127.0.0.1:${port}${path}`);
}

/** The body of a JSON API executeCode call, as DolphinDB's api-json documents it (the script URL-encoded). */
export function executeCodeBody(script: string, sessionID = '0'): string {
  return JSON.stringify({
    sessionID, functionName: 'executeCode',
    params: [{ name: 'script', form: 'scalar', type: 'string', value: encodeURIComponent(script) }],
  });
}

/** A JSON-API answer as DolphinDB's api-json documents it (the fields the tests read). */
export interface JsonApiAnswer {
  readonly sessionID: string;
  readonly resultCode: string;
  readonly msg: string;
  readonly object: readonly { readonly value: unknown }[];
}

/** One JSON-API executeCode call on a connection of its own; rejects unless the answer is a 200. */
export async function executeCode(port: number, script: string, sessionID = '0'): Promise<JsonApiAnswer> {
  const res = await httpExchange(port, 'POST', '/', { body: executeCodeBody(script, sessionID) });
  if (res.status !== 200) throw new Error(`executeCode answered ${res.status}: ${res.body}`);
  return JSON.parse(res.body) as JsonApiAnswer;
}

/** The node alias the emulated node's page names (`DolphinDB data node node3`), or undefined. */
export function pageNodeName(html: string): string | undefined {
  return /DolphinDB data node (\S+?)</.exec(html)?.[1];
}
