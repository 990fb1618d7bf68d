// The HTTP answers orcalb gives in place of a server's (HAProxy 2.6 src/http.c default error messages, §4.2
// `errorfile`): their status lines, headers and short HTML bodies, and a configured errorfile overriding them (config/
// hands errorfiles over as UTF-8 text; they go out as those UTF-8 bytes).
// Forwarder threads; the default messages are built once at module load.

import type { HttpRules } from '../../config/model.js';
import { parseResponseHead, type ResponseHead } from '../http1/parser.js';
import type { HeaderField } from '../http1/header-list.js';

/** Status → [reason, body line], as HAProxy 2.6 words them (measured on 2.6.12 through `deny_status N`). */
const MESSAGES: Readonly<Record<number, readonly [string, string]>> = {
  200: ['OK', 'Service ready.'],
  400: ['Bad request', 'Your browser sent an invalid request.'],
  401: ['Unauthorized', 'You need a valid user and password to access this content.'],
  403: ['Forbidden', 'Request forbidden by administrative rules.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', 'A request was made of a resource using a request method not supported by that resource'],
  407: ['Unauthorized', 'You need a valid user and password to access this content.'],
  408: ['Request Time-out', "Your browser didn't send a complete request in time."],
  410: ['Gone', 'The resource is no longer available and will not be available again.'],
  413: ['Payload Too Large', 'The request entity exceeds the maximum allowed.'],
  422: ['Unprocessable Content', 'The server cannot process the contained instructions.'],
  425: ['Too Early', 'Your browser sent early data.'],
  429: ['Too Many Requests', 'You have sent too many requests in a given amount of time.'],
  500: ['Internal Server Error', 'An internal server error occurred.'],
  501: ['Not Implemented', '.The server does not support the functionality required to fulfill the request.'],
  502: ['Bad Gateway', 'The server returned an invalid or incomplete response.'],
  503: ['Service Unavailable', 'No server is available to handle this request.'],
  504: ['Gateway Time-out', "The server didn't respond in time."],
};


/** A canned answer: a head that goes through the same Connection rules as a server's response, and its body. */
export interface ErrorReply {
  readonly head: ResponseHead;
  readonly body: Buffer;
}

function bodyOf(status: number): Buffer {
  const [reason, line] = MESSAGES[status] ?? MESSAGES[500] ?? ['', ''];
  return Buffer.from(`<html><body><h1>${status} ${reason}</h1>\n${line}\n</body></html>\n`, 'latin1');
}

/**
 * The raw bytes the HTTP/1 layer of HAProxy 2.6 writes itself when it rejects a request before any stream exists
 * (400 on a parse error, 408 on `timeout http-request`): header names in their original case, `Connection: close`,
 * and the connection is closed afterwards. An errorfile for that status replaces it byte for byte. Pure.
 */
export function earlyErrorBytes(status: 400 | 408 | 422 | 500, rules: readonly (HttpRules | undefined)[]): Buffer {
  const file = errorfileText(status, rules);
  if (file !== undefined) return Buffer.from(file);
  const [reason] = MESSAGES[status] ?? ['Internal Server Error'];
  const body = bodyOf(status);
  // HAProxy 2.6.12's 422 page (a coding before chunked) has no Connection line; the connection is closed all the same.
  const connection = status === 422 ? '' : 'Connection: close\r\n';
  const head =
    `HTTP/1.1 ${status} ${reason}\r\nContent-length: ${body.length}\r\nCache-Control: no-cache\r\n` +
    `${connection}Content-Type: text/html\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/**
 * The answer the proxy layer gives (502, 503, 504, …): HAProxy builds these as HTTP messages, so they are sent like a
 * response (lower-case header names, a Connection header only when the client connection's mode needs one) and the
 * client connection may stay open. The first errorfile for `status` in `rules` (backend first, then frontend) wins
 * when it parses as a response; an unparsable file is used as `raw`. Pure.
 */
export function errorReply(status: number, rules: readonly (HttpRules | undefined)[]): ErrorReply | { raw: Buffer } {
  const file = errorfileText(status, rules);
  if (file !== undefined) return errorfileReply(file);
  const [reason] = MESSAGES[status] ?? ['Internal Server Error'];
  const body = bodyOf(status);
  const headers: HeaderField[] = [
    { name: 'content-length', value: String(body.length) },
    { name: 'cache-control', value: 'no-cache' },
    { name: 'content-type', value: 'text/html' },
  ];
  return { head: { version: '1.1', status, reason, headers }, body };
}

/**
 * An errorfile's text (config/ reads it as UTF-8, `return errorfile` as Latin-1 bytes: pass `encoding`) as the message
 * HAProxy sends: its head parsed, Connection dropped, the rest as it is; `raw` when it does not parse as a response.
 */
export function errorfileReply(file: string, encoding: 'utf8' | 'latin1' = 'utf8'): ErrorReply | { raw: Buffer } {
  const bytes = Buffer.from(file, encoding);
  // The limit is tune.bufsize, as for any response head (HAProxy refuses a larger errorfile at load).
  const parsed = parseResponseHead(bytes, { maxHeadBytes: 16384 });
  if (parsed.kind !== 'ok') return { raw: bytes };
  const body = bytes.subarray(parsed.length);
  // HAProxy recomputes nothing in an errorfile but sends it as a message: keep its headers, drop Connection.
  const headers = parsed.head.headers.filter((h) => h.name.toLowerCase() !== 'connection');
  return { head: { ...parsed.head, headers }, body };
}

function errorfileText(status: number, rules: readonly (HttpRules | undefined)[]): string | undefined {
  for (const r of rules) {
    const text = r?.errorfiles[status];
    if (text !== undefined) return text;
  }
  return undefined;
}
