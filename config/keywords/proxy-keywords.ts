// Every keyword HAProxy 2.6 accepts in defaults/frontend/listen/backend sections, with where it may appear:
// the manual's §4.1 keyword matrix plus the §4.2 entries the matrix omits. A keyword found here is "known" (used
// or warned about); anything else is an unknown-keyword error with a suggestion. Main thread, config parsing.

/**
 * Where a keyword may appear, as three characters: defaults column ('X' yes, '!' named defaults only, '-' no),
 * frontend capability ('X'/'-'), backend capability ('X'/'-'). A listen section has both capabilities.
 */
export type Capabilities = `${'X' | '!' | '-'}${'X' | '-'}${'X' | '-'}`;

/** Keywords that take a second word naming the sub-keyword (`timeout connect`, `stats enable`, ...). */
export const TWO_WORD_KEYWORDS: ReadonlySet<string> = new Set([
  'capture', 'declare', 'email-alert', 'external-check', 'http-check', 'monitor', 'persist', 'rate-limit',
  'stats', 'stick', 'tcp-check', 'tcp-request', 'tcp-response', 'timeout',
]);

/** §4.1 + §4.2. `option` and `timeout` sub-keywords live in keywords/option.ts and keywords/timeout.ts. */
export const PROXY_KEYWORDS: Readonly<Record<string, Capabilities>> = {
  acl: '!XX',
  backlog: 'XX-',
  balance: 'X-X',
  bind: '-X-',
  'bind-process': 'XXX',
  'capture cookie': '-X-',
  'capture request': '-X-',
  'capture response': '-X-',
  'clitcpka-cnt': 'XX-',
  'clitcpka-idle': 'XX-',
  'clitcpka-intvl': 'XX-',
  compression: 'XXX',
  cookie: 'X-X',
  'declare capture': '-X-',
  'default-server': 'X-X',
  default_backend: 'XX-',
  description: '-XX',
  disabled: 'XXX',
  dispatch: '--X',
  'dynamic-cookie-key': 'X-X',
  'email-alert from': 'XXX',
  'email-alert level': 'XXX',
  'email-alert mailers': 'XXX',
  'email-alert myhostname': 'XXX',
  'email-alert to': 'XXX',
  enabled: 'XXX',
  errorfile: 'XXX',
  errorfiles: 'XXX',
  errorloc: 'XXX',
  errorloc302: 'XXX',
  errorloc303: 'XXX',
  'error-log-format': 'XX-',
  'force-persist': '--X',
  filter: '-XX',
  fullconn: 'X-X',
  'hash-balance-factor': 'X-X',
  'hash-type': 'X-X',
  'http-after-response': '!XX',
  'http-check comment': 'X-X',
  'http-check connect': 'X-X',
  'http-check disable-on-404': 'X-X',
  'http-check expect': 'X-X',
  'http-check send': 'X-X',
  'http-check send-state': 'X-X',
  'http-check set-var': 'X-X',
  'http-check set-var-fmt': 'X-X',
  'http-check unset-var': 'X-X',
  'http-error': 'XXX',
  'http-request': '!XX',
  'http-response': '!XX',
  'http-reuse': 'X-X',
  'http-send-name-header': 'X-X',
  id: '-XX',
  'ignore-persist': '--X',
  'load-server-state-from-file': 'X-X',
  log: 'XXX',
  'log-format': 'XX-',
  'log-format-sd': 'XX-',
  'log-tag': 'XXX',
  'max-keep-alive-queue': 'X-X',
  'max-session-srv-conns': 'XX-',
  maxconn: 'XX-',
  mode: 'XXX',
  'monitor fail': '-X-',
  'monitor-uri': 'XX-',
  option: 'XXX',
  'persist rdp-cookie': 'X-X',
  'rate-limit sessions': 'XX-',
  redirect: '-XX',
  retries: 'X-X',
  'retry-on': 'X-X',
  server: '--X',
  'server-state-file-name': 'X-X',
  'server-template': '--X',
  source: 'X-X',
  'srvtcpka-cnt': 'X-X',
  'srvtcpka-idle': 'X-X',
  'srvtcpka-intvl': 'X-X',
  'stats admin': '-XX',
  'stats auth': 'XXX',
  'stats enable': 'XXX',
  'stats hide-version': 'XXX',
  'stats http-request': '-XX',
  'stats realm': 'XXX',
  'stats refresh': 'XXX',
  'stats scope': 'XXX',
  'stats show-desc': 'XXX',
  'stats show-legends': 'XXX',
  'stats show-modules': 'XXX',
  'stats show-node': 'XXX',
  'stats uri': 'XXX',
  'stick match': '--X',
  'stick on': '--X',
  'stick store-request': '--X',
  'stick store-response': '--X',
  'stick-table': '-XX',
  'tcp-check comment': 'X-X',
  'tcp-check connect': 'X-X',
  'tcp-check expect': 'X-X',
  'tcp-check send': 'X-X',
  'tcp-check send-lf': 'X-X',
  'tcp-check send-binary': 'X-X',
  'tcp-check send-binary-lf': 'X-X',
  'tcp-check set-var': 'X-X',
  'tcp-check set-var-fmt': 'X-X',
  'tcp-check unset-var': 'X-X',
  'tcp-request connection': '!X-',
  'tcp-request content': '!XX',
  'tcp-request inspect-delay': '!XX',
  'tcp-request session': '!X-',
  'tcp-response content': '!-X',
  'tcp-response inspect-delay': '!-X',
  timeout: 'XXX',
  transparent: 'X-X',
  'unique-id-format': 'XX-',
  'unique-id-header': 'XX-',
  use_backend: '-X-',
  'use-fcgi-app': '--X',
  'use-server': '--X',
  // orcalb's own (issue 16): the backend's servers read from a DolphinDB controller.
  'dolphindb-discovery': '--X',
  // Removed in HAProxy 2.1; orcalb still reads them (with a "deprecated" warning) so old files keep working.
  contimeout: 'X-X',
  clitimeout: 'XX-',
  srvtimeout: 'X-X',
};

/** First words of every proxy keyword: the candidates for "did you mean" suggestions. */
export const PROXY_FIRST_WORDS: readonly string[] = [
  ...new Set(Object.keys(PROXY_KEYWORDS).map((k) => k.split(' ')[0] ?? k)),
];

export interface KeywordMatch {
  /** The table key matched: one word, or two for TWO_WORD_KEYWORDS (`set-var(x)` reads as `set-var`). */
  readonly key: string;
  readonly caps: Capabilities;
}

/**
 * Finds the table entry for a line's words. For a two-word family whose second word is unknown, returns the
 * family with `caps` of the family's first entry, so the family's own handler can report the bad sub-keyword.
 * Returns undefined for an unknown first word. Pure.
 */
export function matchProxyKeyword(args: readonly string[]): KeywordMatch | undefined {
  const first = args[0] ?? '';
  if (!TWO_WORD_KEYWORDS.has(first)) {
    const caps = PROXY_KEYWORDS[first];
    return caps === undefined ? undefined : { key: first, caps };
  }
  // `tcp-check set-var(check.x) ...`: the matrix names the action without its parenthesised argument.
  const second = (args[1] ?? '').replace(/\(.*$/, '');
  const key = `${first} ${second}`;
  const caps = PROXY_KEYWORDS[key] ?? PROXY_KEYWORDS[first];
  if (caps !== undefined) return { key: PROXY_KEYWORDS[key] === undefined ? first : key, caps };
  const family = Object.keys(PROXY_KEYWORDS).find((k) => k.startsWith(`${first} `));
  return family === undefined ? undefined : { key: first, caps: PROXY_KEYWORDS[family] ?? 'XXX' };
}
