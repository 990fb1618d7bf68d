// The bytes of an `option httpchk` exchange (manual §4.2 option httpchk, http-check send): the request exactly as
// HAProxy 2.6 writes it (captured from /usr/sbin/haproxy) and an incremental reader of the response's status line,
// headers and body (Content-Length, chunked, or up to the close). Pure; the health-check thread uses it.

import type { HttpCheckConfig } from '../../config/model.js';

/**
 * The check request as HAProxy 2.6 sends it: `METHOD URI VERSION`, the `http-check send hdr` headers with their
 * names in lower case and in order, `content-length` when there is a body, then the connection header the version
 * needs (`connection: close` for HTTP/1.1; nothing for HTTP/1.0, where close is the default). A user `Connection`
 * header only chooses that value. A version string hiding headers after `\r\n` (the deprecated 1.x trick) has
 * them extracted like HAProxy does. Any other version than HTTP/1.0 is sent as HTTP/1.1. Pure; allocates.
 */
export function httpCheckRequest(cfg: HttpCheckConfig): Buffer {
  const [versionText = '', ...legacy] = cfg.version.split('\r\n');
  const v10 = versionText === 'HTTP/1.0';
  const headers: Array<[string, string]> = [];
  for (const line of legacy) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  headers.push(...cfg.headers.map(([n, v]): [string, string] => [n, v]));
  const body = cfg.body ?? '';
  let connection = 'close';
  const lines: string[] = [`${cfg.method} ${cfg.uri} ${v10 ? 'HTTP/1.0' : 'HTTP/1.1'}`];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    // HAProxy's H1 layer owns these: it decides the connection mode and frames the body itself.
    if (lower === 'connection') {
      connection = value.toLowerCase();
      continue;
    }
    if (body.length > 0 && (lower === 'content-length' || lower === 'transfer-encoding')) continue;
    lines.push(`${lower}: ${value}`);
  }
  if (body.length > 0) lines.push(`content-length: ${Buffer.byteLength(body)}`);
  // Only the value that differs from the version's default goes out (close is 1.0's, keep-alive is 1.1's).
  if (v10 ? connection !== 'close' : connection !== 'keep-alive') lines.push(`connection: ${connection}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

/** A parsed response head. `code` is the status as received (digits), `reason` the rest of the status line. */
export interface ResponseHead {
  readonly status: number;
  readonly code: string;
  readonly reason: string;
  /** Bytes of the status line and headers, blank line included. */
  readonly length: number;
  /** How the body is framed. */
  readonly framing: { readonly kind: 'length'; readonly length: number } | { readonly kind: 'chunked' } | { readonly kind: 'close' };
}

export type HeadStep = { readonly kind: 'head'; readonly head: ResponseHead } | { readonly kind: 'incomplete' } | { readonly kind: 'invalid' };

// HTTP/x.y, one space, the status digits, then a space and a reason, or the end of the line (HAProxy takes both).
const STATUS_LINE = /^HTTP\/\d\.\d (\d+)(?: (.*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Reads the status line and headers from the start of `buf`. 'invalid' for anything HAProxy's H1 parser refuses
 * that a check meets in practice: not a status line, a header without a colon or with a bad name, two different
 * Content-Length values. Line ends may be CRLF or bare LF. Pure.
 */
export function readResponseHead(buf: Buffer, noBody: boolean): HeadStep {
  let end = buf.indexOf('\r\n\r\n');
  let sepLen = 4;
  const lf = buf.indexOf('\n\n');
  if (lf >= 0 && (end < 0 || lf < end)) {
    end = lf;
    sepLen = 2;
  }
  if (end < 0) {
    // Fail early on bytes that cannot start a response, instead of waiting for a blank line that never comes.
    const start = buf.toString('latin1', 0, Math.min(5, buf.length));
    return 'HTTP/'.startsWith(start) ? { kind: 'incomplete' } : { kind: 'invalid' };
  }
  const lines = buf.toString('latin1', 0, end).split(/\r?\n/);
  const m = STATUS_LINE.exec(lines[0] ?? '');
  if (m === null) return { kind: 'invalid' };
  const code = m[1] ?? '';
  let contentLength: number | undefined;
  let chunked = false;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) return { kind: 'invalid' };
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d+$/.test(value)) return { kind: 'invalid' };
      const n = Number(value);
      if (contentLength !== undefined && contentLength !== n) return { kind: 'invalid' };
      contentLength = n;
    } else if (name === 'transfer-encoding' && /(^|,)\s*chunked\s*$/i.test(value)) {
      chunked = true;
    }
  }
  const status = Number(code);
  // 1xx, 204 and 304 answers, and answers to HEAD, have no body whatever their headers say.
  const bodiless = noBody || status < 200 || status === 204 || status === 304;
  const framing: ResponseHead['framing'] = bodiless
    ? { kind: 'length', length: 0 }
    : chunked
      ? { kind: 'chunked' }
      : contentLength !== undefined
        ? { kind: 'length', length: contentLength }
        : { kind: 'close' };
  return { kind: 'head', head: { status, code, reason: m[2] ?? '', length: end + sepLen, framing } };
}

/** What is known of the body so far: the payload bytes (de-chunked) and whether the message is complete. */
export interface BodyState {
  readonly payload: Buffer;
  readonly complete: boolean;
}

/**
 * The body after the head, as far as it has arrived. A chunked body is decoded up to the last complete chunk; a
 * malformed chunk size stops decoding (the payload so far is kept, complete stays false). Pure.
 */
export function readBody(buf: Buffer, head: ResponseHead): BodyState {
  const rest = buf.subarray(head.length);
  const f = head.framing;
  if (f.kind === 'length') return { payload: rest.subarray(0, f.length), complete: rest.length >= f.length };
  if (f.kind === 'close') return { payload: rest, complete: false };
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const nl = rest.indexOf('\n', at);
    if (nl < 0) break;
    const sizeText = rest.toString('latin1', at, nl).replace(/;.*$/, '').trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) break;
    const size = parseInt(sizeText, 16);
    if (size === 0) return { payload: Buffer.concat(parts), complete: true };
    if (rest.length < nl + 1 + size) {
      parts.push(rest.subarray(nl + 1));
      break;
    }
    parts.push(rest.subarray(nl + 1, nl + 1 + size));
    // Skip the CRLF after the chunk data.
    at = nl + 1 + size;
    if (rest[at] === 0x0d) at++;
    if (rest[at] === 0x0a) at++;
  }
  return { payload: Buffer.concat(parts), complete: false };
}
