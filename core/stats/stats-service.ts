// The stats thread's servers: one node:http server per stats-only proxy (HAProxy's stats applet), fed by a net
// listener per bind line (a dup of the main thread's master socket, or its own bind without the addon). It counts
// the proxy's connections in its frontend record (the stats thread is the only one to touch a stats-only
// frontend's counters) and renders pages from the shared buffer on demand: the forwarders never wait on it.
// Stats thread only.

import http from 'node:http';
import net from 'node:net';
import type { Config } from '../../config/model.js';
import type { ListenTarget } from '../accept/listeners.js';
import type { AdminAnswer, AdminRequest } from '../health/server-admin.js';
import type { SharedState } from '../shared/state-buffer.js';
import { countRate, raiseMax } from '../shared/stat-counters.js';
import type { Topology } from '../shared/topology.js';
import { stickNow } from '../stick/stick-clock.js';
import { collectInfo } from './collect-info.js';
import { collectRows, statProxies, type StatProxy } from './collect-rows.js';
import { renderCsv } from './csv.js';
import { renderStatsJson, STATS_JSON_SCHEMA } from './stats-json.js';
import { StatsConditions } from './stats-conditions.js';
import { earlyErrorBytes } from '../forward/http-errors.js';
import { attachDashboard } from './dashboard/attach-dashboard.js';
import type { DashboardHandle } from './dashboard/dashboard-types.js';
import { statsPageChunks } from './html-page.js';
import { refreshHeader } from './html-view.js';
import { PROMETHEUS_CONTENT_TYPE, parsePrometheusQuery, prometheusChunks } from './prometheus.js';
import { collectExtra } from './collect-extra.js';
import { pageViewOf } from './stats-page-view.js';
import { INFO } from './stat-columns.js';
import { StatsEndpoint, answerError, refusalOf, type StatsAnswer } from './stats-http.js';
import type { StatsQuery } from './stats-request.js';
import type { StatSnapshot } from './stat-columns.js';

export interface StatsServiceOptions {
  readonly config: Config;
  readonly state: SharedState;
  readonly topology: Topology;
  readonly targets: readonly ListenTarget[];
  /** fds[i]: a listening socket for targets[i] (a dup this thread owns), or undefined: bind it here. */
  readonly fds?: readonly number[];
  readonly admin: (request: AdminRequest) => Promise<AdminAnswer>;
  readonly version: string;
  readonly startedMs: number;
  readonly threads: number;
}

/** A stats proxy's http server and its endpoint (the dashboard attaches to `server`). */
export interface StatsSite {
  readonly endpoint: StatsEndpoint;
  readonly server: http.Server;
}

export class StatsService {
  private readonly o: StatsServiceOptions;
  private proxies: readonly StatProxy[];
  readonly sites = new Map<number, StatsSite>();
  private readonly listeners: net.Server[] = [];

  /** A reload added or removed proxies in the Config this service reads: list them again. */
  proxiesChanged(): void {
    this.proxies = statProxies(this.o.config);
  }

  constructor(options: StatsServiceOptions) {
    this.o = options;
    this.proxies = statProxies(options.config);
    const { config } = options;
    for (const t of options.targets) {
      if (this.sites.has(t.frontend)) continue;
      const fe = config.frontends[t.frontend];
      if (fe === undefined || (fe.stats === undefined && fe.services === undefined)) continue;
      const backend = config.backends.findIndex((b) => b.name === fe.name && b.section === 'listen');
      const stats = fe.stats;
      const specs = [
        ...(stats?.admin ?? []),
        ...(stats?.rules ?? []).flatMap((r) => (r.condition === undefined ? [] : [r.condition])),
        ...(fe.services ?? []).flatMap((r) => (r.condition === undefined ? [] : [r.condition])),
      ];
      const conditions = new StatsConditions(config, t.frontend, backend, specs, options.state);
      const endpoint = new StatsEndpoint(t.frontend, fe, {
        frontendSlot: options.state.frontend(t.frontend),
        backendSlot: backend < 0 ? undefined : options.state.backend(backend),
        config,
        render: (q, admin, f) => this.render(q, admin, f),
        prometheus: (url) => this.prometheus(url),
        admin: options.admin,
        bufsize: config.global.bufsize,
      }, conditions);
      // HAProxy's limits for the listener: a head within tune.bufsize and `timeout http-request` (else `timeout
      // client`), an idle keep-alive connection within `timeout http-keep-alive` (else http-request).
      const headMs = fe.timeouts.httpRequest ?? fe.timeouts.client ?? DEFAULT_HEAD_MS;
      const server = http.createServer(
        { maxHeaderSize: config.global.bufsize, requestTimeout: headMs, headersTimeout: headMs, keepAliveTimeout: fe.timeouts.httpKeepAlive ?? headMs },
        (req, res) => endpoint.handle(req, res),
      );
      // A head past tune.bufsize or a malformed one: HAProxy's 400 page, and the connection closes.
      const feSlot = options.state.frontend(t.frontend);
      server.on('clientError', (_err, socket) => {
        // Counted as HAProxy counts an invalid request: req_tot, ereq and its 400 on the frontend.
        feSlot.add('reqTot', 1);
        feSlot.add('requestErrors', 1);
        feSlot.add('hrsp4xx', 1);
        if (socket.writable) socket.end(BAD_REQUEST);
        else socket.destroy();
      });
      if (stats?.dashboard === true) endpoint.dashboard = this.attach(server, endpoint, t.frontend);
      this.sites.set(t.frontend, { endpoint, server });
    }
  }

  /** `stats dashboard`: the live page on this proxy's server, behind the page's own access check. */
  private attach(server: http.Server, endpoint: StatsEndpoint, frontend: number): DashboardHandle {
    return attachDashboard(server, {
      statsUri: endpoint.stats.uri,
      source: () => this.viewSnapshot(frontend, ''),
      extra: () => collectExtra(this.o.config, this.o.state, this.o.topology),
      authorize: (req) => {
        const a = endpoint.access(req);
        return a.kind === 'ok' ? true : refusalOf(a.kind, a.kind === 'auth' ? a.realm : '');
      },
    });
  }

  /** The listener's snapshot as its page shows it: `stats scope` applied, the version left out under hide-version. */
  private viewSnapshot(frontend: number, scope: string): StatSnapshot {
    const snap = this.snapshot(frontend, scope);
    if (this.o.config.frontends[frontend]?.stats?.hideVersion !== true) return snap;
    const info = [...snap.info];
    info[INFO.Version] = undefined;
    info[INFO['Build info']] = undefined;
    return { info, rows: snap.rows };
  }

  /** Starts accepting on every target; rejects when one cannot listen. */
  async listen(): Promise<void> {
    await Promise.all(
      this.o.targets.map((t, i) => {
        const site = this.sites.get(t.frontend);
        if (site === undefined) return Promise.resolve();
        const fe = t.frontend;
        const l = net.createServer({ pauseOnConnect: false }, (socket) => this.adopt(fe, site, socket));
        // The proxy's maxconn bounds what this thread holds (slow clients cannot pile up pages in its heap): past it,
        // node:net closes new connections at once (HAProxy would leave them in the backlog).
        const maxconn = this.o.config.frontends[fe]?.maxconn ?? 0;
        if (maxconn > 0) l.maxConnections = maxconn;
        this.listeners.push(l);
        const fd = this.o.fds?.[i];
        return new Promise<void>((resolve, reject) => {
          l.once('error', reject);
          const done = (): void => {
            l.off('error', reject);
            resolve();
          };
          if (fd !== undefined) l.listen({ fd }, done);
          else if (t.unix !== undefined) l.listen({ path: t.unix.path }, done);
          else l.listen({ host: t.address, port: t.port, backlog: t.backlog }, done);
        });
      }),
    );
  }

  /** One accepted connection: counted in its frontend, handed to the proxy's http server. */
  private adopt(fe: number, site: StatsSite, socket: net.Socket): void {
    const slot = this.o.state.frontend(fe);
    const live = slot.add('curConns', 1) + 1;
    slot.add('totalConns', 1);
    countRate(slot, 'sessRatetick', 'sessRateMax', stickNow());
    raiseMax(slot.words, slot.at('maxConns'), live);
    socket.once('close', () => slot.add('curConns', -1));
    socket.on('error', () => socket.destroy());
    site.server.emit('connection', socket);
  }

  /** The snapshot for a stats proxy's view: `stats scope` names (`.` = itself), then the request's `scope=`. */
  snapshot(frontend: number, scope: string): StatSnapshot {
    const fe = this.o.config.frontends[frontend];
    const allowed = fe?.stats?.scopes.map((s) => (s === '.' ? fe.name : s)) ?? [];
    const needle = scope.toLowerCase();
    const proxies = this.proxies.filter(
      (p) => (allowed.length === 0 || allowed.includes(p.name)) && (needle === '' || p.name.toLowerCase().includes(needle)),
    );
    const now = Date.now();
    return {
      info: collectInfo({ config: this.o.config, state: this.o.state, version: this.o.version, startedMs: this.o.startedMs, threads: this.o.threads }, now),
      rows: collectRows(this.o, proxies, Math.floor(now / 1000), fe?.stats?.showLegends === true),
    };
  }

  private render(q: StatsQuery, admin: boolean, frontend: number): StatsAnswer {
    if (q.format === 'json-schema') return { type: 'application/json', body: STATS_JSON_SCHEMA };
    const fe = this.o.config.frontends[frontend];
    const stats = fe?.stats;
    if (fe === undefined || stats === undefined) return { type: 'text/plain', body: '' };
    const view = pageViewOf(stats, fe.name, q, admin);
    const refresh = refreshHeader(view);
    const headers: [string, string][] = refresh === undefined ? [] : [['refresh', refresh]];
    const snap = this.snapshot(frontend, q.scope);
    if (q.format === 'csv') return { type: 'text/plain', body: renderCsv(snap.rows), headers };
    if (q.format === 'json') return { type: 'application/json', body: renderStatsJson(snap.rows) };
    return { type: 'text/html', body: statsPageChunks(snap, view), headers };
  }

  /**
   * The Prometheus exporter's answer to `url` (`http-request use-service prometheus-exporter`): every proxy (the
   * exporter knows no `stats scope`), its `scope`/`no-maint` query, orcalb's own families; 400 for a query 2.6 refuses.
   */
  private prometheus(url: string): { status: 200; answer: StatsAnswer } | { status: 400 } {
    const q = url.indexOf('?');
    const query = parsePrometheusQuery(q < 0 ? '' : url.slice(q + 1));
    if (query === undefined) return { status: 400 };
    const now = Date.now();
    const snapshot: StatSnapshot = {
      info: collectInfo({ config: this.o.config, state: this.o.state, version: this.o.version, startedMs: this.o.startedMs, threads: this.o.threads }, now),
      rows: collectRows(this.o, this.proxies, Math.floor(now / 1000)),
    };
    const pieces = prometheusChunks(snapshot, query, collectExtra(this.o.config, this.o.state, this.o.topology));
    return { status: 200, answer: { type: PROMETHEUS_CONTENT_TYPE, body: pieces } };
  }

  /** Stops accepting and closes every connection. */
  close(): void {
    for (const site of this.sites.values()) void site.endpoint.dashboard?.close();
    for (const l of this.listeners) l.close();
    for (const site of this.sites.values()) site.server.closeAllConnections();
  }
}

/** A stats listener with neither `timeout http-request` nor `timeout client` still bounds a head (HAProxy would not). */
const DEFAULT_HEAD_MS = 10_000;

/** HAProxy's early 400 (its HTTP layer writes it before any stream exists). */
const BAD_REQUEST = earlyErrorBytes(400, []);

export { answerError };
