// HAProxy 2.6's HTTP connection modes (§4 "HTTP connection modes": option http-keep-alive, http-server-close,
// httpclose) as its HTTP/1 multiplexer applies them: whether each side stays open after a transaction, and the exact
// Connection header written towards the server and towards the client. Forwarder threads; pure.

import type { ProxyOptions } from '../../config/model.js';
import { listElements, type HeaderField } from '../http1/header-list.js';

export type HttpMode = 'keep-alive' | 'server-close' | 'close';

/**
 * The mode of a proxy: HAProxy keeps one of the three (the last `option` wins while parsing; config/ records each as
 * a flag). httpclose is the strongest, then server-close, else keep-alive (the default). Pure.
 */
export function httpModeOf(options: ProxyOptions): HttpMode {
  if (options.httpClose) return 'close';
  if (options.httpServerClose) return 'server-close';
  return 'keep-alive';
}

/** Connection-header facts of one parsed message (HAProxy's H1_MF_CONN_CLO / _KAL / _UPG flags). */
export interface ConnFlags {
  readonly close: boolean;
  readonly keepAlive: boolean;
  readonly upgrade: boolean;
}

/**
 * The Connection tokens of a message, in one pass over its fields (hot path: twice per request; nearly every message
 * has no Connection field or a one-token one). Tokens compare ASCII case-insensitively, as hasToken does. Pure.
 */
export function connFlags(headers: readonly HeaderField[]): ConnFlags {
  let close = false;
  let keepAlive = false;
  let upgrade = false;
  for (const h of headers) {
    if (h.name.length !== 10 || h.name.toLowerCase() !== 'connection') continue;
    // The parser trimmed the value: a one-token field needs no split.
    const tokens = h.value.includes(',') ? listElements(h.value) : undefined;
    for (let i = 0, n = tokens === undefined ? 1 : tokens.length; i < n; i++) {
      const t = (tokens === undefined ? h.value : (tokens[i] as string)).toLowerCase();
      if (t === 'close') close = true;
      else if (t === 'keep-alive') keepAlive = true;
      else if (t === 'upgrade') upgrade = true;
    }
  }
  return { close, keepAlive, upgrade };
}

/**
 * Removes the `close` and `keep-alive` tokens from every Connection header and drops a header left empty, as HAProxy's
 * H1 parser does on input (H1_MF_CLEAN_CONN_HDR). Other tokens (upgrade, te, …) stay in place. Pure.
 */
export function cleanConnection(headers: readonly HeaderField[]): HeaderField[] {
  const out: HeaderField[] = [];
  for (const h of headers) {
    if (h.name.length !== 10 || h.name.toLowerCase() !== 'connection') {
      out.push(h);
      continue;
    }
    const kept = h.value
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '' && !/^(close|keep-alive)$/i.test(t));
    if (kept.length > 0) out.push({ name: h.name, value: kept.join(', ') });
  }
  return out;
}

/**
 * Writes HAProxy's Connection value into a cleaned header list: replaces the first remaining Connection header's value,
 * or appends `connection: VALUE` at the end; no value → unchanged. An `upgrade` token keeps the header as it is
 * (h1_update_req/res_conn_value return early on H1_MF_CONN_UPG). Pure.
 */
export function withConnection(headers: HeaderField[], value: string | undefined, upgrade: boolean): HeaderField[] {
  if (value === undefined || upgrade) return headers;
  const at = headers.findIndex((h) => h.name.toLowerCase() === 'connection');
  if (at >= 0) headers[at] = { name: 'connection', value };
  else headers.push({ name: 'connection', value });
  return headers;
}

/**
 * Whether the server connection is to be closed after this request (h1_set_srv_conn_mode, request pass): httpclose or
 * server-close on the frontend or the backend. The client's own close/keep-alive tokens do not count: HAProxy's H1
 * parser has already removed them from the message when the server side looks at it (measured on 2.6.12: under
 * http-server-close a client's `Connection: keep-alive` request still reaches the server with `connection: close`).
 */
export function serverWantsCloseForRequest(feMode: HttpMode, beMode: HttpMode): boolean {
  return feMode !== 'keep-alive' || beMode !== 'keep-alive';
}

/** The Connection value sent to the server (h1_update_req_conn_value). */
export function requestConnValue(serverClose: boolean, version: '1.0' | '1.1'): string | undefined {
  if (!serverClose) return version === '1.1' ? undefined : 'keep-alive';
  return version === '1.1' ? 'close' : undefined;
}

/** Client side after the request is parsed (h1_set_cli_conn_mode, request pass): HTTP/1.0 without keep-alive, or close. */
export function clientWantsCloseForRequest(req: ConnFlags, version: '1.0' | '1.1'): boolean {
  return (version === '1.0' && !req.keepAlive) || req.close;
}

/**
 * Client side after the response (h1_set_cli_conn_mode, response pass): a response without a known length closes the
 * client; so does `option httpclose` on the frontend. A server's `Connection: close` does not reach this decision (the
 * server-side parser removed the token; measured on 2.6.12: the client stays open and sees no Connection header).
 */
export function clientWantsCloseForResponse(clientClose: boolean, lengthKnown: boolean, feMode: HttpMode): boolean {
  return clientClose || !lengthKnown || feMode === 'close';
}

/** The Connection value sent to the client (h1_update_res_conn_value). */
export function responseConnValue(
  clientClose: boolean,
  resVersion: '1.0' | '1.1',
  reqVersion: '1.0' | '1.1',
): string | undefined {
  if (!clientClose) return resVersion === '1.1' && reqVersion === '1.1' ? undefined : 'keep-alive';
  return resVersion === '1.1' ? 'close' : undefined;
}

/**
 * Whether the server connection can be reused after the response (h1_set_srv_conn_mode, response pass): no close
 * decided for the request, a known length, no explicit close, and HTTP/1.1 or an explicit keep-alive.
 */
export function serverReusable(
  serverClose: boolean,
  res: ConnFlags,
  lengthKnown: boolean,
  resVersion: '1.0' | '1.1',
): boolean {
  if (serverClose || !lengthKnown || res.close) return false;
  return resVersion === '1.1' || res.keepAlive;
}

/**
 * Whether a 101 answers a switch the client asked for, as haproxy 2.6.12 decides (measured; otherwise it answers 502
 * and keeps the client connection): the request names `upgrade` in Connection and has an Upgrade field (the parser
 * drops Upgrade from a request with a body), the response names `upgrade` in Connection, and a WebSocket switch
 * carries Sec-WebSocket-Accept. Runs only on a 101. Pure.
 */
export function upgradeAgreed(req: UpgradeAsk, resUpgrade: boolean, resHasAccept: boolean): boolean {
  if (!req.upgrade || !resUpgrade || !req.upgradeField) return false;
  return !req.websocket || resHasAccept;
}

/** What a request asked for, as far as a protocol switch goes. */
export interface UpgradeAsk {
  /** Its Connection names `upgrade`. */
  readonly upgrade: boolean;
  /** It carries an Upgrade field (still forwarded). */
  readonly upgradeField: boolean;
  /** That field names `websocket`. */
  readonly websocket: boolean;
}
