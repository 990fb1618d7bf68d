// The `stats` keywords and `http-request use-service` as orcalb reads them (issue 12): what a proxy orcalb answers
// itself holds, defaults inheritance, and what stays refused (fail closed). Error texts are haproxy 2.6.12's (measured
// with `haproxy -c`). Test-runner thread.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TIMEOUTS, frontendNamed, load, rendered, validConfig } from '../support/config-load.js';

describe('stats keywords', () => {
  test('defaults pass their stats settings on; the listen adds its own lines', async () => {
    const c = validConfig(
      await load(['defaults', '  mode http', TIMEOUTS, '  stats realm R', '  stats auth a:b', 'listen st', '  bind :1', '  stats uri /s', '  stats auth c:d'].join('\n')),
    );
    const fe = frontendNamed(c, 'st');
    assert.equal(fe.statsOnly, true);
    assert.deepEqual([fe.stats?.uri, fe.stats?.realm, fe.stats?.users.map((u) => u.user)], ['/s', 'R', ['a', 'c']]);
  });

  test('stats http-request allow|deny|auth [realm] [if|unless cond], and its errors', async () => {
    const c = validConfig(
      await load(['defaults', '  mode http', TIMEOUTS, 'listen st', '  bind :1', '  stats http-request deny if { src 10.0.0.0/8 }', '  stats http-request auth realm Admins unless LOCALHOST', '  stats http-request allow'].join('\n')),
    );
    assert.deepEqual(frontendNamed(c, 'st').stats?.rules.map((r) => [r.action, r.realm, r.condition?.text]), [
      ['deny', undefined, '{ src 10.0.0.0/8 }'],
      ['auth', 'Admins', 'LOCALHOST'],
      ['allow', undefined, undefined],
    ]);
    const bad = await load(['defaults', '  mode http', TIMEOUTS, 'listen st', '  bind :1', '  stats http-request frob'].join('\n'));
    assert.match(rendered(bad).errors.join('\n'), /'stats http-request' expects 'allow', 'deny', 'auth'/);
  });
});

describe('http-request use-service prometheus-exporter', () => {
  test('a proxy with only use-service is answered by orcalb (stats-only), conditions kept', async () => {
    const c = validConfig(await load(['defaults', '  mode http', TIMEOUTS, 'frontend prom', '  bind :1', '  http-request use-service prometheus-exporter if { path /metrics }'].join('\n')));
    const fe = frontendNamed(c, 'prom');
    assert.equal(fe.statsOnly, true);
    assert.deepEqual(fe.services?.map((s) => [s.service, s.condition?.text]), [['prometheus-exporter', '{ path /metrics }']]);
  });

  test("haproxy 2.6.12's errors for a missing or unknown service", async () => {
    const r = await load(['defaults', '  mode http', TIMEOUTS, 'listen q', '  bind :1', '  http-request use-service bogus', '  http-request use-service'].join('\n'));
    assert.deepEqual(rendered(r).errors, [
      "[t.cfg:8] : error detected in proxy 'q' while parsing 'http-request use-service' rule : 'bogus' unknown service name..",
      "[t.cfg:9] : error detected in proxy 'q' while parsing 'http-request use-service' rule : 'use-service' expects a service name..",
    ]);
  });

  test('fail closed: use-service beside forwarding, and other rules in a proxy orcalb answers itself, are refused', async () => {
    const mixed = await load(['defaults', '  mode http', TIMEOUTS, 'listen l', '  bind :1', '  http-request use-service prometheus-exporter', '  server s 127.0.0.1:2'].join('\n'));
    assert.match(rendered(mixed).errors.join('\n'), /orcalb does not implement 'http-request use-service' yet/);
    const ruled = await load(['defaults', '  mode http', TIMEOUTS, 'listen st', '  bind :1', '  stats uri /s', '  http-request deny if { src 10.0.0.1 }'].join('\n'));
    assert.match(rendered(ruled).errors.join('\n'), /rules in a proxy orcalb answers itself/);
  });
});
