// Cookie persistence (HAProxy 2.6 §4.2 `cookie NAME insert|rewrite|prefix [indirect] [nocache] [postonly] [httponly]
// [secure] [domain D]`, `server … cookie VALUE`, `option persist`, `option redispatch`): which server a request's
// cookie names, whether it may be used, and the Set-Cookie the response gets. Pure; forwarder threads, per request.

import type { CookieConfig, ProxyOptions, ServerConfig } from '../../config/model.js';
import { parseSetCookie, scanRequestCookie } from './cookie-header.js';
import type { HeaderField } from '../http1/header-list.js';
import type { RequestHead, ResponseHead } from '../http1/parser.js';

/** What the request's persistence cookie points at. */
export interface PersistedServer {
  /** The first server whose `cookie VALUE` the request names, or undefined (no cookie, empty or unknown value). */
  readonly server: number | undefined;
  /**
   * Every server the cookie names, in order (several servers may share one value; later occurrences of the cookie
   * add theirs). persistenceDecision() picks among them by state.
   */
  readonly matches: readonly number[];
  /** True when the request carried the persistence cookie at all (even with an unknown or empty value). */
  readonly present: boolean;
  /**
   * The request's header list with its Cookie headers as they must be forwarded (prefix stripped in `prefix`
   * mode, our cookie removed with `insert indirect`, blanks around '=' squeezed); absent when nothing changed.
   */
  readonly rewrittenHeaders?: HeaderField[];
}

/**
 * Reads the persistence cookie from every `Cookie` header of `head` (HAProxy's client-side cookie pass) and returns
 * the servers it names and the headers to forward. Server state is not looked at here (see persistenceDecision).
 * Forwarder thread; pure, allocates only when a Cookie header is present; never throws.
 */
export function persistedServer(
  cookie: CookieConfig,
  head: RequestHead,
  servers: readonly ServerConfig[],
): PersistedServer {
  const mode = { prefix: cookie.mode === 'prefix', remove: cookie.mode === 'insert' && cookie.indirect };
  const ids: string[] = [];
  let out: HeaderField[] | undefined;
  head.headers.forEach((field, i) => {
    if (field.name.toLowerCase() !== 'cookie') {
      out?.push(field);
      return;
    }
    const scan = scanRequestCookie(field.value, cookie.name, mode);
    ids.push(...scan.ids);
    if (scan.value === field.value && out === undefined) return;
    out ??= head.headers.slice(0, i);
    if (scan.value !== undefined) out.push(scan.value === field.value ? field : { name: field.name, value: scan.value });
  });
  const matches: number[] = [];
  for (const id of ids) {
    // An empty id never matches: a client must not stick to a cookie-less backup server (HAProxy's rule).
    if (id === '') continue;
    servers.forEach((s, index) => {
      if (s.cookie === id && !matches.includes(index)) matches.push(index);
    });
  }
  return {
    server: matches[0],
    matches,
    present: ids.length > 0,
    ...(out === undefined ? {} : { rewrittenHeaders: out }),
  };
}

/** The request cookie status as HAProxy logs it (N none, I invalid, D down, V valid). */
export type CookieStatus = 'none' | 'invalid' | 'down' | 'valid';

/** What a failed connection to the persisted server leads to (HAProxy back_handle_st_cer with a direct stream). */
export type PersistRedispatch = 'never' | 'at-once' | 'on-last-retry';

export interface PersistenceDecision {
  /**
   * The server to connect to directly, bypassing the balancer (HAProxy's SF_DIRECT); undefined: the balancer picks,
   * and the response then gets a fresh cookie.
   */
  readonly server: number | undefined;
  readonly status: CookieStatus;
  /** True when `server` is down (or in maintenance) and used only because of `option persist`. */
  readonly forced: boolean;
  /**
   * When connecting to `server` fails: 'never' (no `option redispatch`: retry it `retries` times, then 503),
   * 'at-once' (redispatch, and the server is not running: go to the balancer after the first failure),
   * 'on-last-retry' (redispatch: retry the server, and go to the balancer for the last retry). A direct
   * connection never takes HAProxy's "immediate redispatch for non-hash algorithms" shortcut.
   */
  readonly redispatch: PersistRedispatch;
}

/**
 * Decides whether the request goes straight to the server its cookie names, as HAProxy 2.6 does: the first named
 * server that is running wins; with `option persist` the first named server wins even when down (the check may be
 * wrong; `redispatch` then rescues the request if the connection really fails). Without persist, a cookie naming
 * only down servers gives status 'down' and the balancer picks. `isRunning(i)`: server i is up (not down, not in
 * maintenance). Forwarder thread; pure; never throws.
 *
 * After a redispatch the request is no longer direct: pass `requestHadValidCookie = false` to applyResponseCookie.
 */
export function persistenceDecision(
  lookup: PersistedServer,
  isRunning: (server: number) => boolean,
  options: Pick<ProxyOptions, 'redispatch' | 'persist'>,
): PersistenceDecision {
  if (!lookup.present) return { server: undefined, status: 'none', forced: false, redispatch: 'never' };
  if (lookup.matches.length === 0) return { server: undefined, status: 'invalid', forced: false, redispatch: 'never' };
  const running = lookup.matches.find((i) => isRunning(i));
  if (running !== undefined) {
    return { server: running, status: 'valid', forced: false, redispatch: options.redispatch ? 'on-last-retry' : 'never' };
  }
  const first = lookup.matches[0];
  if (options.persist === true && first !== undefined) {
    return { server: first, status: 'down', forced: true, redispatch: options.redispatch ? 'at-once' : 'never' };
  }
  return { server: undefined, status: 'down', forced: false, redispatch: 'never' };
}

// Status codes a response may be cached under by default (RFC 7231 §6.1, HAProxy http_process_res_common).
const CACHEABLE_STATUS: ReadonlySet<number> = new Set([200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501]);
const CACHEABLE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * Whether a shared cache could store this response (HAProxy 2.6.12's TX_CACHEABLE, which decides `nocache`'s
 * `Cache-Control: private`): a safe method and a cacheable status, or `Cache-Control: public`; not with `Pragma:
 * no-cache` or a private/no-cache/no-store/max-age=0/s-maxage=0 directive; and only with freshness information
 * (max-age, s-maxage, Expires) or a validator (ETag, Last-Modified).
 */
export function responseCacheable(request: RequestHead, response: ResponseHead): boolean {
  let cacheable = CACHEABLE_METHODS.has(request.method) && CACHEABLE_STATUS.has(response.status);
  const lower = response.headers.map((h) => ({ name: h.name.toLowerCase(), value: h.value }));
  const pragma = lower.find((h) => h.name === 'pragma');
  if (pragma !== undefined && pragma.value.trim().toLowerCase() === 'no-cache') return false;
  let fresh = false;
  for (const h of lower) {
    if (h.name !== 'cache-control') continue;
    for (const raw of h.value.split(',')) {
      const d = raw.trim().toLowerCase();
      // The last directive that speaks about cacheability wins, as HAProxy walks them in order.
      if (d === 'public') cacheable = true;
      else if (['private', 'no-cache', 'no-store', 'max-age=0', 's-maxage=0'].includes(d)) cacheable = false;
      else if (d.startsWith('no-cache="set-cookie')) continue;
      else if (d.startsWith('s-maxage') || d.startsWith('max-age')) fresh = true;
    }
  }
  if (!fresh) fresh = lower.some((h) => h.name === 'expires' || h.name === 'etag' || h.name === 'last-modified');
  return cacheable && fresh;
}

/** The Set-Cookie value HAProxy inserts for `server` (a server without `cookie` gets an expiring empty cookie). */
export function insertedCookie(cookie: CookieConfig, server: ServerConfig): string {
  let text =
    server.cookie === undefined
      ? `${cookie.name}=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/`
      : `${cookie.name}=${server.cookie}; path=/`;
  for (const d of cookie.domains) text += `; domain=${d}`;
  if (cookie.httponly) text += '; HttpOnly';
  if (cookie.secure) text += '; Secure';
  return text;
}

/**
 * The response header list to send to the client, HAProxy 2.6's way. The server's own Set-Cookie for NAME is
 * removed in insert mode (and with `indirect` when the request was direct), rewritten to the server's value in
 * rewrite mode, prefixed with `VALUE~` in prefix mode. In insert mode a `set-cookie: NAME=VALUE; path=/[; domain=D]
 * [; HttpOnly][; Secure]` is appended unless the client already came with a valid cookie (`requestHadValidCookie`:
 * the request went directly to the server its cookie named, without redispatch) or `postonly` and not a POST; with
 * `nocache` a cacheable response also gets `cache-control: private`. Added names are lower-case, as HAProxy sends
 * every header name. 1xx responses other than 101 pass unchanged. Forwarder thread; pure; returns a new array.
 */
export function applyResponseCookie(
  cookie: CookieConfig,
  server: ServerConfig,
  request: RequestHead,
  response: ResponseHead,
  requestHadValidCookie: boolean,
): HeaderField[] {
  if (response.status < 200 && response.status !== 101) return [...response.headers];
  const out: HeaderField[] = [];
  for (const field of response.headers) {
    const pair = field.name.toLowerCase() === 'set-cookie' ? parseSetCookie(field.value) : undefined;
    if (pair === undefined) {
      out.push(field);
      continue;
    }
    let text = pair.text;
    if (pair.name === cookie.name) {
      if (cookie.mode === 'insert' || (requestHadValidCookie && cookie.indirect)) continue;
      if (server.cookie !== undefined && cookie.mode === 'rewrite') {
        text = text.slice(0, pair.valueStart) + server.cookie + text.slice(pair.valueEnd);
      } else if (server.cookie !== undefined && cookie.mode === 'prefix') {
        text = `${text.slice(0, pair.valueStart)}${server.cookie}~${text.slice(pair.valueStart)}`;
      }
    }
    out.push(text === field.value ? field : { name: field.name, value: text });
  }
  const insert =
    cookie.mode === 'insert' && !requestHadValidCookie && (!cookie.postonly || request.method === 'POST');
  if (insert) {
    out.push({ name: 'set-cookie', value: insertedCookie(cookie, server) });
    if (cookie.nocache && responseCacheable(request, response)) out.push({ name: 'cache-control', value: 'private' });
  }
  return out;
}
