// One stats request's StatsPageView (core/stats/html-view.ts, the HTML page's input) from the proxy's StatsConfig
// (`stats refresh`, `hide-version`, `show-legends`, `show-modules`, `show-node`, `show-desc`, `scope`) and the request
// (`;up`, `;norefresh`, `;st=`, `scope=`, whether `stats admin` holds). Pure; stats thread.

import { hostname } from 'node:os';
import type { StatsConfig } from '../../config/model.js';
import { parseActionStatus, type StatsPageView } from './html-view.js';
import type { StatsQuery } from './stats-request.js';

/** The view of `query` on the page of proxy `proxyName`. */
export function pageViewOf(stats: StatsConfig, proxyName: string, query: StatsQuery, admin: boolean): StatsPageView {
  const status = parseActionStatus(query.status);
  return {
    uri: stats.uri,
    refreshSeconds: Math.round(stats.refreshMs / 1000),
    hideDown: query.hideDown,
    noRefresh: query.noRefresh,
    hideVersion: stats.hideVersion,
    showLegends: stats.showLegends,
    showModules: stats.showModules,
    // Without a name HAProxy shows the global `node`, which defaults to the host name (orcalb reads no global node).
    ...(stats.showNode === undefined ? {} : { node: stats.showNode === '' ? hostname() : stats.showNode }),
    // Without a text HAProxy shows the global `description` (orcalb reads none: empty).
    ...(stats.showDesc === undefined ? {} : { description: stats.showDesc }),
    admin,
    ...(status === undefined ? {} : { actionStatus: status }),
    scope: query.scope,
    ...(stats.scopes.length === 0 ? {} : { allowedProxies: stats.scopes.map((s) => (s === '.' ? proxyName : s)) }),
  };
}
