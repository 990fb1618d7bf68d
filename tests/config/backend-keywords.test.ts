// Backend keywords map into config/model.ts as HAProxy 2.6 defines them: server options (§5.2), balance and
// hash-type, retries, options, timeouts, tcp-check rules and log targets (§4.2).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BalanceArgs } from '../../config/model.js';
import { parseNetwork } from '../../core/net/network.js';
import { TIMEOUTS, backendNamed, frontendNamed, load, validConfig } from '../support/config-load.js';

describe('backend, server and balance', () => {
  test('server options map to ServerConfig, with HAProxy defaults for the rest', async () => {
    const c = validConfig(
      await load(
        [
          'backend b',
          '  server a 127.0.0.1:81',
          '  server b 127.0.0.1:82 check inter 1s fastinter 200ms downinter 5s rise 4 fall 5 weight 20 backup',
          '  server c 127.0.0.1:83 disabled maxconn 10 maxqueue 3 slowstart 30s cookie C1 send-proxy-v2',
          '  server d 127.0.0.1:84 check port 9000 addr 127.0.0.2 send-proxy',
          '  server e 127.0.0.1:85 check port 9000 send-proxy check-send-proxy',
          TIMEOUTS,
        ].join('\n'),
      ),
    );
    const [a, b, cc, d, e] = backendNamed(c, 'b').servers;
    assert.deepEqual(a, {
      source: { file: 't.cfg', line: 2 },
      name: 'a',
      address: '127.0.0.1',
      port: 81,
      weight: 1,
      backup: false,
      disabled: false,
      maxconn: 0,
      maxqueue: 0,
      check: false,
      inter: 2000,
      fastinter: 2000,
      downinter: 2000,
      rise: 2,
      fall: 3,
      sendProxy: 'none',
      checkSendProxy: false,
      slowstart: 0,
    });
    assert.deepEqual(
      [b?.check, b?.inter, b?.fastinter, b?.downinter, b?.rise, b?.fall, b?.weight, b?.backup],
      [true, 1000, 200, 5000, 4, 5, 20, true],
    );
    assert.deepEqual(
      [cc?.disabled, cc?.maxconn, cc?.maxqueue, cc?.slowstart, cc?.cookie, cc?.sendProxy, cc?.checkSendProxy],
      [true, 10, 3, 30_000, 'C1', 'v2', true],
    );
    // §5.2: send-proxy applies to checks only when checks go to the traffic address and port.
    assert.deepEqual([d?.checkPort, d?.checkAddr, d?.sendProxy, d?.checkSendProxy], [9000, '127.0.0.2', 'v1', false]);
    assert.deepEqual([e?.checkPort, e?.checkSendProxy], [9000, true]);
  });

  test('IPv6 server addresses, bracketed or not', async () => {
    const c = validConfig(await load(['backend b', '  server a [::1]:80', '  server b ::1:81', TIMEOUTS].join('\n')));
    assert.deepEqual(
      backendNamed(c, 'b').servers.map((s) => `${s.address}|${s.port}`),
      ['::1|80', '::1|81'],
    );
  });

  test('balance algorithms and their arguments', async () => {
    // The model keeps the arguments as each algorithm parsed them at load (forwarders never re-parse them).
    const none: BalanceArgs = { kind: 'none' };
    const uri = { kind: 'uri', len: 0, depth: 0, whole: false, pathOnly: false } as const;
    const cases: [string, string, BalanceArgs][] = [
      ['roundrobin', 'roundrobin', none],
      ['static-rr', 'static-rr', none],
      ['leastconn', 'leastconn', none],
      ['first', 'first', none],
      ['source', 'source', none],
      ['random', 'random', { kind: 'random', draws: 2 }],
      ['random(2)', 'random', { kind: 'random', draws: 2 }],
      ['random(5)', 'random', { kind: 'random', draws: 5 }],
      ['uri whole', 'uri', { ...uri, whole: true }],
      ['uri len 10 depth 2', 'uri', { ...uri, len: 10, depth: 2 }],
      ['url_param userid', 'url_param', { kind: 'url_param', param: 'userid', checkPost: false }],
      ['hdr(Host) use_domain_only', 'hdr', { kind: 'hdr', header: 'Host', useDomainOnly: true }],
      // §4.2: the <max_wait> after check_post "is now ignored".
      ['url_param sid check_post 64', 'url_param', { kind: 'url_param', param: 'sid', checkPost: true }],
      ['dolphindb-load 0.2', 'dolphindb-load', { kind: 'dolphindb-load', cost: 200 }],
    ];
    for (const [line, algorithm, args] of cases) {
      // mode http: the request-hashing algorithms fall back to roundrobin in a TCP backend.
      const c = validConfig(await load(`backend b\n  mode http\n  balance ${line}\n${TIMEOUTS}`));
      const balance = backendNamed(c, 'b').balance;
      assert.deepEqual([balance.algorithm, balance.args], [algorithm, args], line);
    }
  });

  test('balance defaults to roundrobin with map-based sdbm hashing', async () => {
    const c = validConfig(await load(`backend b\n${TIMEOUTS}`));
    const { algorithm, args, hashType } = backendNamed(c, 'b').balance;
    assert.deepEqual({ algorithm, args, hashType }, {
      algorithm: 'roundrobin',
      args: { kind: 'none' },
      hashType: { method: 'map-based', function: 'sdbm', avalanche: false },
    });
  });

  test('hash-type method, function and avalanche', async () => {
    const c = validConfig(await load(`backend b\n  balance source\n  hash-type consistent djb2 avalanche\n${TIMEOUTS}`));
    assert.deepEqual(backendNamed(c, 'b').balance.hashType, { method: 'consistent', function: 'djb2', avalanche: true });
    // HAProxy 2.6: a bare `consistent` implies sdbm + avalanche; naming the function drops the implicit avalanche.
    const d = validConfig(await load(`backend b\n  hash-type consistent\n${TIMEOUTS}`));
    assert.deepEqual(backendNamed(d, 'b').balance.hashType, { method: 'consistent', function: 'sdbm', avalanche: true });
    const e = validConfig(await load(`backend b\n  hash-type consistent sdbm\n${TIMEOUTS}`));
    assert.deepEqual(backendNamed(e, 'b').balance.hashType, { method: 'consistent', function: 'sdbm', avalanche: false });
  });

  test('retries, fullconn, options and every timeout of a backend', async () => {
    const c = validConfig(
      await load(
        [
          'backend b',
          '  retries 5',
          '  fullconn 900',
          '  option redispatch',
          '  option allbackups',
          '  option http-keep-alive',
          '  timeout connect 10s',
          '  timeout server 1h',
          '  timeout queue 1m',
          '  timeout server-fin 1s',
          '  timeout tunnel 2h',
          '  timeout check 10s',
          '  timeout http-request 10s',
          '  timeout http-keep-alive 10s',
        ].join('\n'),
      ),
    );
    const b = backendNamed(c, 'b');
    assert.equal(b.retries, 5);
    assert.equal(b.maxconn, 900);
    assert.deepEqual([b.options.redispatch, b.options.allbackups, b.options.httpKeepAlive], [true, true, true]);
    assert.deepEqual(b.timeouts, {
      connect: 10_000,
      server: 3_600_000,
      queue: 60_000,
      serverFin: 1000,
      tunnel: 7_200_000,
      check: 10_000,
      httpRequest: 10_000,
      httpKeepAlive: 10_000,
    });
  });

  test('timeout 0 means "no timeout" and clears an inherited value', async () => {
    const c = validConfig(await load(`defaults\n${TIMEOUTS}\n  timeout tunnel 1h\nbackend b\n  timeout tunnel 0`));
    assert.equal(backendNamed(c, 'b').timeouts.tunnel, undefined);
  });

  test('the HTTP connection-mode options exclude each other; no option clears one', async () => {
    const c = validConfig(
      await load(`backend b\n  option httpclose\n  option http-server-close\n  no option redispatch\n${TIMEOUTS}`),
    );
    const o = backendNamed(c, 'b').options;
    assert.deepEqual([o.httpClose, o.httpServerClose, o.httpKeepAlive, o.redispatch], [false, true, false, false]);
  });

  test('option forwardfor with except, header and if-none', async () => {
    const c = validConfig(
      await load(`backend b\n  mode http\n  option forwardfor except 127.0.0.0/8 header X-Real-IP if-none\n${TIMEOUTS}`),
    );
    assert.deepEqual(backendNamed(c, 'b').options.forwardfor, { except: parseNetwork('127.0.0.0/8'), header: 'X-Real-IP', ifNone: true });
    const d = validConfig(await load(`backend b\n  mode http\n  option forwardfor\n${TIMEOUTS}`));
    assert.deepEqual(backendNamed(d, 'b').options.forwardfor, { header: 'X-Forwarded-For', ifNone: false });
  });

  test('option tcp-check with connect, send, send-binary and expect rules, in order', async () => {
    const c = validConfig(
      await load(
        [
          'backend b',
          '  option tcp-check',
          '  tcp-check connect port 8848 send-proxy',
          '  tcp-check send PING\\r\\n',
          '  tcp-check send-binary 0a0B',
          '  tcp-check expect string +PONG',
          '  tcp-check expect ! rstring ^-ERR',
          '  tcp-check expect !binary 0a',
          '  server a 127.0.0.1:80 check',
          TIMEOUTS,
        ].join('\n'),
      ),
    );
    const hc = backendNamed(c, 'b').healthCheck;
    assert.equal(hc.type, 'tcp-check');
    const [connect, send, bin, e1, e2, e3] = hc.rules;
    assert.deepEqual(connect, { kind: 'connect', source: { file: 't.cfg', line: 3 }, sendProxy: true, port: 8848 });
    assert.ok(send?.kind === 'send' && bin?.kind === 'send');
    assert.equal(Buffer.from(send.data).toString('latin1'), 'PING\r\n');
    assert.deepEqual([...bin.data], [0x0a, 0x0b]);
    assert.deepEqual(
      [e1, e2, e3].map((r) => (r?.kind === 'expect' ? [r.match, r.pattern, r.negate] : [])),
      [['string', '+PONG', false], ['rstring', '^-ERR', true], ['binary', '0a', true]],
    );
  });

  test('without option tcp-check the health check is a plain connect', async () => {
    const c = validConfig(await load(`backend b\n  server a 127.0.0.1:80 check\n${TIMEOUTS}`));
    assert.deepEqual(backendNamed(c, 'b').healthCheck, { type: 'connect', rules: [] });
  });

  test('log global resolves to the global targets, plain log lines add theirs, no log clears', async () => {
    const c = validConfig(
      await load(
        [
          'global',
          '  log 127.0.0.1 local2',
          'defaults',
          '  log global',
          TIMEOUTS,
          'frontend f',
          '  bind :1',
          '  log global',
          '  log 127.0.0.2:1514 local3 err',
          'backend b',
          '  no log',
        ].join('\n'),
      ),
    );
    assert.deepEqual(frontendNamed(c, 'f').log, [
      { address: '127.0.0.1', facility: 'local2' },
      { address: '127.0.0.2:1514', facility: 'local3', level: 'err' },
    ]);
    assert.deepEqual(backendNamed(c, 'b').log, []);
  });
});

