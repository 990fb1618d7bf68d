// Fetches over the request bytes received so far (manual §7.3.5, `tcp-request content` with inspect-delay):
// req.len, req.payload(off,len), req.ssl_hello_type, req.ssl_sni, req.proto_http, their deprecated names, and
// orcalb's own ddb.proto (`api`, `api2`, `http` or `unknown` from a DolphinDB client's first bytes, so one port can
// carry the binary API at L4 and browsers, the JSON API and WebSocket at L7: ../shared/dolphindb-protocol.md §2).
// Short of bytes, a fetch answers "not yet" (mayChange) until the context says no more will come. Forwarder
// threads, hot path: spans over the bytes, nothing allocated (req.proto_http parses into one HeadView per thread).

import { parseRequest } from '../http1/head-parse.js';
import { HEAD, HeadView } from '../http1/head-view.js';
import { TOKEN_CHAR } from '../http1/header-list.js';
import { placeMask, type EvalFetch, type FetchDescriptor } from './descriptor.js';
import type { FetchContext } from './fetch-context.js';
import { NO_ARGS } from './sample-args.js';
import { SMP, type Sample } from './sample.js';

const CONTENT_PLACES = placeMask('..YYYYYYYYY...........');
const PROTO_HTTP_PLACES = placeMask('..YYYYYYYYYYYYYYYYY...');
const PAYLOAD_PLACES = placeMask('..YYYYYYYYYYYYYYYY.Y..');
/** Response places of `payload`: orcalb inspects no response bytes yet. */
const REQUEST_SIDE = placeMask('..YYYYYYYYY...........');

/** Fails the fetch as "not yet" unless no more bytes will come. */
function short(ctx: FetchContext, s: Sample): false {
  s.mayChange = !ctx.payloadFinal;
  return false;
}

const reqLen: EvalFetch = (ctx, s) => {
  s.setInt(ctx.payloadEnd - ctx.payloadStart);
  // The length still grows until the inspection ends.
  s.mayChange = !ctx.payloadFinal;
  return true;
};

/** `req.payload(<offset>,<length>)`: length 0 means up to the end of what was received. */
function payloadFetch(offset: number, length: number): EvalFetch {
  return (ctx, s) => {
    const from = ctx.payloadStart + offset;
    const have = ctx.payloadEnd;
    if (length === 0) {
      if (from > have) return short(ctx, s);
      s.setBin(ctx.payload, from, have);
      s.mayChange = !ctx.payloadFinal;
      return true;
    }
    if (from + length > have) return short(ctx, s);
    return s.setBin(ctx.payload, from, from + length);
  };
}

const HANDSHAKE = 0x16;

/**
 * Where the complete TLS handshake record at the start of the payload ends, -1 when it is not one (not a handshake
 * record of SSLv3 or later), or -2 while it is still incomplete.
 */
function handshakeRecordEnd(ctx: FetchContext): number {
  const b = ctx.payload;
  const p = ctx.payloadStart;
  const n = ctx.payloadEnd - p;
  if (n < 1) return -2;
  if (b[p] !== HANDSHAKE) return -1;
  if (n < 5) return -2;
  if ((b[p + 1] ?? 0) < 3) return -1;
  const recordLen = ((b[p + 3] ?? 0) << 8) | (b[p + 4] ?? 0);
  if (recordLen < 4) return -1;
  if (n < 5 + recordLen) return -2;
  return p + 5 + recordLen;
}

const sslHelloType: EvalFetch = (ctx, s) => {
  const end = handshakeRecordEnd(ctx);
  if (end === -2) return short(ctx, s);
  if (end < 0) return false;
  return s.setInt(ctx.payload[ctx.payloadStart + 5] ?? 0);
};

/**
 * The server_name of a ClientHello (RFC 6066 §3) in the complete first record: record header (5), handshake header
 * (4), version (2), random (32), session id, cipher suites, compression methods, then the extensions.
 */
const sslSni: EvalFetch = (ctx, s) => {
  const end = handshakeRecordEnd(ctx);
  if (end === -2) return short(ctx, s);
  if (end < 0) return false;
  const b = ctx.payload;
  let p = ctx.payloadStart + 5;
  if (b[p] !== 1) return false;
  p += 4 + 2 + 32;
  if (p >= end) return false;
  p += 1 + (b[p] ?? 0);
  if (p + 2 > end) return false;
  p += 2 + (((b[p] ?? 0) << 8) | (b[p + 1] ?? 0));
  if (p + 1 > end) return false;
  p += 1 + (b[p] ?? 0);
  if (p + 2 > end) return false;
  const extEnd = Math.min(end, p + 2 + (((b[p] ?? 0) << 8) | (b[p + 1] ?? 0)));
  p += 2;
  // Bounded: each step advances p by at least 4 bytes.
  while (p + 4 <= extEnd) {
    const type = ((b[p] ?? 0) << 8) | (b[p + 1] ?? 0);
    const len = ((b[p + 2] ?? 0) << 8) | (b[p + 3] ?? 0);
    const data = p + 4;
    if (data + len > extEnd) return false;
    if (type === 0 && len >= 5) {
      // server_name_list length (2), then entries of type (1) and name (2 + bytes); host_name is type 0.
      if (b[data + 2] !== 0) return false;
      const nameLen = ((b[data + 3] ?? 0) << 8) | (b[data + 4] ?? 0);
      if (data + 5 + nameLen > data + len) return false;
      return s.setStr(b, data + 5, data + 5 + nameLen);
    }
    p = data + len;
  }
  return false;
};

// One view per thread for req.proto_http: the parse is only a yes/no, nothing of it is kept.
const probe = new HeadView();
const PROBE_LIMITS = { maxHeadBytes: 16384 };

const protoHttp: EvalFetch = (ctx, s) => {
  // An HTTP-mode stream has its head parsed already.
  if (ctx.head !== undefined) return s.setBool(true);
  const buf = ctx.payload;
  if (!Buffer.isBuffer(buf)) return false;
  const r = parseRequest(buf, ctx.payloadStart, ctx.payloadEnd, probe, PROBE_LIMITS);
  if (r === HEAD.INCOMPLETE) {
    if (!ctx.payloadFinal) return short(ctx, s);
    return s.setBool(false);
  }
  return s.setBool(r > 0);
};

const API = Buffer.from('api');
const API2 = Buffer.from('api2');
const HTTP = Buffer.from('http');
const UNKNOWN = Buffer.from('unknown');
/** Longest method token ddb.proto waits for before answering `unknown`. */
const MAX_METHOD = 24;

/**
 * ddb.proto: `API ` → api, `API2` → api2 (DolphinDB's binary API), a method token then a space → http (the web
 * console, the JSON API, WebSocket upgrades), anything else → unknown. "Not yet" while the first bytes could still
 * become either.
 */
const ddbProto: EvalFetch = (ctx, s) => {
  const b = ctx.payload;
  const p = ctx.payloadStart;
  const n = ctx.payloadEnd - p;
  const api = 'API ';
  let k = 0;
  while (k < 3 && k < n && b[p + k] === api.charCodeAt(k)) k++;
  if (k === n && k < 4) {
    if (!ctx.payloadFinal) return short(ctx, s);
  } else if (k === 3) {
    if (b[p + 3] === 0x20) return s.setStr(API, 0, API.length);
    if (b[p + 3] === 0x32) return s.setStr(API2, 0, API2.length);
  }
  let i = 0;
  while (i < n && i < MAX_METHOD && TOKEN_CHAR[b[p + i] ?? 0] === 1) i++;
  if (i > 0 && i < n && b[p + i] === 0x20) return s.setStr(HTTP, 0, HTTP.length);
  if (i === n && i < MAX_METHOD && !ctx.payloadFinal) return short(ctx, s);
  return s.setStr(UNKNOWN, 0, UNKNOWN.length);
};

/** A payload fetch under one of its names. */
function named(name: string, use: number, out: FetchDescriptor['out'], fn: EvalFetch): FetchDescriptor {
  return { name, args: NO_ARGS, out, use, impl: use & REQUEST_SIDE, source: 'request buffer', compile: () => fn };
}

function payloadDescriptor(name: string, use: number): FetchDescriptor {
  return {
    name,
    args: { types: ['integer', 'integer'], mandatory: 2 },
    out: SMP.BIN,
    use,
    impl: use & REQUEST_SIDE,
    source: 'request buffer',
    compile(args) {
      const off = args[0]?.kind === 'int' ? args[0].value : 0;
      const len = args[1]?.kind === 'int' ? args[1].value : 0;
      if (off < 0 || len < 0) return { error: 'payload offset and length must be positive' };
      return payloadFetch(off, len);
    },
  };
}

export const PAYLOAD_FETCHES: readonly FetchDescriptor[] = [
  named('req.len', CONTENT_PLACES, SMP.SINT, reqLen),
  named('req_len', CONTENT_PLACES, SMP.SINT, reqLen),
  payloadDescriptor('req.payload', CONTENT_PLACES),
  payloadDescriptor('payload', PAYLOAD_PLACES),
  named('req.ssl_hello_type', CONTENT_PLACES, SMP.SINT, sslHelloType),
  named('req_ssl_hello_type', CONTENT_PLACES, SMP.SINT, sslHelloType),
  named('req.ssl_sni', CONTENT_PLACES, SMP.STR, sslSni),
  named('req_ssl_sni', CONTENT_PLACES, SMP.STR, sslSni),
  named('req.proto_http', PROTO_HTTP_PLACES, SMP.BOOL, protoHttp),
  named('req_proto_http', PROTO_HTTP_PLACES, SMP.BOOL, protoHttp),
  named('ddb.proto', CONTENT_PLACES, SMP.STR, ddbProto),
];
