// What one request for the HTML stats page asks to see (HAProxy 2.6's stats page, configuration manual §4.2 `stats *`
// keywords, management guide §9.1 for the `;up`, `;norefresh`, `;st=` and `scope=` URI options): the stats thread
// builds a StatsPageView per request from its listener's config and the request URI and hands it, with a
// StatSnapshot, to renderStatsPage (core/stats/html-page.ts). Pure data and one scope test; stats thread.

/**
 * The `;st=` outcome codes HAProxy's admin POST redirects to (303 to `<uri>;st=<CODE>`), and which message the page
 * shows for each. Keys and values are the codes as they appear in the URI.
 */
export const StatsActionStatus = {
  /** Every selected server took the action. */
  DONE: 'DONE',
  /** Some servers took it, others could not (e.g. a health action on a server without checks). */
  PART: 'PART',
  /** Nothing changed (no server selected, or none could take it). */
  NONE: 'NONE',
  /** The request was not allowed to change anything (admin condition false). */
  DENY: 'DENY',
  /** The POST was malformed (missing `b`/`action`, unknown backend or action). */
  ERRP: 'ERRP',
  /** The POST body was larger than the buffer HAProxy reads it into. */
  EXCD: 'EXCD',
  /** Any other outcome. */
  UNKN: 'UNKN',
} as const;
export type StatsActionStatusCode = (typeof StatsActionStatus)[keyof typeof StatsActionStatus];

/**
 * Parses a `;st=` value: a known code, UNKN for any other text (haproxy 2.6.12 answers `;st=BOGUS` with the
 * "Unexpected result." message), undefined when empty.
 */
export function parseActionStatus(text: string): StatsActionStatusCode | undefined {
  if (text === '') return undefined;
  return Object.hasOwn(StatsActionStatus, text) ? (text as StatsActionStatusCode) : StatsActionStatus.UNKN;
}

/**
 * One request's view of the stats page. Every field is resolved by the caller (the stats thread): the renderer
 * reads no config, no clock and no environment; process figures (pid, uptime, limits, version, node) come from the
 * snapshot's info row.
 */
export interface StatsPageView {
  /** The `stats uri` prefix as configured (e.g. `/haproxy?stats`); every link and the admin form's action start with it. */
  readonly uri: string;
  /** `stats refresh` in seconds; 0 = no refresh meta tag and no refresh links. */
  readonly refreshSeconds: number;
  /** `;up` in the request: server rows that are not up are left out (HAProxy's "Hide 'DOWN' servers"). */
  readonly hideDown: boolean;
  /** `;norefresh` in the request: no refresh meta tag even when refreshSeconds > 0. */
  readonly noRefresh: boolean;
  /** `stats hide-version`: no version/release line in the page header. */
  readonly hideVersion: boolean;
  /** `stats show-legends`: hover details on proxy and server names (address, cookie, mode, algorithm…). */
  readonly showLegends: boolean;
  /** `stats show-modules`: the module counters (SSL, H2, H1) as extra hover details. */
  readonly showModules: boolean;
  /** `stats show-node [name]` resolved to the node name shown in the title and header; undefined = not shown. */
  readonly node?: string;
  /** `stats show-desc [text]` resolved to the text shown beside the node; undefined = not shown. */
  readonly description?: string;
  /** `stats admin if COND` matched for this request: the admin form (checkboxes, action select) is shown. */
  readonly admin: boolean;
  /** The `;st=` outcome to report at the top of the page; undefined = none. */
  readonly actionStatus?: StatsActionStatusCode;
  /** The request's `scope=` text (case-insensitive substring of proxy names, empty = every proxy). */
  readonly scope: string;
  /**
   * The listener's `stats scope` names, `.` already resolved to the stats proxy's own name; undefined = no
   * `stats scope` line, every proxy is shown.
   */
  readonly allowedProxies?: readonly string[];
  /** Proxy name → its `description` line, shown in the proxy's name bar; absent or missing name = none. */
  readonly proxyDescriptions?: ReadonlyMap<string, string>;
}

/**
 * True when a proxy named `pxname` is shown under `view`'s config scope (`stats scope`, exact names) and request
 * scope (`scope=`, case-insensitive substring), as HAProxy filters both the page and its `;csv`. Allocates nothing
 * when no scope is set.
 */
export function inStatsScope(pxname: string, view: Pick<StatsPageView, 'scope' | 'allowedProxies'>): boolean {
  if (view.allowedProxies !== undefined && !view.allowedProxies.includes(pxname)) return false;
  return view.scope === '' || pxname.toLowerCase().includes(view.scope.toLowerCase());
}

/**
 * The `Refresh` response header's value for this page, or undefined for none. HAProxy 2.6 refreshes the page with
 * this header, not a meta tag (observed on 2.6.12: `refresh: 5` for `stats refresh 5s`, absent under `;norefresh`);
 * its `;csv` answer carries it too.
 */
export function refreshHeader(view: Pick<StatsPageView, 'refreshSeconds' | 'noRefresh'>): string | undefined {
  return view.refreshSeconds > 0 && !view.noRefresh ? String(view.refreshSeconds) : undefined;
}
