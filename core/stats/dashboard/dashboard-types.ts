// The live dashboard's contract (`stats dashboard`, our keyword, beyond HAProxy): what the stats thread hands to
// attachDashboard (core/stats/dashboard/attach-dashboard.ts) and what it gets back. The page is served under the
// stats URI followed by `;dashboard` (HAProxy's own suffix style: `;csv`, `;json`, `;up`), so it shares the stats
// listener, its auth and its scope. Types only; stats thread.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OrcalbMetrics } from '../prometheus-orcalb.js';
import type { StatSnapshot } from '../stat-columns.js';

/** The suffix after the stats URI that names the dashboard (`/haproxyamdin;dashboard`). */
export const DASHBOARD_SUFFIX = ';dashboard';

/**
 * The dashboard's base path for a stats URI: `statsUri + ';dashboard'`. The page is `<base>`, its files
 * `<base>/<name>` (app.js, chart.js, style.css…), its WebSocket `<base>/ws`. Pure.
 */
export function dashboardPath(statsUri: string): string {
  return statsUri + DASHBOARD_SUFFIX;
}

/**
 * What the optional extra source returns at each tick, beside the stats snapshot: the forwarder threads' load and the
 * DolphinDB nodes' load scores, in the Prometheus exporter's types (core/stats/collect-extra.ts fills both).
 */
export type DashboardExtra = Pick<OrcalbMetrics, 'threads' | 'dolphindbNodes' | 'dolphindbRequests'>;

/** An answer that refuses a request (the stats page's 401 with its realm, a 403…), written as is. */
export interface DashboardRefusal {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The stats listener's access check, applied to the page, its files and the WebSocket upgrade alike: `true`
 * lets the request through, a DashboardRefusal is answered instead (e.g. 401 + `WWW-Authenticate: Basic
 * realm="…"` when `stats auth` is set and the credentials are wrong). Synchronous; must not throw.
 */
export type DashboardAuthorize = (req: IncomingMessage) => true | DashboardRefusal;

export interface DashboardOptions {
  /** The stats URI of the listener (`stats uri`, e.g. `/haproxyamdin`); the dashboard lives at dashboardPath(). */
  readonly statsUri: string;
  /**
   * The current stats snapshot as this listener's page shows it (`stats scope` applied); called once per tick (not per client), only while a client is connected. The
   * dashboard only reads: `stats admin` actions stay on the HTML page's form.
   */
  readonly source: () => StatSnapshot;
  /** Per-thread load and DolphinDB load scores; called once per tick beside `source`. */
  readonly extra?: () => DashboardExtra;
  /** `stats hide-version`: frames carry an empty version whatever the snapshot's Version field holds. */
  readonly hideVersion?: boolean;
  /** Frame period in ms (default 1000). */
  readonly periodMs?: number;
  /** Access check (default: everyone, as a stats page without `stats auth`). */
  readonly authorize?: DashboardAuthorize;
  /** A client whose WebSocket has more than this many bytes queued skips frames (default 256 KiB). */
  readonly maxBufferedBytes?: number;
  /** A client that skipped frames this long in a row is closed (default 30 000 ms). */
  readonly stalledCloseMs?: number;
  /** WebSocket clients at most; more get 503 (default 1000). */
  readonly maxClients?: number;
  /**
   * New WebSocket clients admitted per second (a token bucket holding as many): a reconnect storm past it gets 503
   * with `Retry-After: 1` before any WebSocket work (default 100).
   */
  readonly maxJoinsPerSecond?: number;
}

/** Counters of a running dashboard, for tests and the stats thread's own figures. */
export interface DashboardStats {
  /** Connected WebSocket clients. */
  readonly clients: number;
  /** Frames built (one per tick, whatever the number of clients). */
  readonly framesBuilt: number;
  /** Frames skipped for a client whose buffer was over maxBufferedBytes (summed over clients). */
  readonly framesDropped: number;
  /** Handshakes refused by maxJoinsPerSecond. */
  readonly joinsRefused: number;
  /** Clients closed because they stayed stalled past stalledCloseMs. */
  readonly clientsClosedStalled: number;
  /** Largest `bufferedAmount` seen at the last tick (bytes). */
  readonly maxBufferedAmount: number;
  /** Size of the last frame (bytes). */
  readonly lastFrameBytes: number;
  /** Whether the ticker runs (it runs only while a client is connected). */
  readonly ticking: boolean;
}

export interface DashboardHandle {
  /** Connected WebSocket clients. */
  readonly clients: number;
  stats(): DashboardStats;
  /**
   * Answers `req` when its path is the dashboard's (the page or one of its files) and returns true; returns false
   * and touches nothing otherwise. The stats thread's request router calls it before its own `;csv`/`;json`
   * handling. Never throws.
   */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** Stops the ticker, closes every client (1001 going away) and removes the 'upgrade' listener. */
  close(): Promise<void>;
}
