// The rewrites HAProxy 2.6 applies to a message head on its way through mode http, in today's order
// (l7-session.ts requestHeaders and its response path): Connection cleaned, http-request/http-response header rules
// (frontend then backend for requests, backend then frontend for responses), X-Forwarded-For / X-Original-To,
// persistence cookies, and the Connection value of the connection mode; composed on a HeadEdit so the engine writes
// the head with one HeadEdit.write(). Forwarder threads, once per message (hot path): with no rules, forwardfor or
// cookie, it allocates nothing.

import type { HttpRules, ProxyOptions } from '../../config/model.js';
import { forwardedFor, originalTo } from '../forward/forwardfor.js';
import type { RuleContext } from '../forward/header-rules.js';
import { requestConnValue, responseConnValue } from '../forward/l7-connection-mode.js';
import { responseCookie, type ResponseCookieContext, type SetCookieState } from './head-cookie.js';
import type { HeadEdit } from './head-edit.js';
import { applyRules } from './head-rules.js';
import type { HeadView } from './head-view.js';
import type { HeaderField } from './header-list.js';

/** What a proxy (frontend or backend) contributes to the rewrite. */
export interface ProxyRewrite {
  readonly options: ProxyOptions;
  readonly http?: HttpRules | undefined;
}

export interface RequestRewrite {
  readonly frontend: ProxyRewrite;
  readonly backend: ProxyRewrite;
  /** What %[src] %[dst] … in rule values expand to. */
  readonly ruleContext: RuleContext;
  /** The client's address (X-Forwarded-For) and the address it reached (X-Original-To), when known. */
  readonly clientAddress: string | undefined;
  readonly localAddress: string | undefined;
  /** The server connection closes after this request (serverWantsCloseForRequest). */
  readonly serverClose: boolean;
}

const NO_FIELDS: readonly HeaderField[] = [];

/**
 * The request head as it goes to the server, onto `edit` (begun on `view`; cookie persistence, if any, already
 * applied by requestCookie): what l7-session.ts requestHeaders does to the header list, in the same order. Then
 * edit.write() gives exactly today's serializeRequestHead bytes. Never throws.
 */
export function rewriteRequest(edit: HeadEdit, view: HeadView, r: RequestRewrite): void {
  edit.cleanConnection();
  // Header rules run in the session's rule sets (core/forward/l7-rules.ts) when the config has the program's lists;
  // a hand-built config with only the header lists still gets them here.
  if (r.frontend.http?.requestRules === undefined) applyRules(edit, r.frontend.http?.request, r.ruleContext);
  if (r.backend.http?.requestRules === undefined) applyRules(edit, r.backend.http?.request, r.ruleContext);
  const fe = r.frontend.options;
  const be = r.backend.options;
  if (fe.forwardfor !== undefined || be.forwardfor !== undefined) {
    // forwardfor.ts decides; it looks at the fields only for `if-none`: show it the one field that matters.
    const wanted = forwardedFor(fe, be, r.clientAddress, NO_FIELDS);
    if (wanted !== undefined) {
      const present = edit.find(wanted.name.toLowerCase()) >= 0;
      const xff = present ? forwardedFor(fe, be, r.clientAddress, [{ name: wanted.name, value: '' }]) : wanted;
      if (xff !== undefined) edit.append(xff.name, xff.value);
    }
  }
  const xot = originalTo(fe, be, r.localAddress);
  if (xot !== undefined) edit.append(xot.name, xot.value);
  // A request that ends its connection (Transfer-Encoding with Content-Length) reaches a keep-alive server with no
  // Connection value at all (measured on haproxy 2.6.12, HTTP/1.0 and 1.1 alike).
  const value = view.mustClose && !r.serverClose ? undefined : requestConnValue(r.serverClose, view.version);
  edit.setConnection(value, view.connUpgrade);
}

export interface ResponseRewrite {
  readonly frontend: ProxyRewrite;
  readonly backend: ProxyRewrite;
  readonly ruleContext: RuleContext;
  /** The client connection closes after this response (clientWantsCloseForResponse). */
  readonly clientClose: boolean;
  readonly requestVersion: '1.0' | '1.1';
  /** Cookie persistence of the backend, when it has a `cookie` line and the answering server is known. */
  readonly cookie?: ResponseCookieContext | undefined;
}

/**
 * The final response head as it goes to the client, onto `edit` (begun on `view`): a code under 100 loses its
 * framing fields, Connection cleaned, backend then frontend http-response rules, persistence cookies, and the
 * Connection value (none for a code under 100, as haproxy 2.6.12 writes none). Returns what the persistence cookie
 * step did (%tsc), undefined without one. Never throws.
 */
export function rewriteResponse(edit: HeadEdit, view: HeadView, r: ResponseRewrite): SetCookieState | undefined {
  if (view.status < 100) edit.dropFramingFields();
  edit.cleanConnection();
  if (r.backend.http?.responseRules === undefined) applyRules(edit, r.backend.http?.response, r.ruleContext);
  if (r.frontend.http?.responseRules === undefined) applyRules(edit, r.frontend.http?.response, r.ruleContext);
  const cookie = r.cookie === undefined ? undefined : responseCookie(edit, r.cookie);
  const value = view.status < 100 ? undefined : responseConnValue(r.clientClose, view.version, r.requestVersion);
  edit.setConnection(value, view.connUpgrade);
  return cookie;
}

/**
 * A 101's head before the tunnel: the server's own close/keep-alive tokens dropped, `upgrade` kept (measured on
 * haproxy 2.6.12). An interim 1xx is relayed as parsed: begin() alone.
 */
export function rewriteSwitch(edit: HeadEdit): void {
  edit.cleanConnection();
}
