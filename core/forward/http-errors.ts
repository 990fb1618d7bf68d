// The HTTP answers orcalb gives in place of a server's (HAProxy 2.6 src/http.c default error messages, §4.2
// `errorfile`): their status lines, headers and short HTML bodies, and a configured errorfile overriding them (config/
// hands errorfiles over as UTF-8 text; they go out as those UTF-8 bytes).
// Forwarder threads; the default messages are built once at module load.

import type { HttpRules } from '../../config/model.js';
import { parseResponseHead, type ResponseHead } from '../http1/parser.js';
import type { HeaderField } from '../http1/header-list.js';

/** Status → [reason, body line], as HAProxy 2.6 words them. */
const MESSAGES: Readonly<Record<number, readonly [string, string]>> = {
  400: ['Bad request', 'Your browser sent an invalid request.'],
  403: ['Forbidden', 'Request forbidden by administrative rules.'],
  408: ['Request Time-out', "Your browser didn't send a complete request in time."],
  422: ['Unprocessable Content', 'The server cannot process the contained instructions.'],
  500: ['Internal Server Error', 'An internal server error occurred.'],
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
  if (file !== undefined) {
    const bytes = Buffer.from(file);
    // The limit is tune.bufsize, as for any response head (HAProxy refuses a larger errorfile at load).
    const parsed = parseResponseHead(bytes, { maxHeadBytes: 16384 });
    if (parsed.kind !== 'ok') return { raw: bytes };
    const body = bytes.subarray(parsed.length);
    // HAProxy recomputes nothing in an errorfile but sends it as a message: keep its headers, drop Connection.
    const headers = parsed.head.headers.filter((h) => h.name.toLowerCase() !== 'connection');
    return { head: { ...parsed.head, headers }, body };
  }
  const [reason] = MESSAGES[status] ?? ['Internal Server Error'];
  const body = bodyOf(status);
  const headers: HeaderField[] = [
    { name: 'content-length', value: String(body.length) },
    { name: 'cache-control', value: 'no-cache' },
    { name: 'content-type', value: 'text/html' },
  ];
  return { head: { version: '1.1', status, reason, headers }, body };
}

function errorfileText(status: number, rules: readonly (HttpRules | undefined)[]): string | undefined {
  for (const r of rules) {
    const text = r?.errorfiles[status];
    if (text !== undefined) return text;
  }
  return undefined;
}
