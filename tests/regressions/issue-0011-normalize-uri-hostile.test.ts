// Issue 11's hostile pass on `http-request normalize-uri`, side by side with haproxy 2.6.12: queries of 1,024 and
// 2,000 parameters to sort (HAProxy's limit is tune.bufsize / 16), 3,000 `..` segments above the root, a 14 KB path
// of `./` segments, %00 and %2F among `..`,
// a strict normalizer's 400 at the end of a huge path (the next client still served). Every normalizer runs on every
// request; both subjects must send the server the same request line (or the same status). Real sockets, 127.0.0.1.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { rawRequest } from '../support/http-client.js';
import { startTaggedHttpFarm, type TaggedHttpFarm } from '../support/http-tagged-backends.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess } from '../support/lb-subject.js';

const PARAMS = 2000;

function config(port: number, backendPort: number): string {
  return [
    'global',
    '  expose-experimental-directives',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 10s',
    '  timeout server 10s',
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  http-request normalize-uri path-merge-slashes',
    '  http-request normalize-uri path-strip-dot',
    '  http-request normalize-uri path-strip-dotdot full',
    '  http-request normalize-uri percent-decode-unreserved strict',
    '  http-request normalize-uri percent-to-uppercase strict',
    '  http-request normalize-uri query-sort-by-name',
    '  default_backend be',
    'backend be',
    `  server s 127.0.0.1:${backendPort}`,
    '',
  ].join('\n');
}

/** A 10,000-parameter query: names from a scrambled counter, repeats included, so the sort must be stable. */
function bigQuery(count: number): { target: string; sorted: string } {
  const params: string[] = [];
  for (let i = 0; i < count; i++) params.push(i % 4 === 0 ? `k${(i * 7919) % 301}=${i}` : `k${(i * 7919) % 301}`);
  const name = (p: string): string => (p.includes('=') ? p.slice(0, p.indexOf('=')) : p);
  const sorted = params.map((p, i) => ({ p, i })).sort((a, b) => (name(a.p) < name(b.p) ? -1 : name(a.p) > name(b.p) ? 1 : a.i - b.i));
  return { target: `/q?${params.join('&')}`, sorted: `/q?${sorted.map((s) => s.p).join('&')}` };
}

const SORTED = 1024;
const QUERY = bigQuery(PARAMS);
const SMALL = bigQuery(SORTED);

/** [what, target, the request line's target at the server (or a status the proxy answers)]. */
const CASES: readonly (readonly [string, string, string | number])[] = [
  // HAProxy sorts at most tune.bufsize / 16 parameters (1024) and answers 500 past that.
  [`${PARAMS} query parameters: past the limit, a 500`, QUERY.target, 500],
  [`${SORTED} query parameters sorted by name, stable`, SMALL.target, SMALL.sorted],
  ['3,000 .. segments above the root', `${'/..'.repeat(3000)}/x`, '/x'],
  ['a 14 KB path of ./ segments', `/a${'/.'.repeat(7000)}/b`, '/a/b'],
  ['%00 and %2F among .. segments stay encoded', '/%00/../%2F%2e%2E/../%2f/./a', '/%2F/a'],
  ['decoded dots come after path-strip-dotdot', '/a/%2E%2E/%2e%2e/etc/passwd', '/a/../../etc/passwd'],
  ['a bad sequence at the end of a 40 KB path: 400', `/${'a'.repeat(40_000)}%`, 400],
  ['a lone % in the query: 400', '/ok?x=%G1', 400],
  ['5,000 empty parameters: a 500', `/e?${'&'.repeat(5000)}z`, 500],
  ['1,024 empty parameters pass', `/e?${'&'.repeat(1023)}z`, `/e?${'&'.repeat(1023)}z`],
];

describe('normalize-uri under hostile targets, haproxy and orcalb', () => {
  let farm: TaggedHttpFarm;
  const procs: LbProcess[] = [];
  const ports: number[] = [];
  before(async () => {
    farm = await startTaggedHttpFarm(['be']);
    for (const subject of [HAPROXY_SUBJECT, ORCALB_SUBJECT]) {
      const port = await freeTcpPort();
      procs.push(await subject.start(config(port, farm.byName('be').port), port));
      ports.push(port);
    }
  });
  after(async () => {
    try {
      for (const p of procs) await p.stop();
    } finally {
      await farm?.close();
    }
  });

  for (const [what, target, expected] of CASES) {
    test(what, async () => {
      const seen: (string | number)[] = [];
      for (const port of ports) {
        const before = farm.byName('be').headLog.length;
        const r = await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n`, 10_000);
        const head = farm.byName('be').headLog.length > before ? farm.byName('be').headLog.at(-1) : undefined;
        seen.push(r.status === 200 && head !== undefined ? (head.split('\r\n')[0] ?? '').slice(4, -9) : r.status);
      }
      const [haproxy, orcalb] = seen;
      // Compared by length first: a mismatch in a 50 KB line would print both in full.
      assert.equal(typeof haproxy === 'string' ? haproxy.length : haproxy, typeof expected === 'string' ? expected.length : expected, 'haproxy');
      assert.ok(haproxy === expected, 'haproxy sent another target');
      assert.equal(typeof orcalb === 'string' ? orcalb.length : orcalb, typeof expected === 'string' ? expected.length : expected, 'orcalb');
      assert.ok(orcalb === expected, 'orcalb sent another target');
    });
  }

  test('after every hostile target, a plain request is served by both', async () => {
    for (const port of ports) {
      const r = await rawRequest(port, 'GET /fine HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n');
      assert.equal(r.status, 200);
    }
  });
});
