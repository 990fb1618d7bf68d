// The typed configuration the engine consumes: what config/ produces from haproxy.cfg text.
// Mirrors HAProxy 2.6's proxy model (a `listen` section yields one frontend and one backend of the same name).
// Built on the main thread; sent to every worker thread by structured clone, so it holds plain data only.

/** The URI normalizers of HAProxy 2.6's `http-request normalize-uri` (§4.2). */
export type NormalizerName =
  | 'fragment-encode'
  | 'fragment-strip'
  | 'path-merge-slashes'
  | 'path-strip-dot'
  | 'path-strip-dotdot'
  | 'percent-decode-unreserved'
  | 'percent-to-uppercase'
  | 'query-sort-by-name';

/** Where a keyword came from, for error messages and logs. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

/**
 * An IP network (`<address>[/mask]`), parsed once at load by core/net/network.ts. `bytes` holds 4 (IPv4) or 16
 * (IPv6) bytes with the bits past `prefix` cleared; a Uint8Array survives the structured clone to every thread.
 */
export interface IpNetwork {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

export type ProxyMode = 'tcp' | 'http';

/** All durations are milliseconds; `undefined` means "not set" (HAProxy: infinite / default applies). */
export interface Timeouts {
  connect?: number;
  client?: number;
  server?: number;
  queue?: number;
  clientFin?: number;
  serverFin?: number;
  tunnel?: number;
  check?: number;
  httpRequest?: number;
  httpKeepAlive?: number;
  /** `timeout tarpit`: how long a tarpitted request is held (unset: `timeout connect`, as HAProxy does). */
  tarpit?: number;
}

/** `log ... format <f>` (§3.1 "log"): the header a target's lines carry (core/log/syslog-header.ts builds it). */
export type LogHeaderFormat = 'local' | 'rfc3164' | 'rfc5424' | 'priority' | 'short' | 'timed' | 'iso' | 'raw';

/** `log ... sample <ranges>:<size>`: of every `size` lines, the ones whose 1-based index is in a range are sent. */
export interface LogSample {
  readonly size: number;
  /** Inclusive [low, high] pairs, 1-based. */
  readonly ranges: readonly (readonly [number, number])[];
}

export interface LogTarget {
  /** 'global' is resolved by the parser into the global targets; here only real targets remain. */
  readonly address: string;
  readonly facility: string;
  readonly level?: string;
  /** `minlevel`: a more severe line is sent at this level. */
  readonly minLevel?: string;
  /** `len`: the most bytes of a line, header and trailing LF included (HAProxy's default 1024). */
  readonly len?: number;
  /** `format`; absent: HAProxy's default (rfc3164, host name only with log-send-hostname). */
  readonly format?: LogHeaderFormat;
  readonly sample?: LogSample;
}

export interface GlobalConfig {
  readonly source: SourceRef;
  /** Process-wide connection limit (HAProxy `maxconn` in global). 0 means not set. */
  maxconn: number;
  /** `nbthread`: default forwarder count when --threads is absent. */
  nbthread?: number;
  user?: string;
  group?: string;
  /** uid/gid resolved from /etc/passwd and /etc/group at parse time (errors if unknown). */
  uid?: number;
  gid?: number;
  /** `hard-stop-after`: ms after a stop signal when live connections are cut. */
  hardStopAfter?: number;
  log: LogTarget[];
  /** `log-tag`: the syslog tag of every line (HAProxy's default: the program name, "haproxy"). */
  logTag?: string;
  /** `log-send-hostname [name]`: the host name put in rfc3164/rfc5424 headers (no name: the system's). */
  logSendHostname?: string;
  daemon: boolean;
  /** `pidfile` (§3.1): where the PID is written once ready (the command line's -p wins). */
  pidfile?: string;
  /** `quiet` (§3.3): only alerts on stderr during start (-V overrides it). */
  quiet?: boolean;
  /** `master-worker` (§3.1, as -W): orcalb stays one process; SIGHUP then reloads as SIGUSR2 (workers/main-thread.ts). */
  masterWorker?: boolean;
  /** `localpeer` (§3.1): this process's name in the `peers` sections (`-L` wins; default: the host name). */
  localPeer?: string;
  /** `tune.bufsize` (bytes), default 16384. */
  bufsize: number;
  /** `zero-warning` (§3.1): any configuration warning refuses the start (config/load-config.ts). */
  zeroWarning?: boolean;
  /** `expose-experimental-directives`: lets `http-request normalize-uri` through, as in HAProxy 2.6. */
  exposeExperimental?: boolean;
  /** `ulimit-n`: the RLIMIT_NOFILE soft limit to set at start (core/fd-limit.ts). */
  ulimitN?: number;
  /** `fd-hard-limit`: the highest fd limit orcalb may raise to or derive maxconn from. */
  fdHardLimit?: number;
  /** `unix-bind`: defaults for every UNIX socket bind (prefix added to the path, mode, owner). */
  unixBind?: UnixBindDefaults;
  /** `stats socket` lines (the runtime API, core/cli/), in config order. */
  statsSockets: StatsSocketConfig[];
  /** `stats timeout`: a CLI client idle this long is cut (default 10 s). */
  statsTimeoutMs: number;
  /** `stats maxconn`: CLI connections served at once (default 10); more wait until one closes. */
  statsMaxconn: number;
  /** The global TLS words (config/keywords/tls-global.ts); absent when the section has none. */
  tls?: GlobalTls;
}

/**
 * `global`'s TLS defaults (§3.1, §3.2). bindDefaults / serverDefaults are drafts every `bind … ssl` / `server … ssl`
 * line starts from (newTlsDraft(from)), so a line overrides the global words it repeats; version-range errors are
 * reported on those lines, as HAProxy does (it accepts any range in `global` alone).
 */
export interface GlobalTls {
  /** `ssl-default-bind-options` (version words, no-tls-tickets), `-ciphers`, `-ciphersuites`, `-curves`. */
  bindDefaults: TlsDraft;
  /** `prefer-client-ciphers` in `ssl-default-bind-options`. */
  preferClientCiphers: boolean;
  /** `ssl-default-server-options` (version words, no-tls-tickets), `-ciphers`, `-ciphersuites`. */
  serverDefaults: TlsDraft;
  /** `ssl-server-verify`: a server line's verify when it has none (HAProxy's default: required). */
  serverVerify?: 'none' | 'required';
  /** `ca-base` / `crt-base`: directories for relative ca-file/crl-file and crt/crt-list paths. */
  caBase?: string;
  crtBase?: string;
  /** `tune.ssl.default-dh-param` (bits, ≥ 1024; HAProxy's default 2048): DHE with built-in groups. */
  defaultDhParam?: number;
  /** `ssl-dh-param-file`: the path and its DH PARAMETERS block, read at parse time. */
  dhParamFile?: string;
  dhParamPem?: string;
  /** `tune.ssl.lifetime` (seconds, default 300): how long a session (id or ticket) can be resumed. */
  lifetimeS?: number;
  /** `tune.ssl.cachesize` (sessions, default 20000; 0 disables the session-id cache). */
  cachesize?: number;
}

/** `stats socket … level`: user < operator < admin (the runtime API's access levels). */
export type StatsSocketLevel = 'user' | 'operator' | 'admin';

/** One `stats socket <path|addr:port> [options]` line (§3.1): where the runtime API listens, and at which level. */
export interface StatsSocketConfig {
  readonly source: SourceRef;
  /** Numeric IP; '' for a UNIX socket. */
  readonly address: string;
  /** 0 for a UNIX socket. */
  readonly port: number;
  readonly unix?: UnixSocketConfig;
  /** `level` (default operator, as HAProxy 2.6). */
  readonly level: StatsSocketLevel;
  /** `backlog`: listen() queue length (default: `stats maxconn`). */
  readonly backlog?: number;
  /** `maxconn` on the line: this socket's own limit, below `stats maxconn`. */
  readonly maxconn?: number;
}

/** `unix-bind [prefix P] [mode M] [user U|uid N] [group G|gid N]` (§3.1). */
export interface UnixBindDefaults {
  readonly prefix?: string;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
}

/** A UNIX stream socket bind (`bind /path` or `bind unix@path`): where, and the file's mode and owner if set. */
export interface UnixSocketConfig {
  /** The final path (global `unix-bind prefix` already prepended). */
  readonly path: string;
  /** `mode` (octal on the bind line): chmod of the socket file; unset leaves the umask's choice. */
  readonly mode?: number;
  /** `user`/`uid`, `group`/`gid`: chown of the socket file. */
  readonly uid?: number;
  readonly gid?: number;
}

export interface BindConfig {
  readonly source: SourceRef;
  /** Numeric IP (`0.0.0.0` for `*`, `::` for IPv6 any); '' for a UNIX socket. */
  readonly address: string;
  /** 0 for a UNIX socket. */
  readonly port: number;
  /** Present for a UNIX socket bind (then address and port are unused). */
  readonly unix?: UnixSocketConfig;
  /** `backlog`: the listen() queue length; unset = the frontend's maxconn, as HAProxy does. */
  readonly backlog?: number;
  /** `accept-proxy`: the client starts with a PROXY v1/v2 header. */
  readonly acceptProxy: boolean;
  /** `name`: what a connection error line names the listener by (else its number in the frontend, from 1). */
  readonly name?: string;
  /** The bind line as written (for logs). */
  readonly text: string;
  /** `ssl` with its certificates and settings (§5.1): the forwarder runs the handshake before the session. */
  readonly tls?: BindTls;
  /**
   * Set on a running Config only (config/binds-change.ts): a reload removed this bind line; its listener is closed but
   * the entry keeps its index, which the connections already handed over still read (accept-proxy, TLS).
   */
  readonly retired?: boolean;
}

/** One certificate a bind can present: the PEM text read at load (config/tls-cert-files.ts). */
export interface TlsCertificate {
  /** The file it came from (for messages). */
  readonly file: string;
  /** The leaf then its chain. */
  readonly certPem: string;
  readonly keyPem: string;
  /** Lower-case DNS names (subjectAltName DNS, subject CN) SNI matches, exact or `*.` wildcard. */
  readonly names: readonly string[];
  /** A crt-list line's SNI filters, replacing `names` when present; `!name` excludes a name. */
  readonly filters?: readonly string[];
  /** A crt-list line's `[alpn …]`: the protocols offered when this certificate is picked. */
  readonly alpn?: readonly string[];
}

/** `bind … ssl` (§5.1): what the forwarders build their TLS contexts from, once per thread. */
export interface BindTls {
  readonly settings: TlsSettings;
  /** In load order (`crt` words, then `crt-list` lines): the first is the default certificate. */
  readonly certs: readonly TlsCertificate[];
  /** `strict-sni`: no SNI or an unknown name fails the handshake instead of getting the default certificate. */
  readonly strictSni: boolean;
  /** `prefer-client-ciphers` (here or in ssl-default-bind-options): the client's cipher order wins. */
  readonly preferClientCiphers: boolean;
  /** `ca-file` / `crl-file` contents (PEM), read at load. */
  readonly caPem?: string;
  readonly crlPem?: string;
  /**
   * `ssl-dh-param-file`'s parameters for DHE; without it OpenSSL picks a built-in group to match the key (Node's
   * `dhparam: 'auto'`), so `tune.ssl.default-dh-param` is read but has no size to set.
   */
  readonly dhParamPem?: string;
  /** `tune.ssl.lifetime` (seconds): how long a ticket or session id stays resumable. */
  readonly lifetimeS: number;
  /** `ca-ignore-err all` with `crt-ignore-err all`: a client certificate that fails verification is let in. */
  readonly ignoreVerifyErrors?: boolean;
}

/**
 * What the words of one line (or of a global default) said, before the range is resolved. A bind line's draft
 * starts as a copy of `ssl-default-bind-*`'s (a server's of `ssl-default-server-*`'s), so a line overrides the
 * global words it repeats, as in HAProxy.
 */
export interface TlsDraft {
  min?: TlsVersion;
  max?: TlsVersion;
  /** Versions switched off by `no-sslv3` … `no-tlsv13`. */
  disabled: TlsVersion[];
  ciphers?: string;
  ciphersuites?: string;
  curves?: string;
  ecdhe?: string;
  alpn?: string[];
  caFile?: string;
  crlFile?: string;
  verify?: TlsVerify;
  noTlsTickets: boolean;
}

/** A TLS protocol version as HAProxy spells it (`ssl-min-ver`, `ssl-max-ver`, `force-*`, `no-*`). */
export type TlsVersion = 'SSLv3' | 'TLSv1.0' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** `verify none|optional|required` (§5.1 for client certificates, §5.2 for the server's certificate). */
export type TlsVerify = 'none' | 'optional' | 'required';

/**
 * The TLS settings a bind line, a server line and global `ssl-default-bind-*` / `ssl-default-server-*` have in
 * common (config/keywords/tls-options.ts reads them; core/tls/ turns them into node:tls options). Unset fields take
 * the library's (OpenSSL's) default, except the version range, which is always resolved to HAProxy's.
 */
export interface TlsSettings {
  /** Lowest and highest version allowed, contiguous (HAProxy 2.6 defaults: TLSv1.2 up to the highest known). */
  readonly minVersion: TlsVersion;
  readonly maxVersion: TlsVersion;
  /** `ciphers`: OpenSSL cipher list for TLS ≤ 1.2. */
  readonly ciphers?: string;
  /** `ciphersuites`: TLS 1.3 suites. */
  readonly ciphersuites?: string;
  /** `curves` (and `ecdhe`, folded in as its only curve when `curves` is absent): key-exchange groups. */
  readonly curves?: string;
  /** `alpn`: protocol names in preference order. */
  readonly alpn?: readonly string[];
  /** `ca-file`, `crl-file`: absolute paths (`ca-base` applied). */
  readonly caFile?: string;
  readonly crlFile?: string;
  /** `verify`: unset means the side's default (bind: none; server: `ssl-server-verify`, required by default). */
  readonly verify?: TlsVerify;
  /** `no-tls-tickets`. */
  readonly noTlsTickets: boolean;
}

export type SendProxy = 'none' | 'v1' | 'v2';
/** `send-proxy-v2-ssl` / `send-proxy-v2-ssl-cn` (§5.2): the v2 header carries the client side's TLS facts. */
export type ProxyV2Ssl = 'ssl' | 'ssl-cn';

export interface ServerConfig {
  readonly source: SourceRef;
  readonly name: string;
  /** Numeric IP after resolution. */
  readonly address: string;
  /** The fixed port; 0 when portOffset is set. */
  readonly port: number;
  /**
   * Set when the server line gives no port, port 0, or `+N`/`-N` (§5.2 server): connections go to the port the
   * client connected to, plus this offset (0 for "same port").
   */
  readonly portOffset?: number;
  /** Static weight 0..256 (HAProxy default 1). */
  readonly weight: number;
  readonly backup: boolean;
  readonly disabled: boolean;
  /** 0 = unlimited. */
  readonly maxconn: number;
  /** 0 = unlimited queue. */
  readonly maxqueue: number;
  readonly check: boolean;
  /** Check intervals, ms: `inter` (default 2000), `fastinter` (default inter), `downinter` (default inter). */
  readonly inter: number;
  readonly fastinter: number;
  readonly downinter: number;
  readonly rise: number;
  readonly fall: number;
  /** `port` / `addr` on the server line: where checks go when not the traffic address. */
  readonly checkPort?: number;
  readonly checkAddr?: string;
  readonly sendProxy: SendProxy;
  /** The SSL TLV on the v2 header (traffic and checks), when `send-proxy-v2-ssl[-cn]` asked for it. */
  readonly proxyV2Ssl?: ProxyV2Ssl;
  /** `check-send-proxy`, or implied by send-proxy when no checkPort/checkAddr is set (HAProxy §5.2). */
  readonly checkSendProxy: boolean;
  /** ms; 0 = none. */
  readonly slowstart: number;
  /** `cookie VALUE` (L7 persistence; parsed now, used by the HTTP issue). */
  readonly cookie?: string;
  /** `ssl` (§5.2): the traffic to this server is TLS, with these settings. */
  readonly tls?: ServerTlsConfig;
  /** Health checks run over TLS (`check-ssl`, or `ssl` without `port`/`addr`), with these settings. */
  readonly checkTls?: CheckTlsConfig;
  /** Added at run time (`add server`, core/shared/server-slots.ts), not by a `server` line. */
  readonly dynamic?: boolean;
  /**
   * HAProxy's server id (puid: `show stat` sid, `show servers state` srv_id) when it is not the position + 1: a
   * dynamic server takes the lowest id no other server of its backend holds, as haproxy 2.6.12 does.
   */
  readonly id?: number;
  /**
   * Deleted at run time (`del server`): the entry stays so that the indexes of the backend's other servers (their
   * shared-buffer slots) hold; the slot is free for the next `add server`. Stats, the runtime API and the checks skip it.
   */
  readonly retired?: boolean;
  /** The host name as written when it is not an address (`show servers state` srv_fqdn; haproxy shows it so). */
  readonly fqdn?: string;
  /** `resolvers <name>`: resolved at run time through that section's nameservers (core/dolphindb/discovery-dns.ts). */
  readonly resolvers?: string;
  /** Made by `server-template PREFIX …` (config/keywords/server-template.ts): the PREFIX, which discovery fills. */
  readonly template?: string;
  /**
   * The name did not resolve at start and `init-addr none` let it start anyway: in maintenance for resolution
   * (HAProxy's RMAINT, `MAINT (resolution)`), until dolphindb-discovery or run-time DNS gives it an address.
   */
  readonly unresolved?: boolean;
}

/**
 * The TLS client side of a server line (§5.2 `ssl`, `verify`, `ca-file`, `crl-file`, `crt`, `sni`, `verifyhost`,
 * `alpn`, `ssl-min-ver`…), resolved at load: global `ssl-default-server-*` and `ssl-server-verify` applied, files read
 * (their PEM text travels with the config, so a reload reads them again). core/tls/server-tls.ts compiles it once per
 * thread.
 */
export interface ServerTlsConfig {
  /** The shared TLS words; `verify` is always set (the line's, else `ssl-server-verify`, else required). */
  readonly settings: TlsSettings;
  /** PEM text of `ca-file`; '@system-ca' stands for the system's trust store. */
  readonly ca?: string;
  readonly crl?: string;
  /** `crt`: PEM text of the client certificate and its key (from the file, or FILE.key beside it). */
  readonly cert?: string;
  readonly key?: string;
  /** `sni <expr>`: evaluated per connection on the session's fetch context. */
  readonly sni?: SampleExprSpec;
  /** `verifyhost`: the name checked when no SNI was sent. */
  readonly verifyHost?: string;
  /** TLS session reuse to the server (unless `no-ssl-reuse`). */
  readonly reuse: boolean;
}

/** TLS of a server's checks: its TLS settings, with `check-sni` and `check-alpn` (which default to none / `alpn`). */
export interface CheckTlsConfig {
  readonly tls: ServerTlsConfig;
  readonly sni?: string;
  readonly alpn?: readonly string[];
}

/** `balance` + `hash-type`. `algorithm` is a name registered in core/balance/registry.ts. */
export interface BalanceConfig {
  readonly source: SourceRef;
  readonly algorithm: string;
  /** The arguments as the algorithm's descriptor parsed them at config load: forwarders never re-parse them. */
  readonly args: BalanceArgs;
  readonly hashType: HashTypeConfig;
}

/**
 * Parsed `balance` arguments, one shape per algorithm that takes any (core/balance/<algorithm>.ts parses its own and
 * is the only reader); `none` for the others.
 */
export type BalanceArgs =
  | { readonly kind: 'none' }
  /** `uri [len <n>] [depth <n>] [whole] [path-only]`; 0 = no limit. */
  | {
      readonly kind: 'uri';
      readonly len: number;
      readonly depth: number;
      readonly whole: boolean;
      readonly pathOnly: boolean;
    }
  /** `url_param <param> [check_post]`. */
  | { readonly kind: 'url_param'; readonly param: string; readonly checkPost: boolean }
  /** `hdr(<name>) [use_domain_only]`. */
  | { readonly kind: 'hdr'; readonly header: string; readonly useDomainOnly: boolean }
  /** `random[(<draws>)]`. */
  | { readonly kind: 'random'; readonly draws: number }
  /** `dolphindb-load [<cost>]`: cost of one placed connection, load score units ×1000. */
  | { readonly kind: 'dolphindb-load'; readonly cost: number };

export interface HashTypeConfig {
  readonly method: 'map-based' | 'consistent';
  readonly function: 'sdbm' | 'djb2' | 'wt6' | 'crc32';
  readonly avalanche: boolean;
}

/** One `tcp-check` rule, in order. */
export type TcpCheckRule =
  | {
      readonly kind: 'connect';
      readonly source: SourceRef;
      readonly port?: number;
      readonly addr?: string;
      readonly sendProxy: boolean;
    }
  | { readonly kind: 'send'; readonly source: SourceRef; readonly data: Uint8Array }
  | {
      readonly kind: 'expect';
      readonly source: SourceRef;
      readonly match: 'string' | 'rstring' | 'binary';
      readonly pattern: string;
      readonly negate: boolean;
    };

/** `option httpchk [METHOD] [URI] [VERSION]` + `http-check send|expect` (HAProxy §4.2 option httpchk, http-check). */
export interface HttpCheckConfig {
  readonly method: string;
  readonly uri: string;
  readonly version: string;
  /** `http-check send hdr NAME VALUE`, in order. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: string;
  /** Undefined: any 2xx/3xx passes (HAProxy's default for httpchk). */
  readonly expect?: {
    readonly match: 'status' | 'rstatus' | 'string' | 'rstring';
    readonly pattern: string;
    readonly negate: boolean;
  };
}

/** `option dolphindb-check [user U password P] [script S]` (orcalb's own, named like mysql-check/pgsql-check). */
export interface DolphinDbCheckConfig {
  readonly user?: string;
  readonly password?: string;
  /** Default `version()`. */
  readonly script: string;
}

export interface HealthCheckConfig {
  /** 'connect': a plain L4 connect; 'tcp-check': the rule list; 'http': httpchk; 'dolphindb': dolphindb-check. */
  readonly type: 'connect' | 'tcp-check' | 'http' | 'dolphindb';
  readonly rules: readonly TcpCheckRule[];
  readonly http?: HttpCheckConfig;
  readonly dolphindb?: DolphinDbCheckConfig;
}

/** Options that matter to forwarding; names follow HAProxy's `option` keyword. */
export interface ProxyOptions {
  redispatch: boolean;
  allbackups: boolean;
  dontlognull: boolean;
  tcplog: boolean;
  httplog: boolean;
  httpServerClose: boolean;
  httpKeepAlive: boolean;
  httpClose: boolean;
  /** `option forwardfor [except NET] [header NAME] [if-none]`; the network parsed at load (core/net/network.ts). */
  forwardfor?: { readonly except?: IpNetwork; readonly header: string; readonly ifNone: boolean };
  /** `option originalto [except NET] [header NAME]` (default header X-Original-To). */
  originalto?: { readonly except?: IpNetwork; readonly header: string };
  /** `option persist`: keep a cookie-persisted client on its server even when that server is down. */
  persist?: boolean;
  /** `option dontlog-normal`, `option logasap`, `option log-separate-errors`, `option log-health-checks` (§4.2). */
  dontlogNormal?: boolean;
  logasap?: boolean;
  logSeparateErrors?: boolean;
  logHealthChecks?: boolean;
  /**
   * orcalb's `option dolphindb-inspect` (issue 16): where it was set; absent when off. mode tcp (binary API and
   * WebSocket sessions) and mode http (JSON-API transactions and WebSocket tunnels).
   */
  dolphindbInspect?: SourceRef;
  /**
   * `option dolphindb-json-affinity` (mode http): a JSON-API request naming a sessionID goes to the node that answered
   * it, kept in the backend's own `stick-table type string` (validate.ts requires it).
   */
  dolphindbJsonAffinity?: SourceRef;
  /** `option dolphindb-drain-idle`: idle sessions on a drained/MAINT server are closed between requests. */
  dolphindbDrainIdle?: SourceRef;
  /** `option dolphindb-rebalance [idle T] [max-per-sec N]`. */
  dolphindbRebalance?: { readonly source: SourceRef; readonly idleMs: number; readonly maxPerSec: number };
  /** orcalb's `dolphindb-discovery controller HOST:PORT …` (config/keywords/dolphindb-discovery.ts), backend only. */
  dolphindbDiscovery?: DolphinDbDiscoveryConfig;
}

/** Where the health thread reads a DolphinDB cluster's nodes, and which server-template slots it fills (issue 16). */
export interface DolphinDbDiscoveryConfig {
  readonly source: SourceRef;
  /** The controllers in the order they are tried (a Raft group: the leader answers, the others say `<NotLeader>`). */
  readonly controllers: readonly { readonly host: string; readonly port: number }[];
  readonly user?: string;
  readonly password?: string;
  /** Between two readings of getClusterPerf(), ms (default 2 s). */
  readonly intervalMs: number;
  /** Which nodes become servers: data nodes (mode 0), compute nodes (mode 4), or both. */
  readonly role: 'datanode' | 'computenode' | 'all';
  /** The server-template PREFIX whose slots the nodes take; absent: the backend's only template. */
  readonly template?: string;
}

/** `http-request|http-response set-header|add-header|del-header NAME [FMT] [if|unless COND]`, in order. */
export interface HeaderRule {
  readonly source: SourceRef;
  readonly action: 'set-header' | 'add-header' | 'del-header';
  readonly name: string;
  /** The value as written (a log-format string). */
  readonly value?: string;
  /** The value parsed as a log-format (core/acl/log-format.ts compiles it). */
  readonly valueFormat?: LogFormatSpec;
  /** `if`/`unless` condition; undefined: always. */
  readonly condition?: ConditionSpec;
}

// ---- The ACL language (manual §7), parsed once at load by core/acl/ into plain data every thread compiles. ----

/** One argument of a sample fetch or converter (`hdr(host,1)`, `map(file,default)`), checked and typed at load. */
export type SampleArg =
  | { readonly kind: 'str'; readonly text: string }
  | { readonly kind: 'int'; readonly value: number }
  /** A backend / frontend / userlist name, resolved when the rules are compiled. */
  | { readonly kind: 'backend' | 'frontend' | 'userlist'; readonly name: string }
  /** `srv_is_up([<backend>/]<server>)`: no backend means the proxy's own. */
  | { readonly kind: 'server'; readonly backend?: string; readonly server: string }
  /** An IPv4 or IPv6 mask as a prefix length (`24`, `255.255.255.0`, `ffff:ffff::`). */
  | { readonly kind: 'mask'; readonly prefix: number }
  /** A regex argument (`regsub`): its source and flags, compiled by every thread. */
  | { readonly kind: 'regex'; readonly source: string; readonly ignoreCase: boolean }
  /** A map file (`map(file)`): its entries as read at load, in file order. */
  | { readonly kind: 'map'; readonly file: string; readonly entries: readonly (readonly [string, string])[] }
  /** A stick table (`sc_http_req_rate(0,st)`, `src_conn_cur(st)`): the proxy that declares it, resolved at compile. */
  | { readonly kind: 'table'; readonly name: string };

/** A fetch or converter call: its keyword and its arguments. */
export interface SampleCall {
  readonly name: string;
  readonly args: readonly SampleArg[];
}

/** A sample expression (`req.hdr(host),lower,map(hosts.map)`): one fetch, then converters in order. */
export interface SampleExprSpec {
  /** The expression as written, for messages. */
  readonly text: string;
  readonly fetch: SampleCall;
  readonly converters: readonly SampleCall[];
}

/** A pattern matching method (§7.1 `-m`); `group` is http_auth_group's own (the user is in one of the groups). */
export type MatchMethod = 'found' | 'bool' | 'int' | 'ip' | 'bin' | 'len' | 'str' | 'sub' | 'reg' | 'beg' | 'end' | 'dir' | 'dom' | 'group';

/** One pattern, from the line or a `-f` file, with the `-i` flag in force where it was read. */
export interface PatternSpec {
  readonly text: string;
  readonly ignoreCase: boolean;
  /** An integer operator (`eq`, `ge`, `gt`, `le`, `lt`) written before it on the line. */
  readonly operator?: 'eq' | 'ge' | 'gt' | 'le' | 'lt';
}

/** One ACL test: `<criterion> [flags] [operator] <patterns…>`. */
export interface AclTestSpec {
  readonly source: SourceRef;
  /** The criterion as written (`hdr_beg(host)`), for messages. */
  readonly keyword: string;
  readonly expr: SampleExprSpec;
  readonly method: MatchMethod;
  readonly patterns: readonly PatternSpec[];
}

/** A named ACL: every `acl NAME …` line of the proxy, OR'ed in order. */
export interface AclSpec {
  readonly name: string;
  readonly tests: readonly AclTestSpec[];
}

/** One term of a condition: a named (or predefined) ACL or an anonymous `{ … }` one, maybe negated with `!`. */
export type ConditionTerm =
  | {
      readonly negate: boolean;
      readonly acl: string;
      /**
       * The tests of the proxy's ACL of that name, bound when the section is complete (config/keywords/acl.ts
       * bindCondition), so a rule inherited from a named defaults section keeps its own ACLs. Absent for a
       * pre-defined ACL.
       */
      readonly tests?: readonly AclTestSpec[];
    }
  | { readonly negate: boolean; readonly anonymous: AclTestSpec };

/** `if|unless <condition>` (§7.2): OR (`||`, `or`) of AND groups of terms. */
export interface ConditionSpec {
  /** `unless`. */
  readonly negate: boolean;
  /** The condition as written after if/unless. */
  readonly text: string;
  /**
   * The parsed terms (the config parser always sets them). Absent in a hand-built rule: the text is then read as
   * words naming predefined ACLs only (`TRUE`, `FALSE`, `!LOCALHOST`).
   */
  readonly terms?: readonly (readonly ConditionTerm[])[];
}

/** A log-format string (`X-%[src]-%ci`): literal text and what to evaluate, in order (§8.2.4, §7.3 `%[...]`). */
export interface LogFormatSpec {
  readonly text: string;
  readonly parts: readonly LogFormatPart[];
}

export type LogFormatPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'expr'; readonly expr: SampleExprSpec }
  /**
   * A log-format variable orcalb evaluates (core/acl/log-format.ts, core/log/log-vars.ts), with its `%{+Q,+X,+E}`
   * options as LOG_OPT bits (0: none; a `%{-Q}` clears the proxy's default quoting).
   */
  | { readonly kind: 'var'; readonly name: string; readonly options?: number }
  /** A run of spaces: HAProxy's separator, written once and never twice in a row nor after an empty field. */
  | { readonly kind: 'sep' };

/** `capture request|response header NAME len N`, `capture cookie NAME len N` (§4.2, §8.8). */
export interface CaptureSpec {
  readonly name: string;
  readonly len: number;
}

/**
 * A frontend's traffic log line (§8.2): `option tcplog`, `option httplog [clf]`, or `log-format`, resolved to one
 * log-format (HAProxy's own definitions of the named ones); what it captures; the options that choose what is logged.
 */
export interface LogLineConfig {
  readonly kind: 'tcplog' | 'httplog' | 'clf' | 'log-format';
  readonly format: LogFormatSpec;
  /** `log-format-sd`: the RFC 5424 structured-data part. */
  readonly sd?: LogFormatSpec;
  /** `error-log-format`: the line of a request that failed before it was complete. */
  readonly errorFormat?: LogFormatSpec;
  readonly captureRequest: readonly CaptureSpec[];
  readonly captureResponse: readonly CaptureSpec[];
  readonly captureCookie?: CaptureSpec;
}

/** `unique-id-format FMT` (§4.2) of a frontend, and `unique-id-header NAME` (the request header it is added as). */
export interface UniqueIdConfig {
  readonly format: LogFormatSpec;
  readonly header?: string;
}

/** `userlist` (§3.4): users with a password (crypt hash or clear text) and groups. */
export interface UserlistConfig {
  readonly source: SourceRef;
  readonly name: string;
  readonly users: readonly UserlistUser[];
  readonly groups: readonly string[];
}

export interface UserlistUser {
  readonly name: string;
  /** `password <hash>`: a crypt(3) hash; `insecure-password <text>`: the text. */
  readonly password: { readonly kind: 'hash' | 'clear'; readonly value: string };
  /** Groups the user belongs to (from `user … groups` and `group … users`). */
  readonly groups: readonly string[];
}

/** `use_backend <name|log-format> [if|unless <cond>]` (§4.2), in order. */
export interface UseBackendRule {
  readonly source: SourceRef;
  /** A backend name, or a log-format that yields one at run time. */
  readonly backend: { readonly kind: 'name'; readonly name: string } | { readonly kind: 'dynamic'; readonly format: LogFormatSpec };
  readonly condition?: ConditionSpec;
}

// ---- The HTTP rule program (manual §4.2 http-request, http-response, http-after-response, redirect, monitor),
// parsed at load into one ordered list per stage; core/forward/http-rules/ compiles and runs it. ----

/** What every rule of a stage carries: where it was written and its `if`/`unless` condition (undefined: always). */
interface HttpRuleBase {
  readonly source: SourceRef;
  readonly condition?: ConditionSpec;
}

/** A regex argument of the replace-* actions (PCRE syntax, compiled by core/acl/match-regex.ts). */
export interface RuleRegexSpec {
  readonly source: string;
}

/**
 * The answer of deny, tarpit and return (§4.2 "http-request return"): `default` is the proxy's error page for the
 * status (its errorfile, else HAProxy's built-in page), `errorfile` a file sent as it is, `static` a body with its
 * content type (string or file), `log-format` a body evaluated per request (lf-string, lf-file).
 */
export type HttpReplySpec = {
  readonly status: number;
  /** `hdr <name> <fmt>` lines, in order (never with `default` or `errorfile`). */
  readonly headers: readonly { readonly name: string; readonly value: LogFormatSpec }[];
} & (
  | { readonly kind: 'default' }
  /** `errorfile F` / `errorfiles <section>`: the complete response as read at load (Latin-1 text of its bytes). */
  | { readonly kind: 'errorfile'; readonly raw: string }
  | { readonly kind: 'static'; readonly contentType?: string; readonly body: string }
  | { readonly kind: 'log-format'; readonly contentType: string; readonly body: LogFormatSpec }
);

/** `redirect location|prefix|scheme <fmt> [code N] [drop-query] [append-slash] [set-cookie N[=V]] [clear-cookie N]`. */
export interface RedirectSpec {
  readonly type: 'location' | 'prefix' | 'scheme';
  readonly target: LogFormatSpec;
  /** 301, 302 (default), 303, 307 or 308. */
  readonly code: number;
  readonly dropQuery: boolean;
  readonly appendSlash: boolean;
  /** `ignore-empty`: an empty evaluated target skips the rule (without it the redirect goes out as evaluated). */
  readonly ignoreEmpty: boolean;
  /** The Set-Cookie value to send (`NAME=V; path=/;` or `NAME; path=/; Max-Age=0;`), or undefined. */
  readonly cookie?: string;
}

/** The actions that change the connection's addresses (§4.2 http-request / tcp-request set-src…). */
export type AddressActionName = 'set-src' | 'set-src-port' | 'set-dst' | 'set-dst-port';

/** The scopes of `set-var` (core/acl/vars.ts; `proc` is refused at load). */
export type VarScopeName = 'sess' | 'txn' | 'req' | 'res' | 'check';

/** One rule of an http-request / http-response / http-after-response list (and the legacy redirect, monitor). */
export type HttpRuleSpec = HttpRuleBase &
  (
    | { readonly action: 'allow' | 'reject' | 'silent-drop' }
    | { readonly action: 'deny' | 'tarpit' | 'return'; readonly reply: HttpReplySpec }
    /** `auth [realm R]`: a 401 with `WWW-Authenticate: Basic realm="R"` (the proxy's name by default). */
    | { readonly action: 'auth'; readonly realm?: string }
    | { readonly action: 'redirect'; readonly redirect: RedirectSpec }
    | { readonly action: 'set-header' | 'add-header'; readonly name: string; readonly value: LogFormatSpec }
    | { readonly action: 'del-header'; readonly name: string; readonly method: 'str' | 'beg' | 'end' | 'sub' | 'reg' }
    | {
        readonly action: 'replace-header' | 'replace-value';
        readonly name: string;
        readonly regex: RuleRegexSpec;
        readonly replace: LogFormatSpec;
      }
    | { readonly action: 'set-path' | 'set-pathq' | 'set-query' | 'set-uri' | 'set-method'; readonly value: LogFormatSpec }
    | { readonly action: 'replace-path' | 'replace-pathq' | 'replace-uri'; readonly regex: RuleRegexSpec; readonly replace: LogFormatSpec }
    /** `normalize-uri <normalizer> [full|strict]` (2.6 experimental): `option` is the word given. */
    | {
        readonly action: 'normalize-uri';
        readonly normalizer: NormalizerName;
        readonly option: boolean;
        /** query-sort-by-name: the most parameters HAProxy sorts (tune.bufsize / 16); past it, a 500. */
        readonly paramLimit?: number;
      }
    /** `set-status N [reason R]` (responses). */
    | { readonly action: 'set-status'; readonly status: number; readonly reason?: string }
    /** `track-sc0|1|2 KEY [table T]`: the same rule as in Config's trackRules, here at its place among the others. */
    | { readonly action: 'track-sc'; readonly track: TrackRule }
    /** `sc-inc-gpc0(N)` / `sc-inc-gpc1(N)` / `sc-inc-gpc(idx,N)`. */
    | { readonly action: 'sc-inc-gpc'; readonly counter: 0 | 1 | 2; readonly index: number }
    /** `sc-set-gpt0(N) <int|expr>`. */
    | { readonly action: 'sc-set-gpt'; readonly counter: 0 | 1 | 2; readonly index: number; readonly value: number | SampleExprSpec }
    /** `set-var(<scope>.<name>) <expr>`: the expression's value, as it comes out of its converters. */
    | { readonly action: 'set-var'; readonly scope: VarScopeName; readonly name: string; readonly expr: SampleExprSpec }
    /** `set-var-fmt(<scope>.<name>) <fmt>`: the log-format's text. */
    | { readonly action: 'set-var-fmt'; readonly scope: VarScopeName; readonly name: string; readonly format: LogFormatSpec }
    | { readonly action: 'unset-var'; readonly scope: VarScopeName; readonly name: string }
    /** `set-src|set-src-port|set-dst|set-dst-port <expr>`: the connection's address or port from now on. */
    | { readonly action: AddressActionName; readonly expr: SampleExprSpec }
    /** `monitor-uri <uri>` with its `monitor fail` conditions (a 200, or a 503 when one of them holds). */
    | { readonly action: 'monitor'; readonly uri: string; readonly fail: readonly ConditionSpec[] }
  );

/** The rule lists of one proxy side, in HAProxy's order of evaluation. */
export interface HttpRuleLists {
  /**
   * `http-request` rules, then (frontend side) the legacy `redirect` rules; a frontend's `monitor-uri` comes first.
   * Absent in hand-built configs (no rule).
   */
  readonly requestRules?: readonly HttpRuleSpec[];
  readonly responseRules?: readonly HttpRuleSpec[];
  readonly afterResponseRules?: readonly HttpRuleSpec[];
}

/** HTTP-mode settings of a proxy (frontend or backend side). */
export interface HttpRules extends HttpRuleLists {
  /** The header rules core/http1/head-rewrite.ts applies today (until the sessions run requestRules/responseRules). */
  readonly request: readonly HeaderRule[];
  readonly response: readonly HeaderRule[];
  /**
   * `errorfile CODE FILE`: status → the file's content decoded as UTF-8 (a complete HTTP response, checked at
   * parse time as HAProxy does; '' for an empty file). Send it with Buffer.from(text) as is.
   */
  readonly errorfiles: Readonly<Record<number, string>>;
}

/** `cookie NAME insert|rewrite|prefix [indirect] [nocache] [postonly] [httponly] [secure] [domain D]…` (§4.2 cookie). */
export interface CookieConfig {
  readonly source: SourceRef;
  readonly name: string;
  readonly mode: 'insert' | 'rewrite' | 'prefix';
  readonly indirect: boolean;
  readonly nocache: boolean;
  readonly postonly: boolean;
  readonly httponly: boolean;
  readonly secure: boolean;
  readonly domains: readonly string[];
}

/** Key types of `stick-table type …` (§4.2 stick-table). */
export type StickKeyType = 'ip' | 'ipv6' | 'integer' | 'string' | 'binary';

/** One data type a stick table stores (`store gpc0,http_req_rate(10s)`): see core/shared/stick-layout.ts. */
export interface StickStoreConfig {
  /** A name of core/shared/stick-layout.ts STICK_DATA_TYPES (`server_name` is already read as `server_key`). */
  readonly type: string;
  /** Elements of an array type (`gpc(4)`, `gpt(2)`, `gpc_rate(2,10s)`); 1 for the others. */
  readonly count: number;
  /** The period of a rate type (`http_req_rate(10s)`), ms; 0 for the others. */
  readonly period: number;
}

/**
 * `stick-table type T [len N] size N [expire T] [nopurge] [peers P] [srvkey name|addr] [store …]` (§4.2): one per
 * proxy that declares one, named after that proxy (a listen section's table is one table).
 */
export interface StickTableConfig {
  readonly source: SourceRef;
  readonly name: string;
  readonly keyType: StickKeyType;
  /** Key bytes: 4 (ip, integer), 16 (ipv6), `len` (string: at most that many bytes compared; binary: padded). */
  readonly keyLen: number;
  /** Most entries at once; a new key past it purges the oldest unused ones, or is refused with `nopurge`. */
  readonly size: number;
  /** ms since the entry was last touched; 0: entries never expire (only purged when the table is full). */
  readonly expire: number;
  readonly nopurge: boolean;
  /** `peers` section name: the table is replicated to that section's peers (core/peers/, README "Peers"). */
  readonly peers?: string;
  readonly srvkey: 'name' | 'addr';
  /** Stored data types in the order written, duplicates dropped (HAProxy warns and ignores them). */
  readonly store: readonly StickStoreConfig[];
}

/** The rule sets a `track-sc*` action may appear in (§4.2), in the order a session runs them. */
export type TrackStage = 'tcp-request connection' | 'tcp-request session' | 'tcp-request content' | 'http-request' | 'http-response';

/** `<stage> track-sc0|1|2 <key> [table <table>] [if|unless <cond>]` (§4.2 http-request track-sc0). */
export interface TrackRule {
  readonly source: SourceRef;
  readonly stage: TrackStage;
  /**
   * Position among all the rules of its stage in this proxy (defaults' rules first), so the wiring can run it in
   * order with that stage's other actions (`http-request track-sc0 src` before `http-request deny if …`).
   */
  readonly order: number;
  readonly counter: 0 | 1 | 2;
  /** The key: a sample expression (`src`, `req.hdr(x-id),lower`) cast to the table's key type when it runs. */
  readonly key: SampleExprSpec;
  /** Index in Config.stickTables. */
  readonly table: number;
  readonly condition?: ConditionSpec;
}

/** `stick match|store-request|store-response <pattern> [table T] [if|unless cond]`; `stick on` gives match + store. */
export interface StickRule {
  readonly source: SourceRef;
  readonly kind: 'match' | 'store-request' | 'store-response';
  readonly key: SampleExprSpec;
  /** Index in Config.stickTables. */
  readonly table: number;
  readonly condition?: ConditionSpec;
}

/** The `tcp-request` rule sets (§4.2), in the order a connection meets them. */
export type TcpRuleSet = 'connection' | 'session' | 'content';

/**
 * What a `tcp-request` rule does when its condition holds (the actions orcalb runs; `track-sc*` rules are TrackRule,
 * placed among these by their `order`). `capture` is accepted and does nothing (logging only, warned at load).
 */
export type TcpAction =
  | { readonly kind: 'accept' | 'reject' | 'silent-drop' | 'expect-proxy' | 'switch-mode' | 'capture' }
  /** `sc-inc-gpc0(N)`, `sc-inc-gpc1(N)`, `sc-inc-gpc(idx,N)`: one more on scN's gpc<idx>. */
  | { readonly kind: 'sc-inc-gpc'; readonly counter: 0 | 1 | 2; readonly idx: number }
  /** `sc-set-gpt0(N) <int>`, `sc-set-gpt(idx,N) <int>`. */
  | { readonly kind: 'sc-set-gpt'; readonly counter: 0 | 1 | 2; readonly idx: number; readonly value: number }
  /** `set-src|set-src-port|set-dst|set-dst-port <expr>` (core/forward/set-address.ts). */
  | { readonly kind: AddressActionName; readonly expr: SampleExprSpec };

/** One `tcp-request connection|session|content <action> [if|unless <cond>]` line of a frontend (§4.2). */
export interface TcpRule {
  readonly source: SourceRef;
  readonly set: TcpRuleSet;
  /** Position among all the rules of its set in this proxy (track rules included, defaults' first). */
  readonly order: number;
  readonly action: TcpAction;
  readonly condition?: ConditionSpec;
}

/** `http-request use-service <name> [if|unless <cond>]` (§4.2): the only service of 2.6 is its Prometheus exporter. */
export interface ServiceRule {
  readonly service: 'prometheus-exporter';
  readonly condition?: ConditionSpec;
}

/** One `stats auth <user>:<passwd>` line (§4.2): a plain-text password, as HAProxy keeps it. */
export interface StatsUser {
  readonly user: string;
  readonly password: string;
}

/** One `stats http-request { allow | deny | auth [realm <realm>] } [if|unless <cond>]` line (§4.2). */
export interface StatsHttpRule {
  readonly action: 'allow' | 'deny' | 'auth';
  /** `auth realm <realm>`. */
  readonly realm?: string;
  readonly condition?: ConditionSpec;
}

/**
 * A proxy's stats page (§4.2 `stats *`, HAProxy's uri_auth): set by any `stats` line of the proxy or of the defaults
 * section it inherits from. Served by the stats thread (workers/stats.ts).
 */
export interface StatsConfig {
  /** `stats uri`, HAProxy's default `/haproxy?stats`: the page answers every path that starts with it. */
  readonly uri: string;
  /** `stats realm`; HAProxy's default "HAProxy Statistics" applies when users are set and no realm is. */
  readonly realm?: string;
  /** `stats auth` lines: empty = no authentication. */
  readonly users: readonly StatsUser[];
  /** `stats refresh`, ms; 0 = no refresh. */
  readonly refreshMs: number;
  readonly hideVersion: boolean;
  /** `stats scope` proxy names; empty = every proxy (`.` is this proxy). */
  readonly scopes: readonly string[];
  readonly showLegends: boolean;
  readonly showModules: boolean;
  /** `stats dashboard` (orcalb's keyword, beyond HAProxy): the live dashboard under `<uri>;dashboard`. */
  readonly dashboard: boolean;
  /** `stats show-node [name]`: '' = the global node name (the host name). Absent: not shown. */
  readonly showNode?: string;
  /** `stats show-desc [desc]`: '' = the global description. Absent: not shown. */
  readonly showDesc?: string;
  /** `stats admin if|unless <cond>` lines: the first that holds enables the admin form. */
  readonly admin: readonly ConditionSpec[];
  /** `stats http-request` lines in order. */
  readonly rules: readonly StatsHttpRule[];
}

export interface FrontendConfig {
  readonly source: SourceRef;
  readonly name: string;
  /**
   * Set on a running Config only (config/proxies-change.ts): a reload removed this proxy; the entry keeps its index
   * (its shared-buffer slot), which its sessions still read until they end. Stats, the runtime API, the checks and
   * new sessions skip it.
   */
  readonly retired?: boolean;
  /** 'listen' when it came from a listen section. */
  readonly section: 'frontend' | 'listen';
  readonly mode: ProxyMode;
  readonly binds: readonly BindConfig[];
  /** Name of the backend (for a listen section: itself). Undefined: connections are closed. */
  readonly defaultBackend?: string;
  /** Frontend maxconn (defaults' maxconn, else HAProxy's default). 0 = unlimited. */
  readonly maxconn: number;
  readonly timeouts: Timeouts;
  readonly options: ProxyOptions;
  readonly disabled: boolean;
  /** True when this proxy only serves stats (no servers, no backend switching): the stats thread serves it. */
  readonly statsOnly: boolean;
  /** The stats page settings, when any `stats` line applies to this proxy (own or inherited). */
  readonly stats?: StatsConfig;
  /** `http-request use-service` lines of a proxy orcalb answers itself (statsOnly), in order: the stats thread runs them. */
  readonly services?: readonly ServiceRule[];
  /** `log` targets with `log global` replaced by the global section's targets (added by the config parser). */
  readonly log?: readonly LogTarget[];
  /** The proxy's own or inherited `log-tag`; absent: the global one. */
  readonly logTag?: string;
  /** The traffic log line (option tcplog/httplog, log-format) and captures; absent: no per-session line. */
  readonly logLine?: LogLineConfig;
  /** `unique-id-format` / `unique-id-header`; absent: no unique id (%ID prints `-`). */
  readonly uniqueId?: UniqueIdConfig;
  /** HTTP mode rules that belong to the frontend side (applied before the backend's). */
  readonly http?: HttpRules;
  /** `use_backend` rules in order, conditions bound to the frontend's ACLs; absent when there are none. */
  readonly useBackends?: readonly UseBackendRule[];
  /** `tcp-request connection|session|content` and frontend-side `track-sc*` rules. */
  readonly trackRules?: readonly TrackRule[];
  /** The frontend's `tcp-request` rules other than track-sc*, in line order (conditions bound to its ACLs). */
  readonly tcpRules?: readonly TcpRule[];
  /** `tcp-request inspect-delay`, ms; absent: none (content rules then decide on the bytes already there). */
  readonly inspectDelay?: number;
}

export interface BackendConfig {
  readonly source: SourceRef;
  readonly name: string;
  /**
   * Set on a running Config only (config/proxies-change.ts): a reload removed this proxy; the entry keeps its index
   * (its shared-buffer slot), which its sessions still read until they end. Stats, the runtime API, the checks and
   * new sessions skip it.
   */
  readonly retired?: boolean;
  readonly section: 'backend' | 'listen';
  readonly mode: ProxyMode;
  readonly balance: BalanceConfig;
  readonly servers: readonly ServerConfig[];
  /**
   * Server slots this backend holds in the shared buffer: its `server` lines plus the spares `add server` fills
   * (config/defaults.ts DYNAMIC_SERVER_SLOTS, only when the algorithm takes dynamic servers). Fixed for the life of
   * the buffer, so every thread places the backends' slots alike whatever was added since. Absent (hand-built
   * configs): the servers' count, no spare.
   */
  readonly serverSlots?: number;
  readonly healthCheck: HealthCheckConfig;
  /** `retries` (HAProxy default 3). */
  readonly retries: number;
  readonly timeouts: Timeouts;
  readonly options: ProxyOptions;
  /** Backend `fullconn`/`maxconn` are not used by L4 forwarding; kept for stats. */
  readonly maxconn: number;
  readonly disabled: boolean;
  /** `log` targets with `log global` replaced by the global section's targets (added by the config parser). */
  readonly log?: readonly LogTarget[];
  /** The proxy's own or inherited `log-tag`; absent: the global one. */
  readonly logTag?: string;
  readonly http?: HttpRules;
  readonly cookie?: CookieConfig;
  /** `retry-on` keywords (default HAProxy: ['conn-failure']). */
  readonly retryOn?: readonly string[];
  /** Backend-side `track-sc*` rules (`http-request`/`http-response`, backend `tcp-request content`). */
  readonly trackRules?: readonly TrackRule[];
  /** A backend section's `tcp-request content` rules other than track-sc*, run once a frontend chose it. */
  readonly tcpRules?: readonly TcpRule[];
  /** A backend section's `tcp-request inspect-delay`, ms (its content rules wait that long). */
  readonly inspectDelay?: number;
  /** `stick match|on|store-request|store-response` rules, in order (not wired in dispatch yet). */
  readonly stickRules?: readonly StickRule[];
}

export interface Config {
  readonly files: readonly string[];
  readonly global: GlobalConfig;
  readonly frontends: readonly FrontendConfig[];
  readonly backends: readonly BackendConfig[];
  /** `userlist` sections (http_auth, http_auth_group); absent in hand-built configs. */
  readonly userlists?: readonly UserlistConfig[];
  /** Every `stick-table`, in config order; rules and the shared buffer refer to them by index. */
  readonly stickTables?: readonly StickTableConfig[];
  /** `resolvers` sections (config/sections/resolvers.ts); absent in hand-built configs. */
  readonly resolvers?: readonly ResolversConfig[];
  /** `peers` sections that hold the local peer and are not `disabled` (config/sections/peers.ts); absent if none. */
  readonly peers?: readonly PeersConfig[];
  /**
   * The proxy slots the shared buffer holds (core/shared/topology.ts reserveProxySlots), fixed at start: the
   * configured proxies plus the spares a reload fills. Absent in a config as read and in hand-built ones (then the
   * buffer holds the configured proxies only).
   */
  readonly proxySlots?: ProxySlots;
}

/** Shared-buffer proxy slots: how many frontend records, and each backend record's server slots, in slot order. */
export interface ProxySlots {
  readonly frontends: number;
  /** backendServerSlots[b]: the server slots backend slot b holds (its BackendConfig.serverSlots once in use). */
  readonly backendServerSlots: readonly number[];
}

/** A `resolvers <name>` section (§5.3.2): where and how servers with `resolvers <name>` are resolved at run time. */
export interface ResolversConfig {
  readonly source: SourceRef;
  readonly name: string;
  /** IPv4 nameservers asked over UDP, in order. */
  readonly nameservers: readonly { readonly name: string; readonly host: string; readonly port: number }[];
  /** `hold <status> <period>`, ms: nx, other, refused, timeout (how long a failure may last before the servers go), valid (between two resolutions after a valid one), obsolete (how long an address gone from the answers is kept). */
  readonly hold: Readonly<Record<'nx' | 'other' | 'refused' | 'timeout' | 'valid' | 'obsolete', number>>;
  readonly timeoutResolveMs: number;
  readonly timeoutRetryMs: number;
  readonly resolveRetries: number;
}

/** One `peer NAME ADDR:PORT` (or `server NAME [ADDR:PORT]`) line of a `peers` section (manual §3.5). */
export interface PeerConfig {
  readonly name: string;
  readonly source: SourceRef;
  /** Host as written ('' for the local peer declared by `server NAME` without an address). */
  readonly host: string;
  readonly port: number;
  /** True for the peer whose name is the local peer name (`-L`, `localpeer`, else the host name). */
  readonly local: boolean;
}

/** A `peers NAME` section (manual §3.5): the processes that replicate its tables with this one. */
export interface PeersConfig {
  readonly name: string;
  readonly source: SourceRef;
  /** The local peer's name in this section. */
  readonly localName: string;
  /** Where the local peer listens (its `peer` line's address, or the section's `bind`). */
  readonly listen: { readonly host: string; readonly port: number } | undefined;
  readonly peers: readonly PeerConfig[];
}
