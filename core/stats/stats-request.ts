// What a stats page request asks for (HAProxy 2.6 management guide §9: the `;csv`, `;json`, `;json-schema`, `;up`,
// `;norefresh`, `;st=` suffixes after the `stats uri`, and `scope=`), and the admin form's POST body (fields `s`,
// `action`, `b`). Pure; stats thread.

import { isAdminAction, type AdminAction } from '../health/server-admin.js';

export type StatsFormat = 'html' | 'csv' | 'json' | 'json-schema';

/** The request's options, read off the URI after the `stats uri` prefix. */
export interface StatsQuery {
  readonly format: StatsFormat;
  readonly hideDown: boolean;
  readonly noRefresh: boolean;
  /** `;st=XXXX`: the code as written, '' when absent. */
  readonly status: string;
  /** `scope=` value, '' when absent. */
  readonly scope: string;
}

/** True when `url` is a request for the stats page at `uri`: HAProxy compares the prefix only. Pure. */
export function matchesStatsUri(url: string, uri: string): boolean {
  return url.startsWith(uri);
}

/** The options of a stats request (`url` matched `uri`). Pure. */
export function parseStatsQuery(url: string, uri: string): StatsQuery {
  const rest = url.slice(uri.length);
  const format: StatsFormat = rest.includes(';json-schema') ? 'json-schema' : rest.includes(';json') ? 'json' : rest.includes(';csv') ? 'csv' : 'html';
  const st = /;st=([A-Z]{4})/.exec(rest);
  const scope = /[?;&]scope=([^;&]*)/.exec(url);
  return {
    format,
    hideDown: rest.includes(';up'),
    noRefresh: rest.includes(';norefresh'),
    status: st?.[1] ?? '',
    scope: scope?.[1] === undefined ? '' : safeDecode(scope[1]),
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** An admin POST as HAProxy reads it: the backend, the action and the selected servers (in body order). */
export type AdminPost =
  | { readonly kind: 'ok'; readonly backend: string; readonly action: AdminAction; readonly servers: readonly string[] }
  /** A field is missing or there is no server: HAProxy answers NONE. */
  | { readonly kind: 'none' }
  /** The action is not one of 2.6's: HAProxy answers ERRP. */
  | { readonly kind: 'bad-action' };

/** Parses an `application/x-www-form-urlencoded` admin POST body. Never throws. Pure. */
export function parseAdminPost(body: string): AdminPost {
  let backend: string | undefined;
  let action: string | undefined;
  const servers: string[] = [];
  for (const pair of body.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq);
    const value = safeDecode(pair.slice(eq + 1));
    if (key === 'b') backend = value;
    else if (key === 'action') action = value;
    else if (key === 's') servers.push(value);
  }
  if (backend === undefined || action === undefined || servers.length === 0) return { kind: 'none' };
  if (!isAdminAction(action)) return { kind: 'bad-action' };
  return { kind: 'ok', backend, action, servers };
}
