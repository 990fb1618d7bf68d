// TEMPORARY minimal HTTP/1.1 head parser, written by the L7-engine branch against the agreed API so the engine can be
// built and tested; the parser helper's strict version (RFC 9112, HAProxy's rejections) replaces this file at merge.
// Forwarder threads; pure functions over Buffers, no I/O.

export interface HeaderField {
  readonly name: string;
  readonly value: string;
}
export interface RequestHead {
  readonly method: string;
  readonly target: string;
  readonly version: '1.0' | '1.1';
  readonly headers: HeaderField[];
}
export interface ResponseHead {
  readonly version: '1.0' | '1.1';
  readonly status: number;
  readonly reason: string;
  readonly headers: HeaderField[];
}
export type HeadResult<H> =
  | { kind: 'incomplete' }
  | { kind: 'ok'; head: H; length: number }
  | { kind: 'error'; status: 400 | 414 | 422 | 431 | 501 | 505; reason: string };
export interface ParseLimits {
  readonly maxHeadBytes: number;
  readonly maxHeaders?: number;
}
export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  | { kind: 'until-close' }
  | { kind: 'error'; reason: string };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Splits a complete head into its lines, or says why it cannot. */
function headLines(buf: Buffer, limits: ParseLimits): { lines: string[]; length: number } | 'incomplete' | 'too-big' {
  // Leading empty lines before a request are tolerated (RFC 9112 §2.2).
  let start = 0;
  while (buf.length >= start + 2 && buf[start] === 13 && buf[start + 1] === 10) start += 2;
  // maxHeadBytes is tune.bufsize; HAProxy keeps tune.maxrewrite (1024) of the buffer free for rewrites.
  const max = limits.maxHeadBytes - 1024;
  const end = buf.indexOf(CRLFCRLF, start);
  if (end < 0) return buf.length >= max ? 'too-big' : 'incomplete';
  if (end + 4 > max) return 'too-big';
  return { lines: buf.subarray(start, end).toString('latin1').split('\r\n'), length: end + 4 };
}

function parseFields(lines: readonly string[], limits: ParseLimits): HeaderField[] | undefined {
  const headers: HeaderField[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return undefined;
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) return undefined;
    headers.push({ name, value });
    if (limits.maxHeaders !== undefined && headers.length > limits.maxHeaders) return undefined;
  }
  return headers;
}

/** Parses a request head at the start of buf. Pure. */
export function parseRequestHead(buf: Buffer, limits: ParseLimits): HeadResult<RequestHead> {
  const got = headLines(buf, limits);
  if (got === 'incomplete') return { kind: 'incomplete' };
  if (got === 'too-big') return { kind: 'error', status: 400, reason: 'head too long' };
  const [line = '', ...rest] = got.lines;
  const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/(\d)\.(\d)$/.exec(line);
  if (m === null) return { kind: 'error', status: 400, reason: 'bad request line' };
  const version = `${m[3] ?? ''}.${m[4] ?? ''}`;
  if (version !== '1.0' && version !== '1.1') return { kind: 'error', status: 505, reason: 'bad version' };
  const headers = parseFields(rest, limits);
  if (headers === undefined) return { kind: 'error', status: 400, reason: 'bad header' };
  return { kind: 'ok', head: { method: m[1] ?? '', target: m[2] ?? '', version, headers }, length: got.length };
}

/** Parses a response head at the start of buf. Pure. */
export function parseResponseHead(buf: Buffer, limits: ParseLimits): HeadResult<ResponseHead> {
  const got = headLines(buf, limits);
  if (got === 'incomplete') return { kind: 'incomplete' };
  if (got === 'too-big') return { kind: 'error', status: 400, reason: 'head too long' };
  const [line = '', ...rest] = got.lines;
  const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(line);
  if (m === null) return { kind: 'error', status: 400, reason: 'bad status line' };
  const headers = parseFields(rest, limits);
  if (headers === undefined) return { kind: 'error', status: 400, reason: 'bad header' };
  const version = m[1] === '0' ? '1.0' : '1.1';
  return { kind: 'ok', head: { version, status: Number(m[2]), reason: m[3] ?? '', headers }, length: got.length };
}

export function headerValues(headers: readonly HeaderField[], name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter((h) => h.name.toLowerCase() === lower).map((h) => h.value);
}

export function headerValue(headers: readonly HeaderField[], name: string): string | undefined {
  return headerValues(headers, name)[0];
}

export function hasToken(headers: readonly HeaderField[], name: string, token: string): boolean {
  const t = token.toLowerCase();
  return headerValues(headers, name).some((v) => v.split(',').some((p) => p.trim().toLowerCase() === t));
}

function lengthOf(headers: readonly HeaderField[]): number | 'error' | undefined {
  const values = headerValues(headers, 'content-length').flatMap((v) => v.split(',').map((p) => p.trim()));
  if (values.length === 0) return undefined;
  if (values.some((v) => !/^\d{1,15}$/.test(v)) || new Set(values).size > 1) return 'error';
  return Number(values[0]);
}

export function requestFraming(head: RequestHead): BodyFraming {
  const te = headerValues(head.headers, 'transfer-encoding');
  const len = lengthOf(head.headers);
  if (te.length > 0) {
    // Both headers: HAProxy 2.6 goes by Transfer-Encoding (the caller drops Content-Length and closes after).
    const codings = te.flatMap((v) => v.split(',').map((p) => p.trim().toLowerCase()));
    if (codings[codings.length - 1] !== 'chunked' || head.version === '1.0') return { kind: 'error', reason: 'bad TE' };
    return { kind: 'chunked' };
  }
  if (len === 'error') return { kind: 'error', reason: 'bad Content-Length' };
  return len === undefined || len === 0 ? { kind: 'none' } : { kind: 'length', length: len };
}

export function responseFraming(head: ResponseHead, requestMethod: string): BodyFraming {
  if (requestMethod === 'HEAD' || head.status < 200 || head.status === 204 || head.status === 304) return { kind: 'none' };
  const te = headerValues(head.headers, 'transfer-encoding');
  if (te.length > 0) {
    const codings = te.flatMap((v) => v.split(',').map((p) => p.trim().toLowerCase()));
    return codings[codings.length - 1] === 'chunked' ? { kind: 'chunked' } : { kind: 'until-close' };
  }
  const len = lengthOf(head.headers);
  if (len === 'error') return { kind: 'error', reason: 'bad Content-Length' };
  if (len === undefined) return { kind: 'until-close' };
  return len === 0 ? { kind: 'none' } : { kind: 'length', length: len };
}

/** Finds the end of a chunked body across pushes: size lines, data, CRLFs, trailers. */
export class ChunkedScanner {
  private state: 'size' | 'data' | 'data-crlf' | 'trailer' | 'done' = 'size';
  private line = '';
  private left = 0;

  push(chunk: Buffer): { consumed: number; done: boolean } | { error: string } {
    let i = 0;
    while (i < chunk.length && this.state !== 'done') {
      if (this.state === 'data') {
        const n = Math.min(this.left, chunk.length - i);
        i += n;
        this.left -= n;
        if (this.left === 0) this.state = 'data-crlf';
        continue;
      }
      const byte = chunk[i++] ?? 0;
      if (byte !== 10) {
        if (this.line.length > 4096) return { error: 'chunk line too long' };
        this.line += String.fromCharCode(byte);
        continue;
      }
      const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
      this.line = '';
      if (this.state === 'data-crlf') {
        if (line !== '') return { error: 'missing CRLF after chunk' };
        this.state = 'size';
      } else if (this.state === 'size') {
        const m = /^([0-9a-fA-F]{1,15})[ \t]*(;.*)?$/.exec(line);
        if (m === null) return { error: 'bad chunk size' };
        this.left = parseInt(m[1] ?? '0', 16);
        this.state = this.left === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        this.state = 'done';
      }
    }
    return { consumed: i, done: this.state === 'done' };
  }
}

function serializeFields(first: string, headers: readonly HeaderField[]): Buffer {
  let text = `${first}\r\n`;
  for (const h of headers) text += `${h.name}: ${h.value}\r\n`;
  return Buffer.from(`${text}\r\n`, 'latin1');
}

export function serializeRequestHead(head: RequestHead): Buffer {
  return serializeFields(`${head.method} ${head.target} HTTP/${head.version}`, head.headers);
}

export function serializeResponseHead(head: ResponseHead): Buffer {
  return serializeFields(`HTTP/${head.version} ${head.status} ${head.reason}`, head.headers);
}
