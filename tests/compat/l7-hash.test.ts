// `balance uri|url_param|hdr(name)` side by side with the real HAProxy 2.6: the same requests go through haproxy
// (mode http, backends that name themselves) and through the key extractor the HTTP forwarder builds
// (requestKeyExtractor) + our balancer; each request must reach the
// server haproxy sent it to, for map-based and consistent hashing, and key-less requests must go round robin alike.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { HashTypeConfig } from '../../config/model.js';
import { createBalancer, requestKeyExtractor } from '../../core/balance/registry.js';
import type { RequestHead } from '../../core/http1/parser.js';
import { balanceConfig, buildTestBackend } from '../support/backend-view.js';
import { freeTcpPort, startHaproxy, type HaproxyProcess } from '../support/haproxy-process.js';
import { rawHttpRequest, startTaggedHttpFarm, type TaggedHttpFarm } from '../support/http-tagged-backends.js';

const NAMES = ['s0', 's1', 's2', 's3'] as const;
const MAP: HashTypeConfig = { method: 'map-based', function: 'sdbm', avalanche: false };
const CONSISTENT: HashTypeConfig = { method: 'consistent', function: 'sdbm', avalanche: true };

interface Scenario {
  readonly name: string;
  /** The `balance` line's words after `balance`, as written (config load's parser reads them for orcalb). */
  readonly balanceLine: string;
  readonly hashTypeLine: string;
  readonly hashType: HashTypeConfig;
  readonly weights: readonly number[];
  /** One request each: target and extra header lines. */
  readonly requests: readonly { readonly target: string; readonly headers?: readonly (readonly [string, string])[] }[];
}

const paths = Array.from({ length: 24 }, (_, i) => `/app/v${i % 3}/item${i * 13}/detail.html?page=${i}`);
const users = Array.from({ length: 24 }, (_, i) => `/login?lang=en&user=u${i * 101}&x=1`);
const hosts = ['www.orca.io', 'api.dolphindb.com', 'a.b.example.org', 'localhost', 'example.com.', '.com', 'x..y', 'db.io'];

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'uri, map-based sdbm, weights 1,1,1,1', balanceLine: 'uri',
    hashTypeLine: 'map-based sdbm', hashType: MAP, weights: [1, 1, 1, 1], requests: paths.map((target) => ({ target })),
  },
  {
    name: 'uri whole len 20, map-based djb2, weights 3,2,1', balanceLine: 'uri whole len 20',
    hashTypeLine: 'map-based djb2', hashType: { ...MAP, function: 'djb2' },
    weights: [3, 2, 1], requests: paths.map((target) => ({ target })),
  },
  {
    name: 'uri depth 2, consistent', balanceLine: 'uri depth 2',
    hashTypeLine: 'consistent', hashType: CONSISTENT, weights: [1, 2, 1, 1], requests: paths.map((target) => ({ target })),
  },
  {
    name: 'url_param user, map-based sdbm avalanche; requests without it go round robin',
    balanceLine: 'url_param user', hashTypeLine: 'map-based sdbm avalanche',
    hashType: { ...MAP, avalanche: true }, weights: [1, 1, 1, 1],
    requests: [...users.map((target) => ({ target })), ...Array.from({ length: 6 }, () => ({ target: '/login?lang=fr' }))],
  },
  {
    name: 'hdr(X-Tenant), map-based wt6', balanceLine: 'hdr(X-Tenant)',
    hashTypeLine: 'map-based wt6', hashType: { ...MAP, function: 'wt6' }, weights: [1, 1, 2, 1],
    requests: users.map((_, i) => ({ target: '/', headers: [['x-tenant', `tenant-${i * 7}, other`]] as const })),
  },
  {
    name: 'hdr(Host) use_domain_only, map-based sdbm', balanceLine: 'hdr(Host) use_domain_only',
    hashTypeLine: 'map-based sdbm', hashType: MAP, weights: [1, 1, 1, 1],
    requests: hosts.map((host) => ({ target: '/', headers: [['Host', host]] as const })),
  },
];

let farm: TaggedHttpFarm;
let haproxy: HaproxyProcess;
const ports = new Map<string, number>();

before(async () => {
  farm = await startTaggedHttpFarm(NAMES);
  const lines = ['global', '  nbthread 1', 'defaults', '  mode http', '  timeout connect 2s', '  timeout client 5s', '  timeout server 5s'];
  let last = 0;
  for (const [i, s] of SCENARIOS.entries()) {
    last = await freeTcpPort();
    ports.set(s.name, last);
    lines.push(`listen l7hash${i}`, `  bind 127.0.0.1:${last}`, `  balance ${s.balanceLine}`, `  hash-type ${s.hashTypeLine}`);
    s.weights.forEach((w, j) => lines.push(`  server ${NAMES[j] ?? ''} 127.0.0.1:${farm.byName(NAMES[j] ?? '').port} weight ${w}`));
  }
  haproxy = await startHaproxy(`${lines.join('\n')}\n`, { readyPort: last });
});
after(async () => {
  await haproxy.stop();
  await farm.close();
});

for (const s of SCENARIOS) {
  test(`each request reaches the server haproxy picks: ${s.name}`, async () => {
    const port = ports.get(s.name) ?? 0;
    const theirs: string[] = [];
    // One at a time, so that haproxy's round-robin fallback order is the order of our picks.
    for (const r of s.requests) {
      const hasHost = (r.headers ?? []).some(([n]) => n.toLowerCase() === 'host');
      const head = [`GET ${r.target} HTTP/1.1`, ...(hasHost ? [] : ['Host: test']), ...(r.headers ?? []).map(([n, v]) => `${n}: ${v}`)];
      const res = await rawHttpRequest(port, head.join('\r\n'));
      theirs.push(res.values('x-served-by')[0] ?? '-');
    }
    const be = buildTestBackend(s.weights.map((weight, j) => ({ name: NAMES[j] ?? '', weight })));
    const balance = balanceConfig(s.balanceLine, s.hashType);
    const balancer = createBalancer(be.view, balance);
    const requestKey = requestKeyExtractor('b', balance);
    const ours = s.requests.map((r) => {
      const head: RequestHead = { method: 'GET', target: r.target, version: '1.1', headers: (r.headers ?? []).map(([name, value]) => ({ name, value })) };
      const key = requestKey?.(head);
      return be.nameOf(balancer.pick(key === undefined ? {} : { key }));
    });
    assert.deepEqual(ours, theirs);
    // The keys must actually spread: a broken extractor sending everything to one server would also "agree" rarely.
    assert.ok(new Set(theirs).size > 1, 'haproxy spread the requests over several servers');
  });
}
