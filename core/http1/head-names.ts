// The header names and methods the HTTP/1 engine decides on (framing, connection mode, Host checks, upgrades,
// cookies), given small numbers once when a head is parsed so that later lookups compare a byte, not a name.
// Forwarder threads (once per header field, hot path) and the health-check thread. Allocates nothing after load.

/** Known header names (lower case); OTHER for any other name. Stored per field in HeadView.ids. */
export const HDR = {
  OTHER: 0,
  HOST: 1,
  CONNECTION: 2,
  CONTENT_LENGTH: 3,
  TRANSFER_ENCODING: 4,
  UPGRADE: 5,
  COOKIE: 6,
  SET_COOKIE: 7,
  SEC_WEBSOCKET_KEY: 8,
  SEC_WEBSOCKET_ACCEPT: 9,
  EXPECT: 10,
} as const;
export type HdrId = (typeof HDR)[keyof typeof HDR];

const HDR_NAMES: readonly (readonly [HdrId, string])[] = [
  [HDR.HOST, 'host'],
  [HDR.CONNECTION, 'connection'],
  [HDR.CONTENT_LENGTH, 'content-length'],
  [HDR.TRANSFER_ENCODING, 'transfer-encoding'],
  [HDR.UPGRADE, 'upgrade'],
  [HDR.COOKIE, 'cookie'],
  [HDR.SET_COOKIE, 'set-cookie'],
  [HDR.SEC_WEBSOCKET_KEY, 'sec-websocket-key'],
  [HDR.SEC_WEBSOCKET_ACCEPT, 'sec-websocket-accept'],
  [HDR.EXPECT, 'expect'],
];

/** True when buf[start…] folded to lower case begins with `lower` (the caller checked the length). */
function is(buf: Uint8Array, start: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) if (((buf[start + k] ?? 0) | 0x20) !== lower.charCodeAt(k)) return false;
  return true;
}

/**
 * The HDR id of the header name buf[start, end) (any case). Names are tokens, so folding with | 0x20 is exact for
 * the letters compared and maps no other token byte onto a letter of these names ('-' stays '-'). Most names
 * (Accept, Date, User-Agent) are decided by their length alone. Allocates nothing.
 */
export function headerId(buf: Uint8Array, start: number, end: number): HdrId {
  switch (end - start) {
    case 4:
      return is(buf, start, 'host') ? HDR.HOST : HDR.OTHER;
    case 6:
      if (is(buf, start, 'cookie')) return HDR.COOKIE;
      return is(buf, start, 'expect') ? HDR.EXPECT : HDR.OTHER;
    case 7:
      return is(buf, start, 'upgrade') ? HDR.UPGRADE : HDR.OTHER;
    case 10:
      if (is(buf, start, 'connection')) return HDR.CONNECTION;
      return is(buf, start, 'set-cookie') ? HDR.SET_COOKIE : HDR.OTHER;
    case 14:
      return is(buf, start, 'content-length') ? HDR.CONTENT_LENGTH : HDR.OTHER;
    case 17:
      if (is(buf, start, 'transfer-encoding')) return HDR.TRANSFER_ENCODING;
      return is(buf, start, 'sec-websocket-key') ? HDR.SEC_WEBSOCKET_KEY : HDR.OTHER;
    case 20:
      return is(buf, start, 'sec-websocket-accept') ? HDR.SEC_WEBSOCKET_ACCEPT : HDR.OTHER;
    default:
      return HDR.OTHER;
  }
}

/** The HDR id of a name given as a string (a rule's or a fetch's), or OTHER. */
export function headerIdOf(lowerName: string): HdrId {
  for (const [id, name] of HDR_NAMES) if (name === lowerName) return id;
  return HDR.OTHER;
}

/**
 * Methods the engine treats apart, matched case-sensitively as it does today (`get` is an unknown method, relayed).
 * OTHER: any other token. PRI (HTTP/2's preface) is matched in any case: see HeadView.isPri.
 */
export const METHOD = {
  OTHER: 0,
  GET: 1,
  HEAD: 2,
  POST: 3,
  PUT: 4,
  DELETE: 5,
  OPTIONS: 6,
  TRACE: 7,
  CONNECT: 8,
  PATCH: 9,
} as const;
export type MethodId = (typeof METHOD)[keyof typeof METHOD];

const METHOD_NAMES: readonly (readonly [MethodId, string])[] = [
  [METHOD.GET, 'GET'],
  [METHOD.HEAD, 'HEAD'],
  [METHOD.POST, 'POST'],
  [METHOD.PUT, 'PUT'],
  [METHOD.DELETE, 'DELETE'],
  [METHOD.OPTIONS, 'OPTIONS'],
  [METHOD.TRACE, 'TRACE'],
  [METHOD.CONNECT, 'CONNECT'],
  [METHOD.PATCH, 'PATCH'],
];

/** The METHOD id of buf[start, end), compared byte for byte (case-sensitive). */
export function methodId(buf: Uint8Array, start: number, end: number): MethodId {
  const n = end - start;
  for (const [id, name] of METHOD_NAMES) {
    if (name.length !== n) continue;
    let k = 0;
    while (k < n && buf[start + k] === name.charCodeAt(k)) k++;
    if (k === n) return id;
  }
  return METHOD.OTHER;
}

/** The method's text for a known id, so that reading it builds no string; undefined for OTHER. */
export function methodName(id: MethodId): string | undefined {
  for (const [m, name] of METHOD_NAMES) if (m === id) return name;
  return undefined;
}

/** Methods RFC 9110 §9.2.2 calls idempotent (the only ones replayed after a failure): GET HEAD PUT DELETE OPTIONS TRACE. */
export function isIdempotent(id: MethodId): boolean {
  return id === METHOD.GET || id === METHOD.HEAD || id === METHOD.PUT || id === METHOD.DELETE || id === METHOD.OPTIONS || id === METHOD.TRACE;
}
