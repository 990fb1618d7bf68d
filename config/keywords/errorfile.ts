// `errorfile <code> <file>` (manual §4.2 "errorfile"): the file is read at parse time, relative to the current
// directory as HAProxy 2.6 does, and must hold a complete HTTP response; HAProxy's checks and texts for a file it
// cannot read or parse. The content lands in config/model.ts HttpRules.errorfiles. Main thread, config parsing.

import { readFileSync } from 'node:fs';
import type { ProxyLineContext } from '../sections/proxy-draft.js';

/**
 * The status codes HAProxy 2.6 lets an errorfile replace (its http_err_codes table), which are also the ones
 * `deny_status` and `return … default-errorfiles` accept (422 measured on 2.6.12 for all three).
 */
export const ERRORFILE_CODES: readonly number[] = [
  200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 422, 425, 429, 500, 501, 502, 503, 504,
];

/** Parses an `errorfile` line into the proxy's errorfiles (a later line for the same code replaces it). */
export function parseErrorfileLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const codeWord = args[1];
  const path = args[2];
  if (codeWord === undefined || path === undefined || codeWord === '' || path === '') {
    diag.badValue('expects <status_code> and <file> as arguments.', at, { keyword: 'errorfile' });
    return;
  }
  // HAProxy reads the code with atol(): leading digits count and anything else reads as 0.
  const code = Number(/^\s*[+-]?\d+/.exec(codeWord)?.[0] ?? '0');
  if (!ERRORFILE_CODES.includes(code)) {
    diag.badValue(`status code '${code}' not handled.`, at, { keyword: 'errorfile', found: codeWord });
    return;
  }
  let bytes: Buffer;
  try {
    // Synchronous on purpose: parsing is a synchronous pass, and this runs once per line at startup.
    bytes = readFileSync(path);
  } catch (e) {
    const opening = typeof e === 'object' && e !== null && 'code' in e && e.code !== 'EISDIR';
    diag.badValue(`error ${opening ? 'opening' : 'reading'} file '${path}'.`, at, { keyword: 'errorfile', found: path });
    return;
  }
  const problem = responseProblem(bytes);
  if (problem !== undefined) {
    diag.badValue(`'${path}': ${problem}`, at, { keyword: 'errorfile', found: path });
    return;
  }
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    diag.warn(`'${path}' is not valid UTF-8; its invalid bytes are replaced when sent`, at, 'errorfile');
  }
  proxy.errorfiles[code] = text;
}

/** RFC 9110 token characters: what a header name may hold. */
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;

/**
 * Why `bytes` is not a complete HTTP/1 response, in HAProxy's words ("unable to parse headers (error offset:
 * N)", -2 when the head is incomplete), or undefined. An empty file is accepted, as HAProxy accepts it. Pure.
 */
export function responseProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return undefined;
  const text = Buffer.from(bytes).toString('latin1');
  const at = (offset: number): string => `unable to parse headers (error offset: ${offset})`;
  // Status line: HTTP/x.y, spaces, a numeric status, then an optional reason.
  const version = /^HTTP\/\d\.\d/.exec(text);
  if (version === null) {
    const expected = 'HTTP/0.0';
    let i = 0;
    while (i < expected.length && i < text.length) {
      const want = expected[i] ?? '';
      const ok = want === '0' ? /\d/.test(text[i] ?? '') : text[i] === want;
      if (!ok) break;
      i++;
    }
    return i >= text.length ? at(-2) : at(i);
  }
  let i = 8;
  if (text[i] !== ' ') return i >= text.length ? at(-2) : at(i);
  while (text[i] === ' ') i++;
  const statusStart = i;
  while (/\d/.test(text[i] ?? '')) i++;
  if (i >= text.length) return at(-2);
  if (i === statusStart || !/[ \r\n]/.test(text[i] ?? '')) return at(i);
  let lineEnd = text.indexOf('\n', i);
  if (lineEnd === -1) return at(-2);
  // Headers until the empty line.
  let contentLength: { value: number; offset: number } | undefined;
  for (;;) {
    const start = lineEnd + 1;
    if (start >= text.length) return at(-2);
    if (text[start] === '\n') return bodyProblem(text, start + 1, contentLength?.value);
    if (text[start] === '\r') {
      if (start + 1 >= text.length) return at(-2);
      if (text[start + 1] === '\n') return bodyProblem(text, start + 2, contentLength?.value);
      return at(start + 1);
    }
    let j = start;
    while (TCHAR.test(text[j] ?? '')) j++;
    if (j >= text.length) return at(-2);
    if (j === start || text[j] !== ':') return at(j);
    lineEnd = text.indexOf('\n', j);
    if (lineEnd === -1) return at(-2);
    const name = text.slice(start, j).toLowerCase();
    let valueStart = j + 1;
    while (text[valueStart] === ' ' || text[valueStart] === '\t') valueStart++;
    const value = text.slice(valueStart, lineEnd).replace(/\r$/, '').trim();
    if (name === 'transfer-encoding') return 'chunk-encoded payload not supported';
    if (name === 'content-length') {
      const n = /^\d+$/.test(value) ? Number(value) : undefined;
      // Two different lengths are as malformed as a non-numeric one.
      if (n === undefined || (contentLength !== undefined && contentLength.value !== n)) return at(valueStart);
      contentLength = { value: n, offset: valueStart };
    }
  }
}

/** The body after the head must have exactly the announced Content-Length, when there is one. */
function bodyProblem(text: string, bodyStart: number, contentLength: number | undefined): string | undefined {
  const size = text.length - bodyStart;
  if (contentLength === undefined || size === contentLength) return undefined;
  return `payload size does not match the announced content-length (${size} != ${contentLength})`;
}
