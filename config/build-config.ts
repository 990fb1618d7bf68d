// Turns parsed sections into the typed Config of config/model.ts: a frontend section → FrontendConfig, a backend
// → BackendConfig, a listen → one of each with the same name (manual §4), HAProxy's defaults filled in
// (config/defaults.ts) and host names replaced by resolved IPs. Main thread, after validation and resolution.

import { isNumericHost } from './address.js';
import type { ParsedConfig } from './config-parser.js';
import { ruleLists, withRuleLists } from './http-rule-build.js';
import {
  DEFAULT_BALANCE,
  DEFAULT_FALL,
  DEFAULT_HTTPCHK_METHOD,
  DEFAULT_HTTPCHK_URI,
  DEFAULT_HTTPCHK_VERSION,
  DEFAULT_INTER_MS,
  DEFAULT_PROXY_MAXCONN,
  DEFAULT_RISE,
  DEFAULT_SERVER_MAXCONN,
  DEFAULT_SERVER_MAXQUEUE,
  DEFAULT_SLOWSTART_MS,
  DEFAULT_WEIGHT,
  DYNAMIC_SERVER_SLOTS,
  CLF_FORMAT,
  HTTPLOG_FORMAT,
  TCPLOG_FORMAT,
} from './defaults.js';
import type {
  BindTls,
  BackendConfig,
  BindConfig,
  Config,
  FrontendConfig,
  GlobalConfig,
  HealthCheckConfig,
  HeaderRule,
  HttpRules,
  LogLineConfig,
  UniqueIdConfig,
  LogTarget,
  ServerConfig,
  StickRule,
  StickTableConfig,
  TrackRule,
  UnixSocketConfig,
} from './model.js';
import { bindCondition } from './keywords/acl-bind.js';
import { parseLogFormat } from '../core/acl/log-format.js';
import { statsConfigOf } from './keywords/stats-draft.js';
import { buildHttpCheck } from './keywords/http-check-draft.js';
import { type ProxyDraft, type ServerDraft, hasBackendCap, hasFrontendCap } from './sections/proxy-draft.js';
import { backendTrackRules, frontendTrackRules, stickRules, stickTables } from './stick-refs.js';
import { isStatsOnly } from './validate.js';
import { takesDynamicServers } from '../core/balance/registry.js';

/** Where resolved addresses come from (config/load-config.ts fills it from resolve-addresses.ts). */
export interface ResolvedAddresses {
  /** The numeric address of a bind or `addr` host. */
  host(host: string): string;
  /** A server's numeric address, and whether resolution failure forced it into maintenance (`init-addr none`). */
  server(s: ServerDraft): { readonly address: string; readonly forcedDown: boolean };
}

/** Builds the Config. Call only when parsing, validation and resolution reported no error. Pure; never throws. */
export function buildConfig(parsed: ParsedConfig, files: readonly string[], resolved: ResolvedAddresses): Config {
  const { global, proxies } = parsed;
  const tables = stickTables(proxies, parsed.peers);
  const frontends = proxies
    .filter((p) => hasFrontendCap(p.kind))
    .map((p) => withProgram(withRules(buildFrontend(p, global, resolved), frontendTrackRules(p, tables), []), p, tables, true));
  const backends = proxies
    .filter((p) => hasBackendCap(p.kind))
    .map((p) => withProgram(withRules(buildBackend(p, global, frontends, resolved), backendTrackRules(p, tables), stickRules(p, tables)), p, tables, false));
  return {
    files,
    // Stats sockets take the global `unix-bind` defaults as every UNIX bind does.
    global: { ...global, statsSockets: global.statsSockets.map((s) => (s.unix === undefined ? s : { ...s, unix: unixSocket(s.unix, global) })) },
    frontends,
    backends,
    userlists: structuredClone(parsed.userlists),
    ...(parsed.resolvers.length === 0 ? {} : { resolvers: structuredClone(parsed.resolvers) }),
    ...(tables.length === 0 ? {} : { stickTables: tables }),
  };
}

/** Adds the rule program's lists to an HTTP side (core/forward/http-rules/ compiles them). */
function withProgram<T extends FrontendConfig | BackendConfig>(side: T, p: ProxyDraft, tables: readonly StickTableConfig[], frontend: boolean): T {
  if (side.http === undefined) return side;
  return { ...side, http: withRuleLists(side.http, ruleLists(p, tables, frontend)) };
}

/** Adds a side's track and stick rules, when it has any (the model leaves the fields out otherwise). */
function withRules<T extends FrontendConfig | BackendConfig>(side: T, track: TrackRule[], stick: StickRule[]): T {
  return {
    ...side,
    ...(track.length === 0 ? {} : { trackRules: track }),
    ...(stick.length === 0 ? {} : { stickRules: stick }),
  };
}

/**
 * orcalb's HTTP engine speaks HTTP/1.1 only: an HTTP frontend never offers `h2` by ALPN (validate.ts warns), so a
 * client falls back to http/1.1 instead of sending an HTTP/2 preface the engine would refuse. A TCP frontend relays
 * whatever was agreed, so its list stays.
 */
function withoutH2(tls: BindTls): BindTls {
  // A list left empty is no ALPN at all (Node would refuse every client that offers one).
  const drop = (list: readonly string[] | undefined): readonly string[] | undefined => {
    const kept = list?.filter((x) => x !== 'h2');
    return kept === undefined || kept.length === 0 ? undefined : kept;
  };
  const alpn = drop(tls.settings.alpn);
  const { alpn: _configured, ...rest } = tls.settings;
  return {
    ...tls,
    settings: { ...rest, ...(alpn === undefined ? {} : { alpn }) },
    certs: tls.certs.map((c) => {
      if (c.alpn === undefined) return c;
      const certAlpn = drop(c.alpn);
      const { alpn: _line, ...cert } = c;
      return certAlpn === undefined ? cert : { ...cert, alpn: certAlpn };
    }),
  };
}

function buildFrontend(p: ProxyDraft, global: GlobalConfig, resolved: ResolvedAddresses): FrontendConfig {
  const binds: BindConfig[] = p.binds.map((b) => ({
    source: b.source,
    address: b.unix === undefined ? resolved.host(b.host) : '',
    port: b.port,
    ...(b.unix === undefined ? {} : { unix: unixSocket(b.unix, global) }),
    ...(b.backlog === undefined ? {} : { backlog: b.backlog }),
    acceptProxy: b.acceptProxy,
    ...(b.name === undefined ? {} : { name: b.name }),
    text: b.text,
    ...(b.tls === undefined ? {} : { tls: p.mode === 'http' ? withoutH2(b.tls) : b.tls }),
  }));
  // A listen section is its own backend unless a default_backend sends traffic elsewhere (as in HAProxy).
  const defaultBackend = p.defaultBackend?.name ?? (p.kind === 'listen' ? p.name : undefined);
  const ownMaxconn = p.maxconn ?? DEFAULT_PROXY_MAXCONN;
  const base = {
    source: p.source,
    name: p.name,
    section: p.kind === 'listen' ? ('listen' as const) : ('frontend' as const),
    mode: p.mode,
    binds,
    // §4.2 maxconn: 0, the default, means "the global maxconn applies" (itself 0 = unlimited when unset).
    maxconn: ownMaxconn === 0 ? global.maxconn : ownMaxconn,
    timeouts: { ...p.timeouts },
    options: structuredClone(p.options),
    disabled: p.disabled,
    statsOnly: isStatsOnly(p),
    ...(p.stats === undefined ? {} : { stats: statsConfigOf(p.stats, (c) => bindCondition(c, p.acls)) }),
    ...(p.services.length === 0
      ? {}
      : { services: p.services.map(({ service, condition }) => (condition === undefined ? { service } : { service, condition: bindCondition(condition, p.acls) })) }),
    log: logTargets(p, global),
    ...(p.logTag === undefined ? {} : { logTag: p.logTag }),
    ...logLineOf(p),
    ...uniqueIdOf(p),
    // A listen is one proxy that applies its rules once: they go to its backend half only (errorfiles to both,
    // since errors can arise before a backend is chosen).
    ...(p.mode === 'http' ? { http: httpRules(p, p.kind === 'frontend') } : {}),
    // Conditions are bound to this section's ACLs: the compiled rule needs no name lookup.
    ...(p.backendRules.length === 0
      ? {}
      : { useBackends: p.backendRules.map((r) => (r.condition === undefined ? r : { ...r, condition: bindCondition(r.condition, p.acls) })) }),
    ...(p.tcpRules.length === 0
      ? {}
      : { tcpRules: p.tcpRules.map((r) => (r.condition === undefined ? r : { ...r, condition: bindCondition(r.condition, p.acls) })) }),
    ...(p.inspectDelay === undefined ? {} : { inspectDelay: p.inspectDelay }),
  };
  return defaultBackend === undefined ? base : { ...base, defaultBackend };
}

/**
 * A UNIX bind's socket with the global `unix-bind` defaults applied (§3.1): the prefix goes before every path, even
 * an absolute one, as HAProxy 2.6 does; the bind line's own mode and owner win over unix-bind's.
 */
function unixSocket(u: NonNullable<ProxyDraft['binds'][number]['unix']>, global: GlobalConfig): UnixSocketConfig {
  const d = global.unixBind;
  const mode = u.mode ?? d?.mode;
  const uid = u.uid ?? d?.uid;
  const gid = u.gid ?? d?.gid;
  return {
    path: `${d?.prefix ?? ''}${u.path}`,
    ...(mode === undefined ? {} : { mode }),
    ...(uid === undefined ? {} : { uid }),
    ...(gid === undefined ? {} : { gid }),
  };
}

/** A backend, or the backend half of a listen section. */
function buildBackend(
  p: ProxyDraft,
  global: GlobalConfig,
  frontends: readonly FrontendConfig[],
  resolved: ResolvedAddresses,
): BackendConfig {
  const balance = {
    source: p.balance?.source ?? p.source,
    algorithm: p.balance?.algorithm ?? DEFAULT_BALANCE.algorithm,
    args: p.balance?.args ?? DEFAULT_BALANCE.args,
    hashType: { ...p.hashType },
  };
  return {
    source: p.source,
    name: p.name,
    section: p.kind === 'listen' ? 'listen' : 'backend',
    mode: p.mode,
    balance,
    servers: p.servers.map((s) => buildServer(s, resolved)),
    serverSlots: p.servers.length + (takesDynamicServers(balance) ? DYNAMIC_SERVER_SLOTS : 0),
    // Only `option tcp-check` runs the rules; httpchk and the other check options fall back to connect checks
    // (warned about at parse time).
    healthCheck: healthCheck(p),
    retries: p.retries,
    // Copies, so the frontend and backend halves of a listen never share mutable objects.
    timeouts: { ...p.timeouts },
    options: structuredClone(p.options),
    maxconn: p.fullconn ?? defaultFullconn(p.name, frontends),
    disabled: p.disabled,
    log: logTargets(p, global),
    ...(p.logTag === undefined ? {} : { logTag: p.logTag }),
    retryOn: [...p.retryOn],
    // HTTP-only settings are dropped in a TCP backend (validate.ts warned, as HAProxy does).
    ...(p.mode === 'http' ? { http: httpRules(p, true) } : {}),
    // A listen section's tcp-request rules are its frontend half's (run once); a backend section's run when chosen.
    ...(p.kind !== 'backend' || p.tcpRules.length === 0
      ? {}
      : { tcpRules: p.tcpRules.map((r) => (r.condition === undefined ? r : { ...r, condition: bindCondition(r.condition, p.acls) })) }),
    ...(p.kind !== 'backend' || p.inspectDelay === undefined ? {} : { inspectDelay: p.inspectDelay }),
    ...(p.mode === 'http' && p.cookie !== undefined ? { cookie: structuredClone(p.cookie) } : {}),
  };
}

/** The HTTP rules of one side of a proxy; `withHeaderRules` false gives only the errorfiles. */
function httpRules(p: ProxyDraft, withHeaderRules: boolean): HttpRules {
  const bind = (r: HeaderRule): HeaderRule => (r.condition === undefined ? r : { ...r, condition: bindCondition(r.condition, p.acls) });
  return {
    request: withHeaderRules ? structuredClone(p.httpRequestRules.map(bind)) : [],
    response: withHeaderRules ? structuredClone(p.httpResponseRules.map(bind)) : [],
    errorfiles: { ...p.errorfiles },
  };
}

/**
 * The check the last check option chose: tcp-check rules, httpchk's request and expect, dolphindb-check's login
 * and script; the options orcalb does not run (warned at parse time) fall back to plain connect checks.
 */
function healthCheck(p: ProxyDraft): HealthCheckConfig {
  switch (p.checkOption?.name) {
    case 'tcp-check':
      return { type: 'tcp-check', rules: [...p.tcpCheckRules] };
    case 'httpchk':
      return {
        type: 'http',
        rules: [],
        http: buildHttpCheck(p.httpCheck, {
          method: DEFAULT_HTTPCHK_METHOD,
          uri: DEFAULT_HTTPCHK_URI,
          version: DEFAULT_HTTPCHK_VERSION,
        }),
      };
    case 'dolphindb-check':
      return p.dolphindbCheck === undefined
        ? { type: 'connect', rules: [] }
        : { type: 'dolphindb', rules: [], dolphindb: { ...p.dolphindbCheck } };
    default:
      return { type: 'connect', rules: [] };
  }
}

/** §4.2 fullconn: unset means 10% of the maxconn sum of the frontends that send traffic to this backend. */
function defaultFullconn(name: string, frontends: readonly FrontendConfig[]): number {
  const total = frontends.filter((f) => f.defaultBackend === name).reduce((sum, f) => sum + f.maxconn, 0);
  return Math.ceil(total / 10);
}

/** A server line's ServerConfig, with §5.2's defaults for what it leaves unset (also `add server`: dynamic-server.ts). Pure. */
export function buildServer(s: ServerDraft, resolved: ResolvedAddresses): ServerConfig {
  const o = s.settings;
  // Unset options take HAProxy's §5.2 defaults here, not at parse time, so default-server can still set them.
  const { address, forcedDown } = resolved.server(s);
  const inter = o.inter ?? DEFAULT_INTER_MS;
  const sendProxy = o.sendProxy ?? 'none';
  const checkAddr = o.checkAddr === undefined ? undefined : resolved.host(o.checkAddr);
  // §5.2 check-send-proxy: implied by send-proxy unless checks go to another port or address.
  const checkSendProxy =
    o.checkSendProxy ?? (sendProxy !== 'none' && o.checkPort === undefined && o.checkAddr === undefined);
  return {
    source: s.source,
    name: s.name,
    address,
    port: s.port,
    ...(s.portOffset === undefined ? {} : { portOffset: s.portOffset }),
    weight: o.weight ?? DEFAULT_WEIGHT,
    backup: o.backup ?? false,
    disabled: o.disabled ?? false,
    // init-addr none on a name that did not resolve: HAProxy's resolution maintenance, not `disabled` (whose
    // server never gets checks), so that dolphindb-discovery or run-time DNS can bring it in later.
    ...(forcedDown ? { unresolved: true } : {}),
    ...(isNumericHost(s.host) ? {} : { fqdn: s.host }),
    ...(s.template === undefined ? {} : { template: s.template }),
    ...(o.resolvers === undefined ? {} : { resolvers: o.resolvers }),
    maxconn: o.maxconn ?? DEFAULT_SERVER_MAXCONN,
    maxqueue: o.maxqueue ?? DEFAULT_SERVER_MAXQUEUE,
    check: o.check ?? false,
    inter,
    fastinter: o.fastinter ?? inter,
    downinter: o.downinter ?? inter,
    rise: o.rise ?? DEFAULT_RISE,
    fall: o.fall ?? DEFAULT_FALL,
    // exactOptionalPropertyTypes: absent fields are omitted, never set to undefined.
    ...(o.checkPort === undefined ? {} : { checkPort: o.checkPort }),
    ...(checkAddr === undefined ? {} : { checkAddr }),
    sendProxy,
    // Only with a v2 header: `no-send-proxy-v2` after `send-proxy-v2-ssl` sends none, as haproxy (pp_opts bits).
    ...(o.proxyV2Ssl === undefined || sendProxy !== 'v2' ? {} : { proxyV2Ssl: o.proxyV2Ssl }),
    checkSendProxy,
    slowstart: o.slowstart ?? DEFAULT_SLOWSTART_MS,
    ...(o.cookie === undefined ? {} : { cookie: o.cookie }),
    // Resolved after parsing (server-tls-resolve.ts): files read, global defaults applied.
    ...(s.tls?.traffic === undefined ? {} : { tls: s.tls.traffic }),
    ...(s.tls?.check === undefined ? {} : { checkTls: s.tls.check }),
  };
}

/** The proxy's log targets in order, each `log global` expanded to the global section's targets. */
function logTargets(p: ProxyDraft, global: GlobalConfig): LogTarget[] {
  return p.logs.flatMap((l) => (l.kind === 'global' ? global.log : [l.target]));
}

/** The traffic log line of a frontend: the named formats by their §8.2 definitions, captures, side formats. */
function logLineOf(p: ProxyDraft): { logLine?: LogLineConfig } {
  const d = p.logLine;
  if (d.kind === undefined) return {};
  // httplog in a TCP frontend falls back to tcplog (validate.ts warned, with haproxy's words).
  const kind = p.mode === 'tcp' && (d.kind === 'httplog' || d.kind === 'clf') ? 'tcplog' : d.kind;
  const text = kind === 'tcplog' ? TCPLOG_FORMAT : kind === 'clf' ? CLF_FORMAT : HTTPLOG_FORMAT;
  let format = d.format;
  if (format === undefined || kind !== 'log-format') {
    const parsed = parseLogFormat(text, { readFile: () => '' }, undefined, 'line');
    if (!parsed.ok) throw new Error(`built-in log format does not parse: ${parsed.message}`);
    format = parsed.spec;
  }
  return {
    logLine: {
      kind,
      format,
      captureRequest: d.captureRequest.map((c) => ({ ...c })),
      captureResponse: d.captureResponse.map((c) => ({ ...c })),
      ...(d.captureCookie === undefined ? {} : { captureCookie: { ...d.captureCookie } }),
      ...(d.sd === undefined ? {} : { sd: d.sd }),
      ...(d.errorFormat === undefined ? {} : { errorFormat: d.errorFormat }),
    },
  };
}

/** `unique-id-format` (and its header): a frontend's, with or without a log line (the header needs none). */
function uniqueIdOf(p: ProxyDraft): { uniqueId?: UniqueIdConfig } {
  const d = p.logLine;
  if (d.uniqueId === undefined) return {};
  return { uniqueId: { format: d.uniqueId, ...(d.uniqueIdHeader === undefined ? {} : { header: d.uniqueIdHeader }) } };
}
