// Issue 8, fail closed: keywords that restrict access or secure traffic were warnings, and orcalb then served
// plaintext on a TLS port and let a denied client in. Until each is implemented it is an [ALERT] naming the keyword
// and its line, and orcalb refuses to start. Tried as a new user would: start orcalb on such a file.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkReport } from '../../config/check-report.js';
import { applyHeaderRules } from '../../core/forward/header-rules.js';
import { backendNamed, load, rendered, tempConfigDir, TIMEOUTS, validConfig } from '../support/config-load.js';
import { freeTcpPort, isListening } from '../support/haproxy-process.js';
import { runOrcalbCli } from '../support/orcalb-process.js';

const HTTP_LISTEN = (port: number): string =>
  `defaults\n  mode http\n${TIMEOUTS}\nlisten web\n  bind 127.0.0.1:${port}\n  server s 127.0.0.1:1`;

describe('a new user starts orcalb on a file that protects something orcalb cannot do yet', () => {
  for (const [what, extra, keyword] of [
    // `bind … ssl` runs since issue 14 (tests/regressions/issue-0014-tls-front.test.ts); this TLS word does not.
    // (`ca-ignore-err all` was the case here: it runs with `crt-ignore-err all` since issue 14.)
    ['a TLS listener that verifies clients against a file orcalb does not read', ' ca-verify-file /x.pem', 'ca-verify-file'],
    ['a listener reachable from one interface only', ' interface lo', 'interface'],
  ] as const) {
    test(`${what}: the start is refused with exit 1 and nothing listens`, async (t) => {
      const port = await freeTcpPort();
      const dir = await tempConfigDir(t, { 'web.cfg': `${HTTP_LISTEN(port).replace(`:${port}`, `:${port}${extra}`)}\n` });
      const run = await runOrcalbCli(['-f', join(dir, 'web.cfg')]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`web\\.cfg:7\\] : orcalb does not implement 'bind \\.\\.\\. ${keyword}' yet; refusing to start rather than serve without it`));
      assert.equal(isListening(port), false);
    });
  }

  // http-request deny runs since issue 11 (tests/regressions/issue-0011-rule-answers.test.ts), set-src too
  // (tests/regressions/issue-0011-set-src.test.ts); use-service does not.
  test('http-request use-service: the start is refused instead of forwarding what the service should answer', async (t) => {
    const port = await freeTcpPort();
    const dir = await tempConfigDir(t, { 'deny.cfg': `${HTTP_LISTEN(port)}\n  http-request use-service prometheus-exporter\n` });
    const run = await runOrcalbCli(['-f', join(dir, 'deny.cfg')]);
    assert.equal(run.code, 1, run.stderr);
    // Beside forwarding (this listen has a server) it stays refused; a proxy orcalb answers itself runs it (issue 12).
    assert.match(run.stderr, /deny\.cfg:9\] : orcalb does not implement 'http-request use-service' yet; refusing to start rather than serve without it \(in a proxy that also forwards traffic it answers in place of the server/);
    assert.equal(isListening(port), false);
  });
});

describe('each refused keyword is an [ALERT] naming it and its line; orcalb -c exits 1', () => {
  const cases: readonly (readonly [string, string, string])[] = [
    // acl, use_backend and the HTTP rule program (set-src included) run in HTTP sessions since issue 11; tcp-request
    // connection rules run in every mode; an action orcalb does not run is still refused.
    ['tcp-request connection set-var', '  tcp-request connection set-var(sess.a) src', 'tcp-request connection set-var'],
    ['http-request use-service', '  http-request use-service prometheus-exporter', 'http-request use-service'],
    // server ssl, verify and the rest of the server side's TLS run since issue 14 (tests/tls/), as do bind ssl, crt,
    // ca-file and verify, TLS with send-proxy and the v2 SSL TLVs; ca-verify-file does not.
    ['bind ca-verify-file', '  bind 127.0.0.1:2 ca-verify-file /x.pem', 'bind ... ca-verify-file'],
    ['rate-limit sessions', '  rate-limit sessions 10', 'rate-limit sessions'],
    ['http-reuse never', '  http-reuse never', 'http-reuse never'],
    ['option checkcache', '  option checkcache', 'option checkcache'],
    ['filter spoe', '  filter spoe engine waf config /x.conf', 'filter spoe'],
    // normalize-uri and set-dst-port run since issue 11 (tests/regressions/issue-0011-normalize-uri-hostile.test.ts,
    // issue-0011-set-src.test.ts); send-spoe-group does not.
    ['http-request send-spoe-group', '  http-request send-spoe-group waf checks', 'http-request send-spoe-group'],
  ];
  for (const [name, line, shown] of cases) {
    test(name, async () => {
      const r = await load(`${HTTP_LISTEN(1)}\n${line}`);
      assert.equal(r.config, undefined);
      const [e] = r.errors;
      assert.deepEqual([e?.code, e?.line, e?.found], ['ORCA_CONFIG_NOT_IMPLEMENTED', 9, shown], rendered(r).errors.join('\n'));
      assert.match(e?.message ?? '', /refusing to start rather than serve without it \(.+\)\.$/);
      assert.equal(checkReport(r, 1, 'check').exitCode, 1);
    });
  }

  // `unix-bind` was refused here until UNIX binds were implemented (it sets their mode and owner now).
  test('global chroot and maxconnrate are refused too', async () => {
    const r = await load(`global\n  chroot /var/empty\n  maxconnrate 10\n${HTTP_LISTEN(1)}`);
    assert.deepEqual(
      r.errors.map((e) => [e.line, e.found]),
      [[2, 'chroot'], [3, 'maxconnrate']],
    );
  });
});

describe('what stays a warning', () => {
  // TLS defaults in global were warned here until issue 14 made every TLS keyword refused
  // (tests/regressions/issue-0014-tls-refused.test.ts).
  test("the seed's stats section and `no option` of an unimplemented option", async () => {
    const r = await load(
      [
        HTTP_LISTEN(1),
        '  no option checkcache',
        '  option http-restrict-req-hdr-names preserve',
        'listen stats',
        '  bind 127.0.0.1:2',
        '  stats enable',
        '  stats auth admin:admin',
        '  stats admin if TRUE',
      ].join('\n'),
    );
    validConfig(r);
    // The stats page runs now (issue 12): the seed's stats lines are served, no longer warned about.
    assert.deepEqual(rendered(r).warnings.filter((w) => w.includes('stats')), []);
  });

  test('header rules under `if TRUE`, `unless FALSE`, `if FALSE` and `unless TRUE` are kept and evaluated as written', async () => {
    const r = await load(
      [
        HTTP_LISTEN(1),
        '  http-request del-header X-A if TRUE',
        '  http-request del-header X-B unless FALSE',
        '  http-request del-header X-C if FALSE',
        '  http-request del-header X-D unless TRUE',
      ].join('\n'),
    );
    const rules = backendNamed(validConfig(r), 'web').http?.request;
    const headers = ['X-A', 'X-B', 'X-C', 'X-D'].map((name) => ({ name, value: '1' }));
    // The engine must evaluate every condition the parser lets through (a skipped rule would keep X-A or X-B).
    assert.deepEqual(
      applyHeaderRules(rules, headers, {}).map((h) => h.name),
      ['X-C', 'X-D'],
    );
  });
});
