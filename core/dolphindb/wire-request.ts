// Request framing of the DolphinDB API (protocol notes §3): `API|API2 <sid> <bodyLen>[ / <options>]\n` + body, with
// the argument objects of `function`/`variable` after the counted body. An incremental parser for byte streams
// (TCP) and whole messages (WebSocket), and the matching encoder for checks and tests. Any thread.

import type { DdbObject } from './objects.js';
import { decodeObjects } from './object-decoder.js';
import { encodeObjects } from './object-encoder.js';
import { DdbWireError } from './wire-error.js';

export type DdbApi = 'API' | 'API2';

/** Bits of the first options field (`flag`), from the clients' generateRequestFlag. */
export const REQUEST_FLAG = {
  urgent: 1, secondary: 2, async: 4, pickle: 8, clearMemory: 16, apiClient: 32, compress: 64,
  pythonSession: 2048, qSession: 4096, reverseStreaming: 131072,
} as const;

export interface DdbLogin {
  readonly user: string;
  readonly password: string;
  /** The python-sdk/Rust `\nfalse` tail; absent when the client sent none (JS). */
  readonly encrypted?: boolean;
}

export type DdbRequestBody =
  | { readonly kind: 'connect'; readonly login?: DdbLogin }
  | { readonly kind: 'script'; readonly script: string }
  | { readonly kind: 'function'; readonly name: string; readonly args: readonly DdbObject[] }
  | { readonly kind: 'variable'; readonly names: readonly string[]; readonly values: readonly DdbObject[] }
  /** A command this parser does not know: framing is intact (the length was honoured), so a node can answer it. */
  | { readonly kind: 'unknown'; readonly command: string };

export interface DdbRequest {
  readonly api: DdbApi;
  /** Decimal session id as sent; "0" asks for a new session. */
  readonly sessionId: string;
  /** The raw `_`-separated options after ` / `, absent in the bare `API 0 8\nconnect\n` form. */
  readonly options?: string;
  /** The first options field as a number (REQUEST_FLAG bits); 0 when there are no options. */
  readonly flags: number;
  readonly body: DdbRequestBody;
}

export type RequestStep =
  | { readonly kind: 'request'; readonly request: DdbRequest }
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'error'; readonly error: DdbWireError };

export interface RequestParserOptions {
  /** Longest header line accepted before its `\n` (default 1024 bytes; real headers are under 100). */
  readonly maxHeaderBytes?: number;
  /** Largest request, body and arguments together (default 64 MiB). */
  readonly maxRequestBytes?: number;
}

const HEADER_RE = /^(API2?) (\d{1,20}) (\d{1,10})(?: \/ ?([^ ]*))?$/;
const MAX_ARGS = 65536;

function bad(message: string): DdbWireError {
  return new DdbWireError(message, { side: 'client' });
}

/** Splits a counted body into its command and lines; the JS client's trailing `\n` leaves an empty tail, ignored. */
function parseCountedBody(text: string): { command: string; lines: string[] } {
  const lines = text.split('\n');
  return { command: lines[0] ?? '', lines };
}

function parseCount(line: string | undefined, what: string): number {
  if (line === undefined || !/^\d{1,6}$/.test(line)) throw bad(`${what} is not a count: ${JSON.stringify(line)}`);
  const n = Number(line);
  if (n > MAX_ARGS) throw bad(`${what} ${n} exceeds ${MAX_ARGS}`);
  return n;
}

function parseEndian(line: string | undefined): boolean {
  if (line === '1') return true;
  if (line === '0') return false;
  throw bad(`endian flag must be 0 or 1, not ${JSON.stringify(line)}`);
}

/**
 * An incremental parser over one connection's bytes. push() appends, next() returns one complete request, or
 * 'incomplete', or an error. After an error the stream cannot be re-synchronised: next() keeps returning it.
 * Never throws. Requests come out strictly in order; pipelined bytes stay buffered for the following call.
 */
export class RequestParser {
  private buf: Buffer = Buffer.alloc(0);
  private failed: DdbWireError | undefined;
  private readonly maxHeader: number;
  private readonly maxRequest: number;

  constructor(options: RequestParserOptions = {}) {
    this.maxHeader = options.maxHeaderBytes ?? 1024;
    this.maxRequest = options.maxRequestBytes ?? 64 * 1024 * 1024;
  }

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  /** Bytes received and not yet consumed by a returned request. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Everything received and not consumed, e.g. to hand a connection over to another protocol. */
  rest(): Buffer {
    return this.buf;
  }

  next(): RequestStep {
    if (this.failed !== undefined) return { kind: 'error', error: this.failed };
    try {
      const step = this.step();
      if (step.kind === 'incomplete' && this.buf.length > this.maxRequest) {
        throw bad(`request larger than ${this.maxRequest} bytes`);
      }
      return step;
    } catch (error) {
      this.failed = error instanceof DdbWireError ? error : bad(`unparsable request: ${String(error)}`);
      return { kind: 'error', error: this.failed };
    }
  }

  private step(): RequestStep {
    const buf = this.buf;
    const nl = buf.indexOf(0x0a);
    if (nl > this.maxHeader || (nl < 0 && buf.length > this.maxHeader)) {
      throw bad(`header line longer than ${this.maxHeader} bytes`);
    }
    if (nl < 0) {
      // Reject garbage as soon as it cannot be a prefix of `API ` / `API2`, instead of waiting for a newline.
      const head = buf.toString('latin1', 0, Math.min(4, buf.length));
      if (!'API '.startsWith(head) && !'API2'.startsWith(head)) throw bad(`not a DolphinDB request: ${JSON.stringify(head)}`);
      return { kind: 'incomplete' };
    }
    const line = buf.toString('latin1', 0, nl);
    const m = HEADER_RE.exec(line);
    if (m === null) throw bad(`bad request header ${JSON.stringify(line.slice(0, 80))}`);
    const [, api, sessionId, lenText, options] = m;
    const bodyLen = Number(lenText);
    if (bodyLen > this.maxRequest) throw bad(`body of ${bodyLen} bytes exceeds ${this.maxRequest}`);
    const bodyStart = nl + 1;
    const bodyEnd = bodyStart + bodyLen;
    if (buf.length < bodyEnd) return { kind: 'incomplete' };
    const { command, lines } = parseCountedBody(buf.toString('utf8', bodyStart, bodyEnd));
    let body: DdbRequestBody;
    let end = bodyEnd;
    switch (command) {
      case 'connect': {
        if (lines[1] !== 'login') { body = { kind: 'connect' }; break; }
        const user = lines[2] ?? '';
        const password = lines[3] ?? '';
        const enc = lines[4];
        body = enc === 'true' || enc === 'false'
          ? { kind: 'connect', login: { user, password, encrypted: enc === 'true' } }
          : { kind: 'connect', login: { user, password } };
        break;
      }
      case 'script':
        body = { kind: 'script', script: buf.toString('utf8', bodyStart + 'script\n'.length, bodyEnd) };
        break;
      case 'function':
      case 'variable': {
        const count = parseCount(lines[2], command === 'function' ? 'argument count' : 'variable count');
        const littleEndian = parseEndian(lines[3]);
        // Check what the body alone can tell before waiting for argument bytes that may never come.
        const names = (lines[1] ?? '').split(',');
        if (command === 'variable' && names.length !== count) throw bad(`${names.length} variable names for ${count} values`);
        const name = lines[1] ?? '';
        if (command === 'function' && !/^[A-Za-z_][\w:]*$/.test(name)) throw bad(`bad function name ${JSON.stringify(name.slice(0, 40))}`);
        const decoded = decodeObjects(buf, bodyEnd, count, { littleEndian, side: 'client' });
        if (decoded.kind === 'incomplete') return { kind: 'incomplete' };
        end = decoded.end;
        if (command === 'function') {
          body = { kind: 'function', name, args: decoded.value };
        } else {
          body = { kind: 'variable', names, values: decoded.value };
        }
        break;
      }
      default:
        body = { kind: 'unknown', command: command.slice(0, 64) };
    }
    this.buf = buf.subarray(end);
    const flags = options === undefined ? 0 : Number(/^\d{1,10}/.exec(options)?.[0] ?? '0');
    const request: DdbRequest = options === undefined
      ? { api: api === 'API2' ? 'API2' : 'API', sessionId: sessionId ?? '0', flags, body }
      : { api: api === 'API2' ? 'API2' : 'API', sessionId: sessionId ?? '0', options, flags, body };
    return { kind: 'request', request };
  }
}

/**
 * Parses one WebSocket message holding exactly one request (the arguments are the rest of the message).
 * Throws DdbWireError when the message is not one complete request.
 */
export function parseRequestMessage(message: Buffer, options: RequestParserOptions = {}): DdbRequest {
  const parser = new RequestParser(options);
  parser.push(message);
  const step = parser.next();
  if (step.kind === 'request') return step.request;
  if (step.kind === 'error') throw step.error;
  throw bad('message ends inside the request');
}

function textOf(body: DdbRequestBody): string {
  const checkLine = (s: string, what: string): string => {
    if (s.includes('\n')) throw new DdbWireError(`cannot encode: ${what} contains a newline`, { side: 'internal' });
    return s;
  };
  switch (body.kind) {
    case 'connect': {
      if (body.login === undefined) return 'connect\n';
      const l = body.login;
      const tail = l.encrypted === undefined ? '' : `\n${String(l.encrypted)}`;
      return `connect\nlogin\n${checkLine(l.user, 'user')}\n${checkLine(l.password, 'password')}${tail}`;
    }
    case 'script': return `script\n${body.script}`;
    // The C++/Java form: no newline after the endian flag (JS adds one; the parser accepts both).
    case 'function': return `function\n${checkLine(body.name, 'name')}\n${body.args.length}\n1`;
    case 'variable': return `variable\n${checkLine(body.names.join(','), 'names')}\n${body.values.length}\n1`;
    case 'unknown': return checkLine(body.command, 'command');
  }
}

/**
 * The wire bytes of one request: header, counted body, then the argument objects (little endian).
 * `options` defaults to the C++ client's `32_1_4_64__0`-like plain form `0_1_4_64`; pass null for none.
 * Throws DdbWireError (side 'internal') for a body that cannot be framed, e.g. a user name with a newline.
 */
export function encodeRequest(
  sessionId: string, body: DdbRequestBody, init: { api?: DdbApi; options?: string | null } = {},
): Buffer {
  const text = Buffer.from(textOf(body), 'utf8');
  const options = init.options === undefined ? '0_1_4_64' : init.options;
  const head = `${init.api ?? 'API2'} ${sessionId} ${text.length}${options === null ? '' : ` / ${options}`}\n`;
  const objects = body.kind === 'function' ? body.args : body.kind === 'variable' ? body.values : [];
  return Buffer.concat([Buffer.from(head, 'latin1'), text, encodeObjects(objects)]);
}
