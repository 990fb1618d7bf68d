// HAProxy 2.6's built-in defaults: the values a keyword has when neither the proxy nor a `defaults` section sets
// it. Each constant cites the section of HAProxy 2.6's doc/configuration.txt that documents it.
// Read on the main thread while the parsed configuration is turned into config/model.ts objects.

import type { BalanceArgs, HashTypeConfig, ProxyMode, ProxyOptions } from './model.js';

/** §4.2 "mode": "tcp ... This is the default mode." */
export const DEFAULT_MODE: ProxyMode = 'tcp';

/** §4.2 "retries": "If this parameter is not set, the default value is 3." */
export const DEFAULT_RETRIES = 3;

/**
 * §4.2 "balance": "set to roundrobin when no other algorithm, mode nor option have been set". Also what a bare
 * `balance` line, an algorithm orcalb does not implement and an L7 hash in a TCP backend fall back to.
 */
export const DEFAULT_BALANCE: { readonly algorithm: string; readonly args: BalanceArgs } = Object.freeze({
  algorithm: 'roundrobin',
  args: Object.freeze({ kind: 'none' }),
});

/** §4.2 "hash-type": map-based is the default method; sdbm the default function (no avalanche). */
export const DEFAULT_HASH_TYPE: HashTypeConfig = { method: 'map-based', function: 'sdbm', avalanche: false };

/**
 * §4.2 "maxconn" (proxy): "When this value is set to zero, which is the default, the global maxconn value is
 * used." orcalb resolves that at build time: frontend maxconn = own, else defaults', else global maxconn.
 */
export const DEFAULT_PROXY_MAXCONN = 0;

/** §3.2 "maxconn" (global): unset means "computed from ulimit -n"; orcalb keeps 0 = no process-wide limit. */
export const DEFAULT_GLOBAL_MAXCONN = 0;

/** §3.2 "tune.bufsize": "The default value is 16384". */
export const DEFAULT_BUFSIZE = 16384;

/** §3.1 "nbthread": at most 64 threads (MAX_THREADS in a default 2.6 build). */
export const MAX_NBTHREAD = 64;

/** §5.2 "inter": "If left unspecified, the delay defaults to 2000 ms." fastinter/downinter default to inter. */
export const DEFAULT_INTER_MS = 2000;

/** §5.2 "rise": "This value defaults to 2 if unspecified." */
export const DEFAULT_RISE = 2;

/** §5.2 "fall": "This value defaults to 3 if unspecified." */
export const DEFAULT_FALL = 3;

/** §5.2 "weight": "The default weight is 1, and the maximal value is 256." */
export const DEFAULT_WEIGHT = 1;
export const MAX_WEIGHT = 256;
/**
 * orcalb's own: spare server slots reserved in the shared buffer per backend whose algorithm takes dynamic servers
 * (`add server`, later reload and discovery). HAProxy allocates a server on demand; a SharedArrayBuffer cannot grow,
 * so the room is set aside at start. 8 covers a rolling replacement or a scale-out of a few nodes at once on the 3-20
 * server backends seen in practice, at about 250 bytes per slot plus 8 bytes per forwarder thread.
 */
export const DYNAMIC_SERVER_SLOTS = 8;

/** §5.2 "maxconn" / "maxqueue" (server): "The default value is "0" which means unlimited." */
export const DEFAULT_SERVER_MAXCONN = 0;
export const DEFAULT_SERVER_MAXQUEUE = 0;

/** §5.2 "slowstart": none unless set. */
export const DEFAULT_SLOWSTART_MS = 0;

/** §4.2 "option forwardfor": the header name when `header` is not given. */
export const DEFAULT_FORWARDFOR_HEADER = 'X-Forwarded-For';

/** §4.2 "option originalto": the header name when `header` is not given. */
export const DEFAULT_ORIGINALTO_HEADER = 'X-Original-To';

/** §4.2 "retry-on": "The default is "conn-failure"." */
export const DEFAULT_RETRY_ON: readonly string[] = ['conn-failure'];

/** §4.2 "option httpchk": method OPTIONS, URI "/", version HTTP/1.0 when not given. */
export const DEFAULT_HTTPCHK_METHOD = 'OPTIONS';
export const DEFAULT_HTTPCHK_URI = '/';
export const DEFAULT_HTTPCHK_VERSION = 'HTTP/1.0';

/** orcalb's `option dolphindb-check`: the script run when `script` is not given. */
export const DEFAULT_DOLPHINDB_CHECK_SCRIPT = 'version()';

/** §4.2: every `option` orcalb models is off unless set (none of them is on by default in 2.6). */
export function defaultProxyOptions(): ProxyOptions {
  return {
    redispatch: false,
    allbackups: false,
    dontlognull: false,
    tcplog: false,
    httplog: false,
    httpServerClose: false,
    httpKeepAlive: false,
    httpClose: false,
  };
}

/** `stats timeout` (§3.1): an idle runtime API client is cut after 10 s, as HAProxy 2.6. */
export const DEFAULT_STATS_TIMEOUT_MS = 10_000;
/** `stats maxconn` (§3.1): 10 runtime API connections at once, as HAProxy 2.6. */
export const DEFAULT_STATS_MAXCONN = 10;
/** §8.2.2 "option tcplog" as a log-format. */
export const TCPLOG_FORMAT = '%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq';
/** §8.2.3 "option httplog". */
export const HTTPLOG_FORMAT =
  '%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r';
/** §8.2.3 "option httplog clf" (the Common Log Format with HAProxy's fields after it). */
export const CLF_FORMAT =
  '%{+Q}o %{-Q}ci - - [%trg] %r %ST %B "" "" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl';
