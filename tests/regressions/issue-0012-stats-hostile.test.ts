// Issue 12, hostile pass on the stats listener, side by side with haproxy 2.6.12 where haproxy has a behaviour: storms
// of bad credentials, a huge query, methods that are not the page's, admin POSTs with garbage or oversized bodies, and
// a crowd of slow clients that never finish their heads. The stats thread must keep answering and the forwarders'
// traffic must go on untouched (the same answers, from the same servers). Test-runner thread.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { rawRequest } from '../support/http-client.js';
import { httpExchange } from '../support/http-exchange.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { pollUntil, within } from '../support/wait.js';

const TIMEOUTS = '  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n  timeout http-request 10s';
const AUTH = { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };

function config(fe: number, st: number, be: number): string {
  return [
    'defaults',
    '  mode http',
    TIMEOUTS,
    'frontend web',
    `  bind 127.0.0.1:${fe}`,
    '  default_backend app',
    'backend app',
    `  server s1 127.0.0.1:${be}`,
    'listen stats',
    `  bind 127.0.0.1:${st}`,
    '  stats enable',
    '  stats uri /st',
    '  stats realm Haproxy',
    '  stats auth admin:admin',
    '  stats admin if TRUE',
    '',
  ].join('\n');
}

interface Seen {
  badAuth: number[];
  hugeQuery: number;
  methods: Record<string, number>;
  posts: string[];
  afterSlow: number;
  traffic: string[];
}

/** What a subject answers to the hostile script; the web frontend is exercised between each storm. */
async function hostile(fe: number, st: number): Promise<Seen> {
  const traffic: string[] = [];
  const through = async (): Promise<void> => {
    const r = await httpExchange(fe, 'GET', '/x');
    traffic.push(`${r.status} ${r.body.trim()}`);
  };
  const bad = { authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` };
  const badAuth = new Set<number>();
  // 200 wrong passwords, 20 at a time.
  for (let i = 0; i < 10; i++) {
    const rs = await Promise.all(Array.from({ length: 20 }, () => httpExchange(st, 'GET', '/st;csv', { headers: bad })));
    for (const r of rs) badAuth.add(r.status);
    await through();
  }
  const huge = await rawRequest(st, `GET /st?${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  await through();
  const methods: Record<string, number> = {};
  for (const m of ['PUT', 'DELETE', 'OPTIONS', 'PATCH']) methods[m] = (await httpExchange(st, m, '/st', { headers: AUTH })).status;
  await through();
  const posts: string[] = [];
  for (const body of ['garbage', '\u0000\u00ff&&&==', 's=&action=&b=', `s=${'x'.repeat(100)}&action=maint&b=app`, 'x'.repeat(40_000)]) {
    const r = await httpExchange(st, 'POST', '/st', { headers: AUTH, body, contentType: 'application/x-www-form-urlencoded' });
    posts.push(`${r.status} ${String(r.headers.location)}`);
  }
  await through();
  // 150 clients that open and send half a head, then wait: the page and the traffic must not notice.
  const slow: net.Socket[] = [];
  await Promise.all(
    Array.from({ length: 150 }, () =>
      new Promise<void>((resolve) => {
        const s = net.connect({ port: st, host: '127.0.0.1' }, () => {
          s.write('GET /st HTTP/1.1\r\nHost: x\r\nX-Slow: ');
          resolve();
        });
        s.on('error', () => resolve());
        slow.push(s);
      }),
    ),
  );
  for (let i = 0; i < 5; i++) await through();
  const afterSlow = (await httpExchange(st, 'GET', '/st;csv', { headers: AUTH })).status;
  for (const s of slow) s.destroy();
  return { badAuth: [...badAuth].sort(), hugeQuery: huge.status, methods, posts, afterSlow, traffic };
}

describe('issue 12: hostile clients on the stats listener, haproxy 2.6.12 and orcalb', () => {
  const seen: Partial<Record<'haproxy' | 'orcalb', Seen>> = {};
  let backends: HttpBackends | undefined;
  before(async () => {
    backends = await startHttpBackends(['s1']);
    const be = backends.ports()[0] ?? 0;
    for (const kind of ['haproxy', 'orcalb'] as const) {
      const fe = await freeTcpPort();
      const st = await freeTcpPort();
      const text = config(fe, st, be);
      const lb = kind === 'haproxy' ? await startHaproxy(text, { readyPort: st }) : await startOrcalb(text, { threads: 2 });
      try {
        seen[kind] = await within(hostile(fe, st), 60_000, `${kind} hostile script`);
      } finally {
        await lb.stop();
      }
    }
  });
  after(() => {
    if (process.env['ORCALB_TEST_SHOW'] === '1') console.log(JSON.stringify(seen));
    return backends?.close();
  });

  test('200 bad passwords: every one 401, as haproxy', () => {
    assert.deepEqual(seen.orcalb?.badAuth, [401]);
    assert.deepEqual(seen.orcalb?.badAuth, seen.haproxy?.badAuth);
  });

  test('a 20 KB query is a 400; PUT, DELETE, OPTIONS and PATCH get the server-less 503, as haproxy', () => {
    assert.equal(seen.orcalb?.hugeQuery, 400);
    assert.equal(seen.orcalb?.hugeQuery, seen.haproxy?.hugeQuery);
    assert.deepEqual(seen.orcalb?.methods, seen.haproxy?.methods);
  });

  test('garbage, empty, unknown-server and oversized admin POSTs get haproxy\'s 303 and ;st= codes', () => {
    assert.deepEqual(seen.orcalb?.posts, seen.haproxy?.posts);
  });

  test('150 slow clients: the page still answers, and the forwarders\' traffic never changed', () => {
    assert.equal(seen.orcalb?.afterSlow, 200);
    assert.deepEqual(seen.orcalb?.traffic, seen.haproxy?.traffic);
    assert.ok((seen.orcalb?.traffic ?? []).every((t) => t === '200 s1'));
  });
});

test('a stats thread that dies is restarted on the same socket; the forwarders and the counters carry on', async (t) => {
  const farm = await startHttpBackends(['s1']);
  t.after(() => farm.close());
  const fe = await freeTcpPort();
  const st = await freeTcpPort();
  const lb = await startOrcalb(config(fe, st, farm.ports()[0] ?? 0), { threads: 2, env: { ORCALB_TEST_HOOKS: '1' } });
  t.after(() => lb.stop());
  assert.equal((await httpExchange(fe, 'GET', '/a')).status, 200);
  lb.send('crash-stats');
  await lb.waitForStderr(/stats thread exited; restarting it/, 5000);
  // The restarted thread listens on a new dup of the same master socket: the page is back, with the counts so far.
  let csv = '';
  await pollUntil(async () => {
    csv = await httpExchange(st, 'GET', '/st;csv', { headers: AUTH }).then((r) => (r.status === 200 ? r.body : ''), () => '');
    return csv !== '';
  }, 5000, 'the page back after the restart', 20);
  const web = csv.split('\n').find((l) => l.startsWith('web,FRONTEND,')) ?? '';
  assert.equal(web.split(',')[7], '1', csv);
  assert.equal((await httpExchange(fe, 'GET', '/b')).status, 200);
});

test('40 scrapers that never read a big /metrics: the exporter writes as they read, the page and the traffic go on', async (t) => {
  const farm = await startHttpBackends(['s1']);
  t.after(() => farm.close());
  const fe = await freeTcpPort();
  const st = await freeTcpPort();
  const prom = await freeTcpPort();
  // 60 backends of 20 servers: an answer of a few MiB, far more than the kernel buffers of one socket.
  const big = Array.from({ length: 60 }, (_, b) =>
    [`backend b${b}`, ...Array.from({ length: 20 }, (_, s) => `  server s${s} 127.0.0.1:${farm.ports()[0] ?? 0}`)].join('\n'),
  ).join('\n');
  const text = `${config(fe, st, farm.ports()[0] ?? 0)}${big}\nfrontend prom\n  bind 127.0.0.1:${prom}\n  http-request use-service prometheus-exporter\n`;
  const lb = await startOrcalb(text, { threads: 2 });
  t.after(() => lb.stop());
  const stalled: net.Socket[] = [];
  t.after(() => stalled.forEach((s) => s.destroy()));
  for (let i = 0; i < 40; i++) {
    const s = net.connect({ port: prom, host: '127.0.0.1' });
    s.pause();
    s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
    stalled.push(s);
  }
  const full = await httpExchange(prom, 'GET', '/metrics', { timeoutMs: 20_000 });
  assert.equal(full.status, 200);
  assert.ok(full.body.length > 2_000_000, `${full.body.length} bytes`);
  assert.equal((await httpExchange(st, 'GET', '/st;csv', { headers: AUTH })).status, 200);
  for (let i = 0; i < 5; i++) assert.equal((await httpExchange(fe, 'GET', '/x')).body.trim(), 's1');
});
