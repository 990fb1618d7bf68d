// The heads the HTTP engine sends on: which fields a request or response carries once HAProxy 2.6's rules ran
// (Connection cleaned and rewritten per §4 HTTP connection modes, http-request/http-response header rules,
// forwardfor/originalto, persistence cookies), and their text, header names in lower case as HAProxy's HTX writes them.
// Forwarder threads; hot path (two heads per request). Heads are built as one Latin-1 string that the session
// writes together with the body bytes at hand (l7-out-buffer.ts), so no Buffer is made per head.

import type { BackendConfig, FrontendConfig, ServerConfig } from '../../config/model.js';
import type { HeaderField } from '../http1/header-list.js';
import { withoutFramingFields, type RequestHead, type ResponseHead } from '../http1/parser.js';
import { applyResponseCookie } from './cookie-persistence.js';
import { forwardedFor, originalTo } from './forwardfor.js';
import { applyHeaderRules, type RuleContext } from './header-rules.js';
import { cleanConnection, requestConnValue, responseConnValue, withConnection } from './l7-connection-mode.js';

/** `name: value\r\n` for every field, names in lower case, then the empty line. */
function fieldsText(headers: readonly HeaderField[]): string {
  let out = '';
  for (const h of headers) out += `${h.name.toLowerCase()}: ${h.value}\r\n`;
  return `${out}\r\n`;
}

/** "METHOD target HTTP/1.x\r\n", the fields (lower-case names), "\r\n". Pure. */
export function requestHeadText(req: Pick<RequestHead, 'method' | 'target' | 'version'>, headers: readonly HeaderField[]): string {
  return `${req.method} ${req.target} HTTP/${req.version}\r\n${fieldsText(headers)}`;
}

/** "HTTP/1.x status reason\r\n", the fields (lower-case names), "\r\n". Pure. */
export function responseHeadText(
  res: Pick<ResponseHead, 'version' | 'status' | 'statusText' | 'reason'>,
  headers: readonly HeaderField[],
): string {
  const status = res.statusText ?? String(res.status).padStart(3, '0');
  return `HTTP/${res.version} ${status} ${res.reason}\r\n${fieldsText(headers)}`;
}

/** What the rules of a session read (addresses only when a rule or option needs them: they cost system calls). */
export interface RewriteContext {
  /** %[src] and friends for header rule values. */
  ruleContext(): RuleContext;
  /** The client's address (the PROXY header's with accept-proxy), for forwardfor. */
  clientAddress(): string | undefined;
  /** The address the client connected to, for originalto. */
  localAddress(): string | undefined;
}

/**
 * The request's fields as they go to the server: Connection cleaned, frontend then backend http-request rules,
 * forwardfor/originalto, the Connection value for `serverClose` (kept as it is when the request's Connection names
 * `upgrade`: h1_update_req_conn_value returns early on H1_MF_CONN_UPG; none at all for a request that ends its connection,
 * Transfer-Encoding with Content-Length, towards a keep-alive server: measured on haproxy 2.6.12). Pure but for the
 * context's lazy address reads.
 */
export function requestFields(
  req: RequestHead,
  fe: FrontendConfig,
  be: BackendConfig,
  ctx: RewriteContext,
  serverClose: boolean,
  upgrade: boolean,
): HeaderField[] {
  let headers = cleanConnection(req.headers);
  if (hasRules(fe.http?.request)) headers = applyHeaderRules(fe.http?.request, headers, ctx.ruleContext());
  if (hasRules(be.http?.request)) headers = applyHeaderRules(be.http?.request, headers, ctx.ruleContext());
  if (fe.options.forwardfor !== undefined || be.options.forwardfor !== undefined) {
    const xff = forwardedFor(fe.options, be.options, ctx.clientAddress(), headers);
    if (xff !== undefined) headers.push(xff);
  }
  if (fe.options.originalto !== undefined || be.options.originalto !== undefined) {
    const xot = originalTo(fe.options, be.options, ctx.localAddress());
    if (xot !== undefined) headers.push(xot);
  }
  const value = req.mustClose === true && !serverClose ? undefined : requestConnValue(serverClose, req.version);
  return withConnection(headers, value, upgrade);
}

/** What responseFields needs beyond the response: the request, the server that answered, the client's mode. */
export interface ResponseRewrite {
  readonly req: RequestHead;
  /** The server that answered (its `cookie` value), or undefined. */
  readonly server: ServerConfig | undefined;
  /** The request went straight to the server its persistence cookie named (no redispatch). */
  readonly direct: boolean;
  readonly clientClose: boolean;
  readonly upgrade: boolean;
}

/**
 * The response's fields as they go to the client: Connection cleaned (a code under 100 also loses its framing fields,
 * as in haproxy 2.6.12), backend then frontend http-response rules, persistence cookies after the rules (HAProxy's
 * http_process_res_common order), then the Connection value (none on a code under 100, measured). Pure.
 */
export function responseFields(
  res: ResponseHead,
  fe: FrontendConfig,
  be: BackendConfig,
  ctx: RewriteContext,
  r: ResponseRewrite,
): HeaderField[] {
  let headers = cleanConnection(res.status < 100 ? withoutFramingFields(res.headers) : res.headers);
  if (hasRules(be.http?.response)) headers = applyHeaderRules(be.http?.response, headers, ctx.ruleContext());
  if (hasRules(fe.http?.response)) headers = applyHeaderRules(fe.http?.response, headers, ctx.ruleContext());
  if (be.cookie !== undefined && r.server !== undefined) {
    headers = applyResponseCookie(be.cookie, r.server, r.req, { ...res, headers }, r.direct);
  }
  const connValue = res.status < 100 ? undefined : responseConnValue(r.clientClose, res.version, r.req.version);
  return withConnection(headers, connValue, r.upgrade);
}

function hasRules(rules: readonly unknown[] | undefined): boolean {
  return rules !== undefined && rules.length > 0;
}
