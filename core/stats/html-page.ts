// HAProxy 2.6's HTML stats page (management guide §9.1): the page header, the process information table, then one
// table per proxy (frontend, servers, backend rows). Renders a StatSnapshot under a StatsPageView to one string;
// stats thread, once per page request (not a forwarder hot path).

import type { StatSnapshot } from './stat-columns.js';
import type { StatsPageView } from './html-view.js';

/**
 * Renders the whole stats page for `snapshot` as `view` asks. Pure: reads nothing but its arguments; never throws on
 * any snapshot content (names are escaped). Allocates the page string.
 */
export function renderStatsPage(snapshot: StatSnapshot, view: StatsPageView): string {
  // INTERFACE stub: the full renderer follows on branch i12-html.
  return `<!DOCTYPE html>\n<html><head><title>Statistics Report</title></head><body>${snapshot.rows.length} rows, ${view.uri}</body></html>\n`;
}
