// Cookie persistence (HAProxy 2.6 §4.2 `cookie`) on a HeadEdit: the request's Cookie fields read and rewritten by
// core/forward/cookie-persistence.ts persistedServer (one field at a time, so each rewrite lands on its own field),
// and the response's Set-Cookie fields removed, rewritten or prefixed, then our cookie inserted, with the order and
// texts of its applyResponseCookie (cookie-header.ts parseSetCookie, insertedCookie, responseCacheable). Forwarder
// threads, per message of a backend with a `cookie` line; the only strings built are the cookie fields' values.

import type { CookieConfig, ServerConfig } from '../../config/model.js';
import { parseSetCookie } from '../forward/cookie-header.js';
import { insertedCookie, persistedServer, responseCacheable, type PersistedServer } from '../forward/cookie-persistence.js';
import type { HeadEdit } from './head-edit.js';
import { HDR } from './head-names.js';
import type { RequestHead, ResponseHead } from './parser.js';

/**
 * Reads the persistence cookie from every live Cookie field of `edit` and applies the rewrite HAProxy forwards
 * (prefix stripped, our cookie removed with `insert indirect`, a field left empty dropped). Returns what
 * persistedServer returns for the whole head, without `rewrittenHeaders` (the rewrite is in `edit`).
 */
export function requestCookie(edit: HeadEdit, cookie: CookieConfig, servers: readonly ServerConfig[]): PersistedServer {
  const matches: number[] = [];
  let present = false;
  for (let i = 0; i < edit.count; i++) {
    if (!edit.isLive(i) || !edit.nameIs(i, 'cookie', HDR.COOKIE)) continue;
    const field = { name: edit.name(i), value: edit.value(i) };
    const one: RequestHead = { method: '', target: '', version: '1.1', headers: [field] };
    const found = persistedServer(cookie, one, servers);
    present ||= found.present;
    for (const m of found.matches) if (!matches.includes(m)) matches.push(m);
    const rewritten = found.rewrittenHeaders;
    if (rewritten === undefined) continue;
    const kept = rewritten[0];
    if (kept === undefined) edit.drop(i);
    else edit.setValue(i, kept.value);
  }
  return { server: matches[0], matches, present };
}

/** What responseCookie needs of the exchange. */
export interface ResponseCookieContext {
  readonly cookie: CookieConfig;
  /** The server that answered. */
  readonly server: ServerConfig;
  /** The request's method as received (`postonly`, and whether a cache could store the answer). */
  readonly method: string;
  /** The response status and version (1xx other than 101 pass unchanged). */
  readonly status: number;
  readonly version: '1.0' | '1.1';
  /** The request went straight to the server its cookie named, without redispatch. */
  readonly direct: boolean;
}

/**
 * cookie-persistence.ts applyResponseCookie on `edit` (after the http-response rules, as HAProxy's
 * http_process_res_common runs it): the server's own Set-Cookie for NAME removed in insert mode (and with `indirect`
 * when the request was direct), rewritten to the server's value in rewrite mode, prefixed with `VALUE~` in prefix
 * mode; then, in insert mode, our `set-cookie` (and `cache-control: private` for `nocache` on a cacheable answer).
 */
export function responseCookie(edit: HeadEdit, ctx: ResponseCookieContext): SetCookieState {
  const { cookie, server } = ctx;
  if (ctx.status < 200 && ctx.status !== 101) return 'N';
  let state: SetCookieState = 'N';
  // responseCacheable reads the fields as they were before our cookie changes (none of those it reads change).
  const before = cookie.mode === 'insert' && cookie.nocache ? edit.fields() : undefined;
  for (let i = 0; i < edit.count; i++) {
    if (!edit.isLive(i) || !edit.nameIs(i, 'set-cookie', HDR.SET_COOKIE)) continue;
    const value = edit.value(i);
    const pair = parseSetCookie(value);
    if (pair === undefined) continue;
    let text = pair.text;
    if (pair.name === cookie.name) {
      state = 'P';
      if (cookie.mode === 'insert' || (ctx.direct && cookie.indirect)) {
        edit.drop(i);
        state = 'D';
        continue;
      }
      if (server.cookie !== undefined && cookie.mode === 'rewrite') {
        text = text.slice(0, pair.valueStart) + server.cookie + text.slice(pair.valueEnd);
        state = 'R';
      } else if (server.cookie !== undefined && cookie.mode === 'prefix') {
        text = `${text.slice(0, pair.valueStart)}${server.cookie}~${text.slice(pair.valueStart)}`;
        state = 'R';
      }
    }
    if (text !== value) edit.setValue(i, text);
  }
  const insert = cookie.mode === 'insert' && !ctx.direct && (!cookie.postonly || ctx.method === 'POST');
  if (!insert) return state;
  edit.append('set-cookie', insertedCookie(cookie, server));
  if (before === undefined) return 'I';
  const request: RequestHead = { method: ctx.method, target: '', version: '1.1', headers: [] };
  const response: ResponseHead = { version: ctx.version, status: ctx.status, reason: '', headers: before };
  if (responseCacheable(request, response)) edit.append('cache-control', 'private');
  return 'I';
}

/**
 * What became of the persistence cookie on the way back, the second cookie character of %tsc (manual §8.5): N none
 * from the server and none inserted, P the server's passed as it was, D the server's deleted, R the server's
 * rewritten, I one inserted (the last step wins, as in haproxy 2.6.12: `VD`, `NI`, `II` measured).
 */
export type SetCookieState = 'N' | 'P' | 'D' | 'R' | 'I';
