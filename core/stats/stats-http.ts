// One stats proxy's HTTP side (HAProxy 2.6 §4.2 `stats *`, the stats applet): which requests are the page's (the
// `stats uri` prefix, GET/HEAD/POST), `stats http-request` rules, `stats auth` (401 with the realm), the page in
// each format, and the admin form's POST (`stats admin if COND`, 303 to `;st=CODE`). Everything else gets the 503
// HAProxy's server-less proxy answers. Runs on the stats thread, on node:http requests; nothing here is on a
// forwarder's path.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config, FrontendConfig, ServiceRule, StatsConfig } from '../../config/model.js';
import { errorReply } from '../forward/http-errors.js';
import type { AdminAnswer, AdminRequest } from '../health/server-admin.js';
import { adminStatusCode } from '../health/server-admin.js';
import type { BackendSlot, FrontendSlot } from '../shared/record-slots.js';
import { countAnswer, countRate } from '../shared/stat-counters.js';
import { writePrometheus } from './prometheus-write.js';
import { stickNow } from '../stick/stick-clock.js';
import type { DashboardHandle } from './dashboard/dashboard-types.js';
import { StatsConditions, type RequestConditions } from './stats-conditions.js';
import { matchesStatsUri, parseAdminPost, parseStatsQuery, type StatsQuery } from './stats-request.js';

/** The realm HAProxy announces when `stats auth` is set without `stats realm` (measured on 2.6.12). */
export const DEFAULT_STATS_REALM = 'HAProxy Statistics';

/**
 * A page to send: its content type, body (whole, or in pieces written as the client reads: the HTML page and the
 * exporter, which can run to megabytes), and extra head fields (the page's `refresh`).
 */
export interface StatsAnswer {
  readonly type: string;
  readonly body: string | Generator<string, void, void>;
  readonly headers?: readonly (readonly [string, string])[];
}

/** What a stats proxy needs from its thread. */
export interface StatsPorts {
  /** Its frontend record (this thread is its only writer of requests and answers) and its backend's, if any. */
  readonly frontendSlot: FrontendSlot;
  readonly backendSlot: BackendSlot | undefined;
  readonly config: Config;
  /** The page in `format` for this request (the renderers). */
  readonly render: (query: StatsQuery, admin: boolean, frontend: number) => StatsAnswer;
  /** The Prometheus exporter's answer to `url` (`http-request use-service prometheus-exporter`). */
  readonly prometheus: (url: string) => { readonly status: 200; readonly answer: StatsAnswer } | { readonly status: 400 };
  /** Applies an admin action through the health thread; resolves with one outcome per server. */
  readonly admin: (request: AdminRequest) => Promise<AdminAnswer>;
  /** tune.bufsize: the largest admin POST body read (HAProxy answers EXCD past it). */
  readonly bufsize: number;
}

/** A page-less proxy (only `use-service`): no URI is the page's. */
const NO_STATS: StatsConfig = {
  uri: '\u0000', users: [], refreshMs: 0, hideVersion: false, scopes: [], showLegends: false, showModules: false, dashboard: false, admin: [], rules: [],
};

/** The handler of one proxy orcalb answers itself: its `use-service` rules, then its stats page. */
export class StatsEndpoint {
  readonly frontend: number;
  readonly proxy: FrontendConfig;
  readonly stats: StatsConfig;
  private readonly hasPage: boolean;
  private readonly services: readonly ServiceRule[];
  private readonly ports: StatsPorts;
  private readonly conditions: StatsConditions;
  /** The dashboard attached to this proxy's server (`stats dashboard`), set once by the stats service. */
  dashboard: DashboardHandle | undefined = undefined;

  constructor(frontend: number, proxy: FrontendConfig, ports: StatsPorts, conditions: StatsConditions) {
    this.frontend = frontend;
    this.proxy = proxy;
    this.stats = proxy.stats ?? NO_STATS;
    this.hasPage = proxy.stats !== undefined;
    this.services = proxy.services ?? [];
    this.ports = ports;
    this.conditions = conditions;
  }

  /** Answers one request. Never throws: a failure answers 500 (or closes the socket when the head went out). */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.countRequest(req, res);
    try {
      this.route(req, res);
    } catch {
      if (!res.headersSent) answerError(res, 500);
      else res.destroy();
    }
  }

  /**
   * The proxy's counters, as HAProxy keeps them for a stats listener (measured on 2.6.12): every request and answer on
   * the frontend, the page's requests as `intercepted`; a request that is not the page's goes to the server-less
   * backend (stot, req_tot, econ, and its 503).
   */
  private countRequest(req: IncomingMessage, res: ServerResponse): void {
    const f = this.ports.frontendSlot;
    f.add('reqTot', 1);
    countRate(f, 'reqRatetick', 'reqRateMax', stickNow());
    const head = 6 + (req.method ?? '').length + (req.url ?? '').length + 8;
    let bin = head;
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) bin += (req.rawHeaders[i] ?? '').length + (req.rawHeaders[i + 1] ?? '').length;
    let body = 0;
    req.on('data', (c: Buffer) => (body += c.length));
    const sock = req.socket;
    const before = sock.bytesWritten;
    res.once('finish', () => {
      f.addWide('bytesIn', bin + body);
      // The answer's wire bytes less ": " and CRLF per header line (HAProxy's count; node:http adds a line or two).
      f.addWide('bytesOut', Math.max(0, sock.bytesWritten - before - 4 * res.getHeaderNames().length));
      countAnswer(f, res.statusCode);
      if (res.statusCode === 503 && this.ports.backendSlot !== undefined) countAnswer(this.ports.backendSlot, 503);
    });
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    res.sendDate = false;
    const url = req.url ?? '';
    const method = req.method ?? '';
    const eval_ = this.conditions.request(req);
    // http-request use-service runs before the stats page (measured on 2.6.12: it wins on the stats uri too).
    for (const s of this.services) {
      if (s.condition !== undefined && !eval_.holds(s.condition)) continue;
      this.ports.frontendSlot.add('intercepted', 1);
      const r = this.ports.prometheus(url);
      if (r.status !== 200) return answerError(res, r.status);
      return send(res, r.answer);
    }
    // The live dashboard (`stats dashboard`): its page, files and WebSocket live under `<uri>;dashboard`.
    if (this.dashboard?.handleRequest(req, res) === true) return;
    const isStats = this.hasPage && matchesStatsUri(url, this.stats.uri) && (method === 'GET' || method === 'HEAD' || method === 'POST');
    if (!isStats) {
      // HAProxy hands it to the backend, which has no server: a session there, and its 503.
      const b = this.ports.backendSlot;
      if (b !== undefined) {
        b.add('totalConns', 1);
        b.add('reqTot', 1);
        b.add('connectErrors', 1);
      }
      return answerError(res, 503);
    }
    this.ports.frontendSlot.add('intercepted', 1);
    const access = this.access(req, eval_);
    if (access.kind === 'deny') return answerError(res, 403);
    if (access.kind === 'auth') return answerUnauthorized(res, access.realm);
    const query = parseStatsQuery(url, this.stats.uri);
    const admin = this.stats.admin.some((c) => eval_.holds(c));
    if (method === 'POST') return void this.post(req, res, url, query, admin);
    send(res, this.ports.render(query, admin, this.frontend));
  }

  /**
   * Whether `req` may see the page: `stats http-request` rules first (the first whose condition holds decides:
   * allow, deny, or auth [realm]); without one, `stats auth` users require authentication. Never throws.
   */
  access(req: IncomingMessage, evaluated?: RequestConditions): { kind: 'ok' } | { kind: 'deny' } | { kind: 'auth'; realm: string } {
    const eval_ = evaluated ?? this.conditions.request(req);
    let needAuth = this.stats.users.length > 0;
    let realm = this.stats.realm ?? DEFAULT_STATS_REALM;
    for (const rule of this.stats.rules) {
      if (rule.condition !== undefined && !eval_.holds(rule.condition)) continue;
      if (rule.action === 'deny') return { kind: 'deny' };
      if (rule.action === 'allow') {
        needAuth = false;
        break;
      }
      needAuth = true;
      if (rule.realm !== undefined) realm = rule.realm;
      break;
    }
    return needAuth && !this.authorized(req.headers.authorization) ? { kind: 'auth', realm } : { kind: 'ok' };
  }

  /** `stats auth` users: Basic credentials matching one user:password. */
  private authorized(header: string | undefined): boolean {
    if (header === undefined) return false;
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (m === null) return false;
    const text = Buffer.from(m[1] ?? '', 'base64').toString('latin1');
    const colon = text.indexOf(':');
    if (colon < 0) return false;
    const user = text.slice(0, colon);
    const password = text.slice(colon + 1);
    return this.stats.users.some((u) => u.user === user && u.password === password);
  }

  /** The admin form's POST: read the body (at most bufsize), act through the health thread, 303 to `;st=`. */
  private async post(req: IncomingMessage, res: ServerResponse, url: string, query: StatsQuery, admin: boolean): Promise<void> {
    const back = (code: string): void => {
      const up = query.hideDown ? ';up' : '';
      const location = `${this.stats.uri}${url.slice(this.stats.uri.length).includes(';norefresh') ? ';norefresh' : ''};st=${code}${up}`;
      res.writeHead(303, 'See Other', [['cache-control', 'no-cache'], ['content-type', 'text/plain'], ['content-length', '0'], ['location', location]]);
      res.end();
    };
    if (!admin) {
      req.resume();
      return back('DENY');
    }
    const body = await readBody(req, this.ports.bufsize);
    if (body === undefined) return back('EXCD');
    const post = parseAdminPost(body);
    if (post.kind === 'none') return back('NONE');
    if (post.kind === 'bad-action') return back('ERRP');
    const backend = this.ports.config.backends.findIndex((b) => b.name === post.backend);
    if (backend < 0) return back('ERRP');
    try {
      const answer = await this.ports.admin({ backend: post.backend, servers: post.servers, action: post.action });
      back(adminStatusCode(answer));
    } catch {
      back('UNKN');
    }
  }
}

/** A 200 with `answer`: a body in pieces goes out as the client reads it (writePrometheus drains, then ends). */
function send(res: ServerResponse, answer: StatsAnswer): void {
  res.writeHead(200, 'OK', [['cache-control', 'no-cache'], ['content-type', answer.type], ...(answer.headers ?? []).map(([n, v]): [string, string] => [n, v])]);
  const body = answer.body;
  if (typeof body === 'string') return void res.end(body);
  void writePrometheus(body, res);
}

/** Collects a request body up to `limit` bytes; undefined past it (the rest is drained, not kept). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        parts.length = 0;
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(parts).toString('latin1')));
    req.on('error', () => resolve(undefined));
    req.on('aborted', () => resolve(undefined));
  });
}

/** HAProxy's canned answer for `status` (the 2.6 default page, lower-case names as its HTTP layer writes them). */
export function answerError(res: ServerResponse, status: number, extra: readonly [string, string][] = []): void {
  const reply = errorReply(status, []);
  if ('raw' in reply) {
    res.destroy();
    return;
  }
  const headers = reply.head.headers.map((h): [string, string] => [h.name, h.value]);
  res.writeHead(status, reply.head.reason, [...headers, ...extra]);
  res.end(reply.body);
}

/** The refusal of `access` as the dashboard writes it (its page, files and upgrade share the page's access). */
export function refusalOf(kind: 'deny' | 'auth', realm: string): { status: number; headers: Record<string, string>; body: string } {
  const reply = errorReply(kind === 'deny' ? 403 : 401, []);
  const headers: Record<string, string> = {};
  let body = '';
  if (!('raw' in reply)) {
    for (const h of reply.head.headers) headers[h.name] = h.value;
    body = reply.body.toString('latin1');
  }
  if (kind === 'auth') headers['www-authenticate'] = `Basic realm="${realm}"`;
  return { status: kind === 'deny' ? 403 : 401, headers, body };
}

function answerUnauthorized(res: ServerResponse, realm: string): void {
  answerError(res, 401, [['www-authenticate', `Basic realm="${realm}"`]]);
}
