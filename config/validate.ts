// Checks that need the whole configuration (HAProxy's check_config_validity): duplicate proxy names, backend
// references of default_backend/use_backend, frontend/backend mode compatibility, and the warnings HAProxy 2.6
// gives on a finished config, orcalb's "not implemented yet" notes per proxy, and whether anything listens at all
// (HAProxy refuses to run a configuration without a listener). Main thread, after parsing.

import { checkServerResolvers } from './sections/resolvers.js';
import { checkDiscoveryTemplate } from './keywords/dolphindb-discovery.js';
import { getAlgorithm } from '../core/balance/registry.js';
import { checkAclReferences } from './acl-references.js';
import { refuseTcpModeRules } from './tcp-mode-rules.js';
import type { ParsedConfig } from './config-parser.js';
import { DEFAULT_BALANCE } from './defaults.js';
import type { Diagnostics } from './diagnostics.js';
import type { SourceRef } from './model.js';
import { hasHttpCheckRules } from './keywords/http-check-draft.js';
import { type ProxyDraft, hasBackendCap, hasFrontendCap, proxyLabel } from './sections/proxy-draft.js';
import { validateStickRefs } from './stick-refs.js';
import { checkProxyHeaderUpgrades, checkTcpRuleFeeds } from './tcp-rule-checks.js';

/**
 * True for a frontend/listen whose whole traffic is its stats page: stats lines of its own, HTTP mode, no servers and
 * nowhere to send connections. The stats thread serves it (workers/stats.ts); the forwarders never see it.
 */
export function isStatsOnly(p: ProxyDraft): boolean {
  return (
    hasFrontendCap(p.kind) &&
    (p.statsLines.length > 0 || p.services.length > 0) &&
    p.mode === 'http' &&
    p.servers.length === 0 &&
    p.defaultBackend === undefined &&
    p.useBackends.length === 0 &&
    p.backendRules.length === 0
  );
}

/** Whether the configuration opens anything: HAProxy 2.6 will not run without an enabled listener. */
export type ListenerVerdict = { readonly kind: 'some' } | { readonly kind: 'none' };

/**
 * The ListenerVerdict of the parsed proxies (disabled proxies and those without `bind` open nothing) and the
 * `stats socket` lines (2.6.12 runs with a stats socket alone: its CLI is a listener too). Pure.
 */
export function listenerVerdict(proxies: readonly ProxyDraft[], statsSockets = 0): ListenerVerdict {
  const listening = proxies.filter((p) => hasFrontendCap(p.kind) && p.kind !== 'defaults' && !p.disabled && p.binds.length > 0);
  return listening.length === 0 && statsSockets === 0 ? { kind: 'none' } : { kind: 'some' };
}

/** Runs every whole-config check on `parsed`, reporting into `diag`. Never throws. */
export function validateConfig(parsed: ParsedConfig, diag: Diagnostics): void {
  const { proxies } = parsed;
  checkDuplicateNames(proxies, diag);
  // The first backend of a name wins lookups; a second one is already a duplicate-name error above.
  const backends = new Map<string, ProxyDraft>();
  for (const p of proxies) if (hasBackendCap(p.kind) && !backends.has(p.name)) backends.set(p.name, p);
  for (const p of proxies) {
    if (hasFrontendCap(p.kind)) checkBackendRefs(p, backends, diag);
    if (p.kind === 'frontend' || p.kind === 'listen') checkRuleModes(p, diag);
    proxyWarnings(p, diag);
    layer7Fallback(p, diag);
    if (hasBackendCap(p.kind)) checkServerCheckPorts(p, diag);
    if (hasBackendCap(p.kind)) checkDolphinDbModes(p, diag);
    if (hasBackendCap(p.kind)) checkDiscoveryTemplate(p, diag);
  }
  checkServerResolvers(proxies, parsed.resolvers, diag);
  checkAclReferences(parsed, diag);
  refuseTcpModeRules(parsed, diag);
  validateStickRefs(proxies, parsed.peers, parsed.peersSections, diag);
  checkTcpRuleFeeds(proxies, diag);
  checkProxyHeaderUpgrades(proxies, diag);
}

/**
 * What orcalb's sessions run of a frontend's switching and tcp-request rules depends on its mode: a TCP session runs
 * them all; an HTTP session runs the connection-level rules (in the forwarder's entry) and those HAProxy evaluates per
 * HTTP request (use_backend, tcp-request content: core/forward/l7-rules.ts), but not a PROXY header asked for by a
 * rule, nor session rules that would need the address a PROXY header announces: those are refused there (fail closed).
 */
function checkRuleModes(p: ProxyDraft, diag: Diagnostics): void {
  if (p.mode !== 'http') return;
  const proxyBind = p.binds.some((b) => b.acceptProxy);
  const refuse = (set: string, source: SourceRef, what: string): void =>
    diag.notImplemented(`tcp-request ${set} (${what})`, source, 'the rule is ignored', { shown: `tcp-request ${set}' in 'mode http` });
  // Content rules run per request in the HTTP session (core/forward/l7-rules.ts).
  for (const r of p.tcpRules) {
    if (r.set === 'content') continue;
    if (r.action.kind === 'expect-proxy') refuse('connection', r.source, 'expect-proxy in http mode');
    else if (r.set === 'session' && proxyBind) refuse('session', r.source, 'accept-proxy in http mode');
  }
  for (const r of p.stick.trackRules) {
    if (r.stage === 'tcp-request session' && proxyBind) refuse('session', r.source, 'accept-proxy in http mode');
  }
}

/** §4: proxies whose capabilities overlap (frontend/frontend, backend/backend, listen/any) need distinct names. */
function checkDuplicateNames(proxies: readonly ProxyDraft[], diag: Diagnostics): void {
  proxies.forEach((p, i) => {
    const clash = proxies
      .slice(0, i)
      .find(
        (q) =>
          q.name === p.name &&
          ((hasFrontendCap(p.kind) && hasFrontendCap(q.kind)) || (hasBackendCap(p.kind) && hasBackendCap(q.kind))),
      );
    // A nameless proxy already got its own error when its section opened.
    if (clash === undefined || p.name === '') return;
    diag.error(
      'ORCA_CONFIG_REFERENCE',
      `${proxyLabel(p)} has the same name as ${proxyLabel(clash)} declared at ${clash.source.file}:${clash.source.line}.`,
      p.source,
      { found: p.name },
    );
  });
}

/** default_backend and static use_backend names must be proxies with a backend side, of a compatible mode. */
function checkBackendRefs(p: ProxyDraft, backends: ReadonlyMap<string, ProxyDraft>, diag: Diagnostics): void {
  const refs = [
    ...(p.defaultBackend === undefined ? [] : [{ ref: p.defaultBackend, what: 'default_backend' }]),
    ...p.useBackends.map((ref) => ({ ref, what: 'use_backend' })),
  ];
  for (const { ref, what } of refs) {
    const target = backends.get(ref.name);
    if (target === undefined) {
      diag.error('ORCA_CONFIG_REFERENCE', `Proxy '${p.name}': unable to find required ${what}: '${ref.name}'.`, ref.source, {
        found: ref.name,
      });
      continue;
    }
    // An HTTP frontend cannot hand its parsed requests to a TCP backend; TCP to HTTP is an allowed upgrade.
    if (what === 'default_backend' && p.mode === 'http' && target.mode === 'tcp') {
      diag.error(
        'ORCA_CONFIG_REFERENCE',
        `http ${p.kind === 'listen' ? 'proxy' : p.kind} '${p.name}' (${p.source.file}:${p.source.line}) tries to use ` +
          `incompatible tcp ${target.kind === 'listen' ? 'proxy' : target.kind} '${target.name}' ` +
          `(${target.source.file}:${target.source.line}) as its default backend (see 'mode').`,
        ref.source,
      );
    }
  }
}

/**
 * A checked server whose traffic port is relative to the client's (no port, 0, `+N`, `-N`) has no port to check
 * unless `port` is set on it or the tcp-check ruleset connects to a fixed port: HAProxy refuses the configuration.
 */
function checkServerCheckPorts(p: ProxyDraft, diag: Diagnostics): void {
  const rulePort = p.tcpCheckRules.some((r) => r.kind === 'connect' && r.port !== undefined);
  for (const s of p.servers) {
    if (s.portOffset === undefined || s.settings.check !== true || s.settings.checkPort !== undefined || rulePort) {
      continue;
    }
    diag.error(
      'ORCA_CONFIG_BAD_VALUE',
      `backend '${p.name}': server '${s.name}' has neither service port nor check port.`,
      s.source,
      { keyword: `server ${p.name}/${s.name}` },
    );
  }
}

/** HAProxy's end-of-parse warnings for one proxy, and orcalb's notes on what it does not do yet. */
function proxyWarnings(p: ProxyDraft, diag: Diagnostics): void {
  const label = proxyLabel(p);
  const statsOnly = isStatsOnly(p);
  statsChecks(p, label, statsOnly, diag);
  // The stats thread serves such a proxy and has no TLS: its page would be served in clear text on an ssl bind.
  if (statsOnly && hasFrontendCap(p.kind)) {
    for (const b of p.binds) {
      if (b.tls !== undefined) diag.notImplemented('bind ... ssl in a proxy orcalb answers itself', b.source, 'ignored', { shown: 'ssl in a stats-only proxy' });
    }
  }
  if (hasFrontendCap(p.kind) && p.binds.length === 0 && !p.disabled) {
    diag.warn(`${label} has no 'bind' directive. Please declare it as a backend if this was intended.`, p.source);
  }
  // HAProxy's rule: a frontend needs `timeout client`, a backend `timeout connect` and `timeout server`.
  const t = p.timeouts;
  const missing =
    (hasFrontendCap(p.kind) && t.client === undefined) ||
    (hasBackendCap(p.kind) && (t.connect === undefined || t.server === undefined));
  if (missing && !p.disabled && !statsOnly) {
    diag.warn(
      `missing timeouts for ${label}. While not properly invalid, you will certainly encounter various problems ` +
        "with such a configuration. To fix this, please ensure that all following timeouts are set to a non-zero " +
        "value: 'client', 'connect', 'server'.",
      p.source,
    );
  }
  if (hasBackendCap(p.kind) && p.tcpCheckRules.length > 0 && p.checkOption?.name !== 'tcp-check') {
    diag.warn(`${label} uses tcp-check rules without 'option tcp-check', so the rules are ignored.`, p.source);
  }
  if (hasBackendCap(p.kind) && hasHttpCheckRules(p.httpCheck) && p.checkOption?.name !== 'httpchk') {
    diag.warn(`${label} uses http-check rules without 'option httpchk', so the rules are ignored.`, p.source);
  }
  if (p.mode === 'tcp') tcpModeWarnings(p, diag);
  if (p.mode === 'http' && p.kind !== 'defaults') {
    for (const b of p.binds) {
      const offered = [...(b.tls?.settings.alpn ?? []), ...(b.tls?.certs.flatMap((c) => c.alpn ?? []) ?? [])];
      if (offered.includes('h2')) {
        diag.warn(`${label}: orcalb speaks HTTP/1.1 only, so 'h2' is not offered by ALPN on bind '${b.spec}' (clients use http/1.1).`, b.source);
      }
    }
  }
}

/** HAProxy's warnings for HTTP-only settings in a TCP proxy, in its order; the settings are dropped at build. */
function tcpModeWarnings(p: ProxyDraft, diag: Diagnostics): void {
  const label = proxyLabel(p);
  if (hasBackendCap(p.kind) && p.cookie !== undefined) {
    diag.warn(`cookie will be ignored for ${label} (needs 'mode http').`, p.source);
  }
  for (const [keyword, count] of [['http-request', p.httpRuleLines.request], ['http-response', p.httpRuleLines.response]] as const) {
    if (count > 0) diag.warn(`'${keyword}' rules ignored for ${label} as they require HTTP mode.`, p.source);
  }
  for (const option of ['forwardfor', 'originalto'] as const) {
    if (p.options[option] !== undefined) diag.warn(`'option ${option}' ignored for ${label} as it requires HTTP mode.`, p.source);
  }
  // The frontend then logs tcplog lines (build-config.ts logLineOf), as haproxy 2.6.12 does after this warning.
  const kind = p.logLine.kind;
  if (hasFrontendCap(p.kind) && p.kind !== 'defaults' && (kind === 'httplog' || kind === 'clf')) {
    diag.warn(`'option httplog' not usable with ${label} (needs 'mode http'). Falling back to 'option tcplog'.`, p.logOption?.at ?? p.source);
  }
  if (hasFrontendCap(p.kind) && p.kind !== 'defaults') httpOnlyVariables(p, diag);
  if (!hasBackendCap(p.kind)) return;
  for (const s of p.servers) {
    if (s.settings.cookie !== undefined) {
      diag.warn(`${label} : ignoring cookie for server '${s.name}' as HTTP mode is disabled.`, s.source);
    }
  }
}

/** The log-format variables haproxy 2.6.12 refuses in a TCP proxy (measured with haproxy -c, each one). */
const HTTP_ONLY_VARS: ReadonlySet<string> = new Set(['r', 'TR', 'Tq', 'Ta', 'Ti', 'Tr', 'tr', 'trg', 'trl', 'CC', 'CS', 'HM', 'HU', 'HP', 'HPO', 'HQ', 'HV']);

/** A TCP frontend's log-format, log-format-sd, error-log-format or unique-id-format that names an HTTP-only variable: haproxy's error, at its line. */
function httpOnlyVariables(p: ProxyDraft, diag: Diagnostics): void {
  const d = p.logLine;
  const formats = [
    ['log-format', d.kind === 'log-format' ? d.format : undefined, d.formatAt],
    ['unique-id', d.uniqueId, d.uniqueIdAt],
    ['log-format-sd', d.sd, d.sdAt],
    ['error-log-format', d.errorFormat, d.errorFormatAt],
  ] as const;
  for (const [what, spec, at] of formats) {
    const part = spec?.parts.find((x) => x.kind === 'var' && HTTP_ONLY_VARS.has(x.name));
    if (part === undefined || part.kind !== 'var') continue;
    diag.error('ORCA_CONFIG_BAD_VALUE', `failed to parse ${what} : format variable '${part.name}' is reserved for HTTP mode.`, at ?? p.source);
  }
}

/**
 * HAProxy's rule for an algorithm that hashes part of the HTTP request (uri, url_param, hdr) in a TCP backend:
 * there is no request to hash, so it warns and balances round-robin. Rewrites the draft's balance accordingly.
 */
function layer7Fallback(p: ProxyDraft, diag: Diagnostics): void {
  const balance = p.balance;
  if (balance === undefined || !hasBackendCap(p.kind) || p.mode !== 'tcp') return;
  if (getAlgorithm(balance.algorithm)?.needs !== 'http') return;
  diag.warn(
    `Layer 7 hash not possible for ${proxyLabel(p)} (needs 'mode http'). Falling back to round robin.`,
    balance.source,
  );
  p.balance = { ...DEFAULT_BALANCE, source: balance.source };
}

/**
 * HAProxy ignores `stats` outside HTTP mode with a warning; orcalb serves the page only from a proxy that does
 * nothing else, and refuses one that would mix it with forwarding (config/not-implemented.ts).
 */
function statsChecks(p: ProxyDraft, label: string, statsOnly: boolean, diag: Diagnostics): void {
  if (p.kind === 'defaults' || p.disabled) return;
  if (statsOnly) {
    // The stats thread answers every request of such a proxy itself: rules it would not run stay refused.
    const other = p.httpRuleLines.request - p.services.length + p.httpRuleLines.response + p.tcpRules.length;
    if (other > 0) diag.notImplemented('http-request, http-response or tcp-request rules in a proxy orcalb answers itself', p.source, 'ignored', { label });
    return;
  }
  if (p.services.length > 0 && p.mode === 'http') {
    for (const s of p.services) diag.notImplemented('http-request use-service', s.source);
  }
  if (p.stats === undefined) return;
  if (p.mode !== 'http') {
    diag.warn(`'stats' statement ignored for ${label} as it requires HTTP mode.`, p.statsLines[0] ?? p.source);
    return;
  }
  diag.notImplemented('stats in a proxy that forwards traffic', p.statsLines[0] ?? p.source, 'ignored', { shown: 'stats', label });
}

/**
 * orcalb's DolphinDB session options by mode: drain-idle and rebalance close binary-API and WebSocket sessions between
 * two requests, which only an L4 pipe frames (an HTTP backend's transactions are HTTP): an error there, not a silent
 * no-op. json-affinity is the reverse (JSON-API requests are HTTP) and keeps its sessionIDs in the backend's own
 * string stick table. dolphindb-inspect works in both modes.
 */
function checkDolphinDbModes(p: ProxyDraft, diag: Diagnostics): void {
  const o = p.options;
  if (p.mode === 'http') {
    const sets: [string, SourceRef | undefined][] = [['dolphindb-drain-idle', o.dolphindbDrainIdle], ['dolphindb-rebalance', o.dolphindbRebalance?.source]];
    for (const [name, at] of sets) {
      if (at === undefined) continue;
      diag.error('ORCA_CONFIG_BAD_VALUE', `'option ${name}' works in 'mode tcp' only (it closes DolphinDB binary-API and WebSocket sessions between requests); ${p.kind} '${p.name}' is in mode http.`, at);
    }
  }
  const at = o.dolphindbJsonAffinity;
  if (at === undefined) return;
  if (p.mode !== 'http') {
    diag.error('ORCA_CONFIG_BAD_VALUE', `'option dolphindb-json-affinity' works in 'mode http' only (JSON-API requests are HTTP); ${p.kind} '${p.name}' is in mode tcp.`, at);
  } else if (p.stick.table?.keyType !== 'string') {
    diag.error('ORCA_CONFIG_BAD_VALUE', `'option dolphindb-json-affinity' keeps each sessionID's node in the ${p.kind}'s own stick table: ${p.kind} '${p.name}' needs 'stick-table type string len 32 size <n> expire <t>'.`, at);
  }
}
