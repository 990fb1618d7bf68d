// The one HAProxy 2.6 configuration text that both haproxy and orcalb run in the bench (orcalb reads the same
// language): the seed configs' semantics (roundrobin, `option http-server-close`, `option forwardfor`, the seed
// timeouts) on 127.0.0.1 ports, without health checks or logging so neither adds work the other does not.

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
    '',
    'defaults',
    `    mode ${spec.mode}`,
    // The seed configs' HTTP handling: a server connection per request, the client address in X-Forwarded-For.
    ...(http ? ['    option http-server-close', '    option forwardfor'] : []),
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
    `    bind 127.0.0.1:${port}`,
    '    default_backend bench_back',
    '',
    'backend bench_back',
    '    balance roundrobin',
    ...servers,
    '',
  ].join('\n');
}
