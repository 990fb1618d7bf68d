// The one table of HAProxy 2.6 keywords orcalb knows but does not implement yet, each with its verdict: refused
// (an [ALERT]: orcalb will not start rather than run without it) or warned (a [WARNING]: running without it is
// safe). The rule, "fail closed": whatever restricts access, secures traffic or limits load to protect the
// service is refused; only logging, tuning and the like are warned. README's "Not implemented yet" table is
// checked against this one (tests/config/not-implemented-contract.test.ts). Main thread, config parsing.

export type NotImplementedVerdict = 'refused' | 'warned';

export interface NotImplementedEntry {
  /**
   * Keys as the parsers name them: `global chroot`, `option checkcache`, `http-request deny`, `bind ... ssl`,
   * `server ... ssl`. A key ending in `*` stands for every key that starts with the text before the `*`.
   */
  readonly keywords: readonly string[];
  readonly verdict: NotImplementedVerdict;
  /** For a refused group: what orcalb would fail to do. For a warned group: why running without it is safe. */
  readonly why: string;
}

/** Refused groups first, then the warned ones; within a group, HAProxy's manual order where there is one. */
export const NOT_IMPLEMENTED: readonly NotImplementedEntry[] = [
  {
    keywords: [
      'tcp-request connection *', 'tcp-request session *', 'tcp-request content *', 'tcp-response content',
      'option checkcache', 'option http-restrict-req-hdr-names',
    ],
    verdict: 'refused',
    why: 'it decides which clients, requests or responses get through',
  },
  {
    keywords: ['tcp-request rules reading what orcalb does not feed'],
    verdict: 'refused',
    why: 'it reads sticky counters, ACL files, maps or client addresses that parts orcalb does not run yet would feed, so it would decide on or pass on a wrong value',
  },
  {
    keywords: ['sample *', 'log-format *'],
    verdict: 'refused',
    why: 'orcalb does not evaluate that sample fetch, converter or log-format variable there yet, so a rule would decide on, or send, a wrong value',
  },
  {
    keywords: ['http-request use-service'],
    verdict: 'refused',
    why: 'in a proxy that also forwards traffic it answers in place of the server; orcalb would forward the request instead (a proxy without servers or backend switching runs it on the stats thread)',
  },
  {
    keywords: ['http-request, http-response or tcp-request rules in a proxy orcalb answers itself'],
    verdict: 'refused',
    why: 'the stats thread answers such a proxy (its stats page, its Prometheus exporter) and does not run these rules, so a deny or a limit would not apply',
  },
  {
    keywords: ['http-request send-spoe-group', 'http-response send-spoe-group', 'filter spoe'],
    verdict: 'refused',
    why: 'it hands traffic to an external agent for inspection, often a web application firewall',
  },
  {
    keywords: ['use-server'],
    verdict: 'refused',
    why: 'it chooses the backend or server; orcalb would send the traffic to the default one',
  },
  {
    keywords: ['server ... npn', 'server ... allow-0rtt'],
    verdict: 'refused',
    why: 'it secures traffic with TLS; orcalb would carry it in clear text',
  },
  {
    keywords: [
      'bind ... ca-verify-file', 'bind ... ca-ignore-err or crt-ignore-err but both all', 'bind ... ca-sign-file',
      'bind ... ca-sign-pass', 'bind ... generate-certificates', 'bind ... allow-0rtt', 'bind ... tls-ticket-keys',
      'bind ... ssl in a proxy orcalb answers itself',
    ],
    verdict: 'refused',
    why: 'it changes which clients the TLS handshake lets in, which certificates it presents or how sessions resume; orcalb would run it otherwise than configured (and the stats thread, which answers a stats-only proxy, has no TLS)',
  },
  {
    // What is left of issue 14's first step (every TLS keyword refused until it works): the TLS words orcalb does not
    // run yet, including those that only tune or switch a part off, so no configuration written for TLS runs
    // otherwise than configured (a global cipher policy an operator believes applies, a QUIC listener).
    keywords: [
      'global ssl-*', 'global tune.ssl.*', 'global maxsslconn',
      'global maxsslrate', 'global issuers-chain-path', 'global httpclient.ssl.*', 'global cluster-secret',
      'bind ... quic-*',
    ],
    verdict: 'refused',
    why: 'it configures a part of TLS orcalb does not do yet; it is refused so that nothing configured for TLS runs otherwise than configured or in clear text',
  },
  {
    keywords: [
      'source ... usesrc', 'server ... source ... usesrc',
    ],
    verdict: 'refused',
    why: "it tells the server who the client is; the server would see orcalb's address or no client details",
  },
  {
    keywords: ['server ... alpn h2', 'server ... check-alpn h2'],
    verdict: 'refused',
    why: 'orcalb speaks HTTP/1.1 to servers; a server that picks h2 from the offer would get bytes it cannot read (mode tcp passes h2 through)',
  },
  {
    keywords: [
      'bind ... interface', 'bind ... namespace', 'bind ... v6only', 'server ... namespace', 'server ... socks4',
    ],
    verdict: 'refused',
    why: 'it restricts which network orcalb listens on or reaches servers through',
  },
  {
    keywords: [
      'rate-limit sessions', 'bind ... maxconn', 'server ... minconn', 'global maxconnrate', 'global maxsessrate',
    ],
    verdict: 'refused',
    why: 'it is a limit that protects the service',
  },
  {
    keywords: ['http-reuse never'],
    verdict: 'refused',
    why: 'orcalb reuses idle server connections across clients, which this setting forbids',
  },
  {
    keywords: ['stats in a proxy that forwards traffic'],
    verdict: 'refused',
    why: 'orcalb serves the stats page only from a proxy that does nothing else (no servers, no default_backend, no use_backend), so the page, its authentication and its admin form would be missing',
  },
  {
    keywords: ['global chroot'],
    verdict: 'refused',
    why: 'it confines the process to a directory, which Node.js cannot do (run orcalb in a container instead)',
  },
  // ---- warned: running without these cannot let in, expose or overload anything the config protects ----
  {
    keywords: ['bind ... npn', 'bind ... no-ca-names'],
    verdict: 'warned',
    why: "TLS negotiation details only: Node's TLS has no NPN (clients negotiate the protocol with ALPN), and the certificate request still names the accepted CAs",
  },
  {
    keywords: ['global stats bind-process'],
    verdict: 'warned',
    why: 'it only chose which process serves the runtime API; orcalb has one process and its stats thread serves every stats socket',
  },
  {
    keywords: [
      'option httpslog', 'option socket-stats', 'option contstats',
      'option http-ignore-probes',
      'declare capture', 'tcp-request content capture',
      'http-request capture', 'http-response capture', 'http-request set-log-level', 'http-response set-log-level',
      'log ring@', 'email-alert *', 'http-request ot-group',
      'http-response ot-group', 'filter trace', 'filter opentracing',
      'global description', 'global node', 'mailers section', 'ring section', 'log-forward section',
      'global profiling.tasks',
    ],
    verdict: 'warned',
    why: 'logging, tracing and alerting only',
  },
  {
    keywords: [
      'http-request sc-*', 'http-response sc-*', 'http-request add-acl', 'http-request del-acl', 'http-request set-map',
      'http-request del-map', 'http-response add-acl', 'http-response del-acl', 'http-response set-map',
      'http-response del-map', 'global set-var',
    ],
    verdict: 'refused',
    why: 'variables, counters and maps feed ACL conditions, which orcalb evaluates: a rule would decide on a value that never changes',
  },
  {
    keywords: ['peers ... ssl', 'peers ... bind options'],
    verdict: 'refused',
    why: 'it secures or restricts the peers connections; orcalb would exchange the tables in clear text with anyone',
  },
  {
    keywords: ['peers ... server options'],
    verdict: 'warned',
    why: 'the peers section works without them: server options other than the address are ignored',
  },
  {
    keywords: [
      'stick in mode tcp', 'force-persist', 'ignore-persist', 'persist rdp-cookie', 'dynamic-cookie-key',
      'cookie preserve', 'cookie maxidle', 'cookie maxlife', 'cookie dynamic', 'cookie attr',
      'cookie (no insert, rewrite or prefix)', 'server ... stick', 'server ... non-stick',
    ],
    verdict: 'warned',
    why: 'persistence only: a client may land on another server of the same backend',
  },
  {
    keywords: ['balance rdp-cookie', 'balance hash', 'hash-balance-factor'],
    verdict: 'warned',
    why: 'the backend balances with roundrobin (or without the bound) among the same servers',
  },
  {
    keywords: [
      'http-check *', 'tcp-check *', 'option ssl-hello-chk', 'option mysql-check', 'option pgsql-check',
      'option redis-check', 'option smtpchk', 'option ldap-check', 'option spop-check', 'option external-check',
      'server ... agent-check', 'server ... no-agent-check', 'server ... agent-addr', 'server ... agent-inter',
      'server ... agent-port', 'server ... agent-send', 'server ... check-proto', 'server ... check-via-socks4', 'server ... track', 'server ... observe',
      'server ... on-error', 'server ... error-limit', 'server ... on-marked-down', 'server ... on-marked-up',
      'global external-check', 'global max-spread-checks', 'global spread-checks',
    ],
    verdict: 'warned',
    why: 'health checks only: they test less than HAProxy would, the traffic is unchanged',
  },
  {
    keywords: [
      'errorfiles', 'errorloc', 'errorloc302', 'errorloc303', 'http-error', 'http-errors section',
      'http-request early-hint',
    ],
    verdict: 'warned',
    why: "orcalb's own answers (monitor-uri's among them) stay HAProxy's default pages",
  },
  {
    keywords: [
      'compression', 'filter compression', 'filter cache', 'cache section', 'http-request cache-use',
      'http-response cache-store',
    ],
    verdict: 'warned',
    why: 'responses go through uncompressed and uncached',
  },
  {
    keywords: ['dispatch', 'use-fcgi-app', 'filter fcgi-app', 'fcgi-app section'],
    verdict: 'warned',
    why: 'the backend gets no server from it (or one that does not speak HTTP), so nothing is forwarded there',
  },
  {
    keywords: [
      'program section', 'global lua-*', 'global 51degrees-*', 'global deviceatlas-*',
      'global wurfl-*', 'global httpclient.resolvers.*', 'server ... resolve-net',
      'server ... resolve-opts', 'server ... resolve-prefer',
    ],
    verdict: 'warned',
    why: 'nothing uses it without keywords orcalb refuses or does not know (auth rules, Lua actions, device-detection fetches); resolve-* only tune which DNS answers run-time resolution takes (orcalb takes every IPv4 one)',
  },
  {
    keywords: [
      'source', 'server ... source', 'transparent', 'option transparent', 'bind ... transparent',
      'bind ... accept-netscaler-cip', 'bind ... v4v6', 'bind ... proto', 'server ... proto', 'server ... ws',
      'server ... redir', 'server ... proxy-v2-options',
    ],
    verdict: 'warned',
    why: 'the connection is made the plain way; a server that needs the missing part refuses it, nothing is opened wider',
  },
  {
    keywords: [
      'backlog', 'bind-process', 'id', 'clitcpka-cnt', 'clitcpka-idle', 'clitcpka-intvl', 'srvtcpka-cnt',
      'srvtcpka-idle', 'srvtcpka-intvl', 'http-reuse', 'http-send-name-header', 'max-keep-alive-queue',
      'max-session-srv-conns', 'load-server-state-from-file', 'server-state-file-name',
      'tcp-response inspect-delay', 'option abortonclose', 'option accept-invalid-http-request',
      'option accept-invalid-http-response', 'option clitcpka', 'option srvtcpka', 'option tcpka',
      'option disable-h2-upgrade', 'option h1-case-adjust-bogus-client', 'option h1-case-adjust-bogus-server',
      'option http-buffer-request', 'option http-no-delay', 'option http-pretend-keepalive',
      'option http-use-proxy-header', 'option idle-close-on-response', 'option independent-streams', 'option nolinger',
      'option prefer-last-server', 'option splice-auto', 'option splice-request', 'option splice-response',
      'option tcp-smart-accept', 'option tcp-smart-connect', 'http-request set-nice', 'http-request set-mark',
      'http-request set-tos', 'http-request set-priority-class', 'http-request set-priority-offset',
      'http-request set-timeout', 'http-request wait-for-body', 'http-request wait-for-handshake',
      'http-request do-resolve', 'http-request disable-l7-retry', 'http-request strict-mode', 'http-response set-nice',
      'http-response set-mark', 'http-response set-tos', 'http-response wait-for-body', 'http-response strict-mode',
      'bind ... defer-accept', 'bind ... expose-fd', 'bind ... id', 'bind ... level', 'bind ... mss',
      'bind ... nice', 'bind ... process', 'bind ... severity-output', 'bind ... shards', 'bind ... tcp-ut',
      'bind ... tfo', 'bind ... thread', 'server ... id', 'server ... log-proto', 'server ... max-reuse',
      'server ... pool-low-conn', 'server ... pool-max-conn', 'server ... pool-purge-delay', 'server ... tcp-ut',
      'server ... tfo', 'server ... no-tfo', 'global busy-polling', 'global cpu-map', 'global debug',
      'global default-path', 'global grace',
      'global h1-accept-payload-with-any-method', 'global h1-case-adjust', 'global h1-case-adjust-file',
      'global h2-workaround-bogus-websocket-clients', 'global insecure-fork-wanted', 'global insecure-setuid-wanted',
      'global maxcompcpuusage', 'global maxcomprate', 'global maxpipes',
      'global maxzlibmem', 'global mworker-max-reloads', 'global no-memory-trimming', 'global noepoll',
      'global noevports', 'global nogetaddrinfo', 'global nokqueue', 'global nopoll', 'global noreuseport',
      'global nosplice', 'global numa-cpu-mapping', 'global pp2-never-send-local',
      'global server-state-base', 'global server-state-file', 'global set-dumpable', 'global strict-limits',
      'global tune.*',
    ],
    verdict: 'warned',
    why: 'tuning only: orcalb runs with its own defaults for it',
  },
];

export interface NotImplementedVerdictFor {
  readonly verdict: NotImplementedVerdict;
  readonly why: string;
  /** False when no entry names the key: then it is refused, since nobody has judged it safe to ignore. */
  readonly classified: boolean;
}

/**
 * The verdict for `key`: an exact entry wins, else the longest `*` pattern that matches. A key no entry names is
 * refused (fail closed). Pure; never throws.
 */
export function notImplementedVerdict(key: string): NotImplementedVerdictFor {
  let best: { entry: NotImplementedEntry; length: number } | undefined;
  for (const entry of NOT_IMPLEMENTED) {
    for (const pattern of entry.keywords) {
      if (pattern === key) return { verdict: entry.verdict, why: entry.why, classified: true };
      if (!pattern.endsWith('*')) continue;
      const prefix = pattern.slice(0, -1);
      if (key.startsWith(prefix) && (best === undefined || prefix.length > best.length)) {
        best = { entry, length: prefix.length };
      }
    }
  }
  if (best !== undefined) return { verdict: best.entry.verdict, why: best.entry.why, classified: true };
  return { verdict: 'refused', why: 'no one has judged yet whether it is safe to run without it', classified: false };
}
