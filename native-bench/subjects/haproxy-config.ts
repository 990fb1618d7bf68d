// The one HAProxy 2.6 configuration text that both haproxy and orcalb run in the bench (orcalb reads the same
// language): the seed configs' semantics (roundrobin, `option forwardfor`, the seed timeouts) on 127.0.0.1 ports in
// HAProxy's default HTTP mode, keep-alive on both sides with idle server connections reused (`http-reuse safe`),
// the mode issue 10's L7 figures are measured in (the seed HTTP config's `option http-server-close` would make a
// server connection per request: the L7 close scenario covers that path). No health checks, and no logging unless a
// scenario adds it to both (l7-httplog), so that neither adds work the other does not.

import type { ProxySpec } from './subject.js';

/**
 * Renders the config for spec with the frontend on 127.0.0.1:port. `nbthread` carries the thread count (orcalb
 * also gets --threads). Pure.
 */
export function haproxyConfigText(spec: ProxySpec, port: number): string {
  const http = spec.mode === 'http';
  const proxyHeader = spec.sendProxy === true && !http ? ' send-proxy' : '';
  const servers = spec.servers.map((p, i) => `    server node${i + 1} 127.0.0.1:${p}${proxyHeader}`);
  return [
    'global',
    `    nbthread ${spec.threads}`,
    `    maxconn ${spec.maxconn}`,
    ...(spec.globalLines ?? []).map((l) => `    ${l}`),
    '',
    'defaults',
    `    mode ${spec.mode}`,
    // The client address in X-Forwarded-For, as the seed configs; connections kept alive (HAProxy's default mode).
    ...(http ? ['    option forwardfor'] : []),
    '    option redispatch',
    '    retries 3',
    '    timeout http-request 10s',
    '    timeout queue 1m',
    '    timeout connect 10s',
    '    timeout client 1h',
    '    timeout server 1h',
    '    timeout http-keep-alive 10s',
    `    maxconn ${spec.maxconn}`,
    '',
    'frontend bench_front',
    `    bind 127.0.0.1:${port}${spec.bindWords === undefined ? '' : ` ${spec.bindWords}`}`,
    ...(spec.frontendLines ?? []).map((l) => `    ${l}`),
    '    default_backend bench_back',
    '',
    'backend bench_back',
    '    balance roundrobin',
    ...(spec.backendLines ?? []).map((l) => `    ${l}`),
    ...servers,
    '',
  ].join('\n');
}
