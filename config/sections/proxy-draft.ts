// The mutable state of one defaults/frontend/backend/listen section while it is parsed (HAProxy's struct proxy
// before check_config_validity). Inheritance follows manual §4: a proxy starts as a copy of its defaults section.
// Main thread only; turned into config/model.ts objects by config/build-config.ts.

import type { Diagnostics } from '../diagnostics.js';
import type { ConfigLine } from '../tokenize.js';
import { DEFAULT_HASH_TYPE, DEFAULT_MODE, DEFAULT_RETRIES, DEFAULT_RETRY_ON, defaultProxyOptions } from '../defaults.js';
import { type HttpCheckDraft, initialHttpCheck } from '../keywords/http-check-draft.js';
import { bindCondition } from '../keywords/acl-bind.js';
import { type StickDraft, initialStickDraft } from '../keywords/stick-draft.js';
import type { StatsDraft } from '../keywords/stats-draft.js';
import type {
  AclTestSpec,
  BalanceArgs,
  ConditionSpec,
  CookieConfig,
  DolphinDbCheckConfig,
  HashTypeConfig,
  HeaderRule,
  HttpRuleSpec,
  CaptureSpec,
  CheckTlsConfig,
  LogFormatSpec,
  LogLineConfig,
  LogTarget,
  ProxyMode,
  ProxyOptions,
  SampleExprSpec,
  ProxyV2Ssl,
  SendProxy,
  ServerTlsConfig,
  ServiceRule,
  SourceRef,
  TcpCheckRule,
  TcpRule,
  Timeouts,
  UseBackendRule,
  BindTls,
  GlobalTls,
} from '../model.js';

export type SectionKind = 'defaults' | 'frontend' | 'backend' | 'listen';

/** Options a `server` line may set and `default-server` may preset (§5.2); unset fields take HAProxy defaults. */
export interface ServerSettings {
  check?: boolean;
  inter?: number;
  fastinter?: number;
  downinter?: number;
  rise?: number;
  fall?: number;
  checkPort?: number;
  /** Host as written; resolved with the server addresses after parsing. */
  checkAddr?: string;
  weight?: number;
  backup?: boolean;
  disabled?: boolean;
  maxconn?: number;
  maxqueue?: number;
  sendProxy?: SendProxy;
  proxyV2Ssl?: ProxyV2Ssl;
  checkSendProxy?: boolean;
  slowstart?: number;
  cookie?: string;
  /** `init-addr` methods (§5.2); only `none` and literal IPs change anything in orcalb (resolution fallback). */
  initAddr?: string[];
  /** `resolvers <name>` (§5.2): the section that resolves the server at run time. */
  resolvers?: string;
  /** The TLS words of the line (and of default-server before it): config/keywords/server-tls.ts. */
  tls?: ServerTlsDraft;
}

/**
 * A server line's TLS words as written, resolved after parsing (config/server-tls-resolve.ts) on top of the global
 * `ssl-default-server-*` defaults, whichever order the sections come in.
 */
export interface ServerTlsDraft {
  ssl?: boolean;
  checkSsl?: boolean;
  /** The words config/keywords/tls-options.ts reads, in order, with their value ('' for a flag). */
  words: [string, string][];
  crt?: string;
  sni?: SampleExprSpec;
  verifyHost?: string;
  reuse?: boolean;
  checkSni?: string;
  checkAlpn?: string[];
}

export interface ServerDraft {
  readonly source: SourceRef;
  readonly name: string;
  /** Host as written (numeric or a name to resolve). */
  readonly host: string;
  /** 0 when the port is relative (portOffset set). */
  readonly port: number;
  /** No port, port 0, `+N` or `-N`: the client's destination port plus this (§5.2 server). */
  readonly portOffset?: number;
  readonly settings: ServerSettings;
  /** `server-template PREFIX …`: the PREFIX (config/keywords/server-template.ts). */
  readonly template?: string;
  /** Filled after parsing by config/server-tls-resolve.ts: the resolved TLS of traffic and checks. */
  tls?: { readonly traffic?: ServerTlsConfig; readonly check?: CheckTlsConfig };
}

export interface BindDraft {
  readonly source: SourceRef;
  /** Host as written ('' or '*' already mapped to 0.0.0.0); '' for a UNIX socket. */
  readonly host: string;
  /** 0 for a UNIX socket. */
  readonly port: number;
  /** A UNIX socket bind: the path as written (unix-bind's prefix is added at build) and its file's mode/owner. */
  readonly unix?: { readonly path: string; readonly mode?: number; readonly uid?: number; readonly gid?: number };
  /** `backlog N` (N > 0). */
  readonly backlog?: number;
  readonly acceptProxy: boolean;
  /** `name`: the listener's name in connection error lines. */
  readonly name?: string;
  /** `ssl` with its loaded certificates (config/keywords/bind-ssl.ts). */
  readonly tls?: BindTls;
  /** The address word of the bind line, for "invalid address: 'x' in 'x:80'" and logs. */
  readonly spec: string;
  readonly text: string;
}

/** A LogLineConfig while its section is parsed: no kind means no traffic line. */
export interface LogLineDraft {
  kind: LogLineConfig['kind'] | undefined;
  /** The `log-format` string when kind is 'log-format' (the named ones are built from their definitions). */
  format: LogFormatSpec | undefined;
  sd?: LogFormatSpec;
  errorFormat?: LogFormatSpec;
  captureRequest: CaptureSpec[];
  captureResponse: CaptureSpec[];
  captureCookie?: CaptureSpec;
  uniqueId?: LogFormatSpec;
  uniqueIdHeader?: string;
  /** Where the `log-format` and `unique-id-format` lines are: a TCP proxy's HTTP-only variable is an error there. */
  formatAt?: SourceRef;
  uniqueIdAt?: SourceRef;
  /** Where `log-format-sd` and `error-log-format` are (the same error there). */
  sdAt?: SourceRef;
  errorFormatAt?: SourceRef;
}

/** A `log` line: `log global` is kept as a reference and resolved against the global section at build time. */
export type LogDraft = { readonly kind: 'global'; readonly source: SourceRef } | { readonly kind: 'target'; readonly target: LogTarget };

export interface NamedRef {
  readonly name: string;
  readonly source: SourceRef;
}

export interface ProxyDraft {
  kind: SectionKind;
  name: string;
  source: SourceRef;
  mode: ProxyMode;
  modeSource: SourceRef | undefined;
  maxconn: number | undefined;
  fullconn: number | undefined;
  retries: number;
  timeouts: Timeouts;
  options: ProxyOptions;
  /** The last `option httplog/tcplog` line and the section it was written in ("overrides previous" warning). */
  logOption: { text: string; section: SourceRef; at: SourceRef } | undefined;
  /** The traffic log line's format and captures (config/keywords/log-line.ts), built into FrontendConfig.logLine. */
  logLine: LogLineDraft;
  balance: { algorithm: string; args: BalanceArgs; source: SourceRef } | undefined;
  hashType: HashTypeConfig;
  logs: LogDraft[];
  /** `log-tag` (inherited from defaults, §4.2). */
  logTag: string | undefined;
  defaultBackend: NamedRef | undefined;
  /** Static use_backend names, for the reference checks of validate.ts. */
  useBackends: NamedRef[];
  /** Every use_backend rule, in order (static or dynamic name, condition). */
  backendRules: UseBackendRule[];
  binds: BindDraft[];
  servers: ServerDraft[];
  defaultServer: ServerSettings;
  /** The last check-type option (`option tcp-check`, `option httpchk`, ...); undefined: plain connect checks. */
  checkOption: { name: string; source: SourceRef } | undefined;
  tcpCheckRules: TcpCheckRule[];
  /** True while the rules are the ones copied from defaults: the proxy's first `tcp-check` line replaces them. */
  tcpCheckInherited: boolean;
  disabled: boolean;
  description: string | undefined;
  /** `stats` lines written in this very section (not inherited): decides statsOnly. */
  statsLines: SourceRef[];
  /** The stats page settings (own or inherited from defaults, §4.2 `stats *`); undefined: no stats line applies. */
  stats: StatsDraft | undefined;
  /** `http-request use-service` lines of this very section (never inherited: HAProxy has no use-service in defaults). */
  services: (ServiceRule & { readonly source: SourceRef })[];
  /** `acl` lines of this very section by name, in order (§7: several lines with one name are OR'ed). */
  acls: Map<string, AclTestSpec[]>;
  /** `http-request` / `http-response` header rules orcalb applies, in order (defaults' rules first). */
  httpRequestRules: HeaderRule[];
  httpResponseRules: HeaderRule[];
  /**
   * The rule program's lists (core/forward/http-rules/): http-request, http-response, http-after-response, the
   * legacy `redirect` rules, `monitor-uri` and its `monitor fail` conditions; conditions bound at build time.
   */
  httpRuleSpecs: HttpRuleDrafts;
  /** Every `http-request` / `http-response` line, implemented or not (HAProxy's "rules ignored" warnings). */
  httpRuleLines: { request: number; response: number };
  /** `errorfile CODE FILE`: status → the file's content. */
  errorfiles: Record<number, string>;
  cookie: CookieConfig | undefined;
  /** `retry-on` keywords (HAProxy's default: conn-failure). */
  retryOn: string[];
  /** `option httpchk` and the `http-check` rules (config/keywords/http-check.ts). */
  httpCheck: HttpCheckDraft;
  /** `option dolphindb-check` settings (orcalb's own check). */
  dolphindbCheck: DolphinDbCheckConfig | undefined;
  /** `stick-table`, `stick …` and `track-sc*` rules (config/keywords/stick-draft.ts). */
  stick: StickDraft;
  /** `tcp-request connection|session|content` rules other than track-sc*, in order (defaults' first). */
  tcpRules: TcpRule[];
  /** `tcp-request inspect-delay`, ms. */
  inspectDelay: number | undefined;
}

/** A proxy's rule program lists while its section is parsed (see ProxyDraft.httpRuleSpecs). */
export interface HttpRuleDrafts {
  request: HttpRuleSpec[];
  response: HttpRuleSpec[];
  after: HttpRuleSpec[];
  /** Legacy `redirect` rules: HAProxy runs them after the http-request rules, whatever the line order. */
  redirects: HttpRuleSpec[];
  monitorUri: string | undefined;
  monitorFail: ConditionSpec[];
}

/** The lists with every condition bound to `acls` (the section that wrote them). */
export function bindRuleDrafts(d: HttpRuleDrafts, acls: ReadonlyMap<string, readonly AclTestSpec[]>): HttpRuleDrafts {
  const bind = <R extends { readonly condition?: ConditionSpec }>(r: R): R =>
    r.condition === undefined ? r : { ...r, condition: bindCondition(r.condition, acls) };
  return {
    request: d.request.map(bind),
    response: d.response.map(bind),
    after: d.after.map(bind),
    redirects: d.redirects.map(bind),
    monitorUri: d.monitorUri,
    monitorFail: d.monitorFail.map((c) => bindCondition(c, acls)),
  };
}

/** What every proxy keyword handler receives: the section being built, the line, and the collector. */
export interface ProxyLineContext {
  readonly proxy: ProxyDraft;
  readonly line: ConfigLine;
  readonly args: readonly string[];
  readonly at: SourceRef;
  readonly diag: Diagnostics;
  /** The global `expose-experimental-directives` was seen before this line (HAProxy reads it in file order). */
  readonly experimental?: boolean;
  /** The global tune.bufsize as read so far (HAProxy sizes some per-request work by it). */
  readonly bufsize?: number;
  /** The global TLS words read so far (ssl-default-bind-*, crt-base, ca-base …): bind lines start from them. */
  readonly globalTls?: GlobalTls;
}

/** A fresh section with HAProxy's built-in defaults (what a `defaults` section without `from` starts from). */
export function initialDraft(kind: SectionKind, name: string, source: SourceRef): ProxyDraft {
  return {
    kind,
    name,
    source,
    mode: DEFAULT_MODE,
    modeSource: undefined,
    maxconn: undefined,
    fullconn: undefined,
    retries: DEFAULT_RETRIES,
    timeouts: {},
    options: defaultProxyOptions(),
    logOption: undefined,
    logLine: { kind: undefined, format: undefined, captureRequest: [], captureResponse: [] },
    balance: undefined,
    hashType: { ...DEFAULT_HASH_TYPE },
    logs: [],
    logTag: undefined,
    defaultBackend: undefined,
    useBackends: [],
    backendRules: [],
    binds: [],
    servers: [],
    defaultServer: {},
    checkOption: undefined,
    tcpCheckRules: [],
    tcpCheckInherited: false,
    disabled: false,
    description: undefined,
    statsLines: [],
    stats: undefined,
    services: [],
    acls: new Map(),
    httpRequestRules: [],
    httpResponseRules: [],
    httpRuleLines: { request: 0, response: 0 },
    httpRuleSpecs: { request: [], response: [], after: [], redirects: [], monitorUri: undefined, monitorFail: [] },
    errorfiles: {},
    cookie: undefined,
    retryOn: [...DEFAULT_RETRY_ON],
    httpCheck: initialHttpCheck(),
    dolphindbCheck: undefined,
    stick: initialStickDraft(),
    tcpRules: [],
    inspectDelay: undefined,
  };
}

/**
 * A new section that takes its initial settings from `parent` (a defaults section), as §4 describes.
 * Section-local things (binds, servers, use_backend rules, stats lines, description) are never inherited.
 */
export function inheritDraft(parent: ProxyDraft, kind: SectionKind, name: string, source: SourceRef): ProxyDraft {
  const copy = structuredClone(parent);
  // A defaults section's ACLs stay its own (HAProxy: a proxy cannot name them), but the rules it passes on keep
  // evaluating them: their conditions are bound to the defaults' ACLs here.
  const bind = <R extends { readonly condition?: ConditionSpec }>(r: R): R =>
    r.condition === undefined ? r : { ...r, condition: bindCondition(r.condition, parent.acls) };
  return {
    ...copy,
    kind,
    name,
    source,
    acls: new Map(),
    httpRequestRules: copy.httpRequestRules.map(bind),
    httpResponseRules: copy.httpResponseRules.map(bind),
    httpRuleSpecs: bindRuleDrafts(copy.httpRuleSpecs, parent.acls),
    tcpRules: copy.tcpRules.map(bind),
    binds: [],
    servers: [],
    useBackends: [],
    backendRules: [],
    statsLines: [],
    services: [],
    description: undefined,
    tcpCheckInherited: copy.tcpCheckRules.length > 0,
    // Like tcp-check rules, inherited http-check steps are replaced by the proxy's first own http-check line.
    httpCheck: { ...copy.httpCheck, inherited: copy.httpCheck.steps.some((s) => !s.implicit) },
    // A named defaults' track rules run first in the proxy (HAProxy's rule inheritance); tables and stick rules are
    // never in a defaults section.
    stick: { ...copy.stick, table: undefined, stickRules: [] },
  };
}

/** How HAProxy names a proxy in messages: `backend 'b'`, `frontend 'f'`, `proxy 'l'` for a listen section. */
export function proxyLabel(proxy: { readonly kind: SectionKind; readonly name: string }): string {
  return `${proxy.kind === 'listen' ? 'proxy' : proxy.kind} '${proxy.name}'`;
}

/** True when the section has HAProxy's frontend capability (frontend, listen, and defaults for presets). */
export function hasFrontendCap(kind: SectionKind): boolean {
  return kind !== 'backend';
}

/** True when the section has HAProxy's backend capability (backend, listen, and defaults for presets). */
export function hasBackendCap(kind: SectionKind): boolean {
  return kind !== 'frontend';
}
