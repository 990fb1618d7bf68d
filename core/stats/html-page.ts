// HAProxy 2.6's HTML stats page (management guide §9.1, observed on 2.6.12): the page header and process block
// (html-head.ts), then one table per proxy (html-proxy-table.ts) in the snapshot's order, filtered by the request's
// and the listener's scope. Renders a StatSnapshot under a StatsPageView to one string; stats thread, once per page
// request (not a forwarder hot path).

import { COL, type StatSnapshot } from './stat-columns.js';
import { cellText } from './html-format.js';
import { renderDocumentHead, renderProcessBlock } from './html-head.js';
import { type ProxyRows, renderProxy } from './html-proxy-table.js';
import { inStatsScope, type StatsPageView } from './html-view.js';

/** Groups the snapshot's rows per proxy, keeping the snapshot's order (proxies in config order). */
export function proxiesOf(snapshot: StatSnapshot): ProxyRows[] {
  const out: { name: string; rows: StatSnapshot['rows'][number][] }[] = [];
  for (const row of snapshot.rows) {
    const name = cellText(row.values[COL.pxname]);
    const last = out[out.length - 1];
    if (last !== undefined && last.name === name) last.rows.push(row);
    else out.push({ name, rows: [row] });
  }
  return out;
}

/**
 * Renders the whole stats page for `snapshot` as `view` asks. Pure: reads nothing but its arguments; never throws on
 * any snapshot content (every name, address, status and description is escaped). Allocates the page string.
 */
export function renderStatsPage(snapshot: StatSnapshot, view: StatsPageView): string {
  return [...statsPageChunks(snapshot, view)].join('');
}

/**
 * The same page as renderStatsPage, one piece at a time (the header block, then one proxy per chunk, then the end),
 * for a caller that writes a large page with backpressure instead of holding it whole (100 proxies × 20 servers is
 * about 5.6 MiB). Lazy: each chunk is rendered when asked for, from the snapshot as it was passed.
 */
export function* statsPageChunks(snapshot: StatSnapshot, view: StatsPageView): Generator<string, void, undefined> {
  yield renderDocumentHead(snapshot, view) + renderProcessBlock(snapshot, view);
  for (const px of proxiesOf(snapshot)) {
    if (inStatsScope(px.name, view)) yield renderProxy(px, view);
  }
  yield '</body></html>\n';
}
