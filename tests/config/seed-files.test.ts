// The users' seed files (tests/fixtures/seed/, copies of shared/seed/) read unchanged: haproxy-tcp.cfg is valid,
// haproxy-http.cfg fails on its four placeholder addresses exactly as HAProxy 2.6 does, and is valid once real
// addresses are filled in.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkReport } from '../../config/check-report.js';
import { loadConfig } from '../../config/load-config.js';
import { parseNetwork } from '../../core/net/network.js';
import { backendNamed, frontendNamed, load, rendered, tempConfigDir, validConfig } from '../support/config-load.js';
import { SEED_DIR } from '../support/seed-config.js';

const TCP_SEED = join(SEED_DIR, 'haproxy-tcp.cfg');
const HTTP_SEED = join(SEED_DIR, 'haproxy-http.cfg');
/** dist/tests/config/ → the repository's config/examples/. */
const EXAMPLES = resolve(fileURLToPath(import.meta.url), '../../../../config/examples');

describe('haproxy-tcp.cfg', () => {
  test('is valid and maps to 1 frontend on 0.0.0.0:8080 and ddb_backend with 3 send-proxy servers', async () => {
    const r = await loadConfig([TCP_SEED]);
    const c = validConfig(r);
    const fe = frontendNamed(c, 'ddb_fronted');
    assert.deepEqual(
      fe.binds.map((b) => [b.address, b.port, b.acceptProxy]),
      [['0.0.0.0', 8080, false]],
    );
    assert.deepEqual([fe.mode, fe.defaultBackend, fe.maxconn, fe.statsOnly], ['tcp', 'ddb_backend', 3000, false]);
    assert.deepEqual(fe.log, [{ address: '127.0.0.1', facility: 'local2' }]);
    const be = backendNamed(c, 'ddb_backend');
    assert.equal(be.balance.algorithm, 'roundrobin');
    assert.equal(be.retries, 3);
    assert.equal(be.options.redispatch, true);
    assert.equal(be.options.dontlognull, true);
    assert.deepEqual(be.timeouts, {
      httpRequest: 10_000,
      queue: 60_000,
      connect: 10_000,
      client: 3_600_000,
      server: 3_600_000,
      httpKeepAlive: 10_000,
      check: 10_000,
    });
    assert.deepEqual(
      be.servers.map((s) => [s.name, s.address, s.port, s.check, s.inter, s.rise, s.fall, s.sendProxy, s.checkSendProxy]),
      [
        ['node1', '10.0.0.80', 8802, true, 5000, 2, 3, 'v1', true],
        ['node2', '10.0.0.81', 8802, true, 5000, 2, 3, 'v1', true],
        ['node3', '10.0.0.82', 8802, true, 5000, 2, 3, 'v1', true],
      ],
    );
    assert.deepEqual([c.global.maxconn, c.global.user, c.global.group], [4000, 'haproxy', 'haproxy']);
  });

  test('the stats listen is stats-only, served by the stats thread; nothing warns (tcplog is implemented)', async () => {
    const r = await loadConfig([TCP_SEED]);
    const c = validConfig(r);
    const fe = frontendNamed(c, 'stats');
    assert.equal(fe.statsOnly, true);
    assert.deepEqual([fe.stats?.uri, fe.stats?.realm, fe.stats?.users, fe.stats?.hideVersion], ['/haproxyamdin', 'Haproxy', [{ user: 'admin', password: 'admin' }], true]);
    const warnings = rendered(r).warnings;
    assert.deepEqual(warnings, []);
    const report = checkReport(r, 42);
    assert.equal(report.exitCode, 0);
    assert.equal(report.lines.at(-1), 'Configuration file is valid');
  });

  test('the loopback worked example in config/examples is valid with the same shape', async () => {
    const c = validConfig(await loadConfig([join(EXAMPLES, 'seed-tcp-loopback.cfg')]));
    assert.deepEqual(
      frontendNamed(c, 'ddb_fronted').binds.map((b) => `${b.address}:${b.port}`),
      ['127.0.0.1:18080'],
    );
    assert.deepEqual(
      backendNamed(c, 'ddb_backend').servers.map((s) => `${s.address}:${s.port}`),
      ['127.0.0.1:18081', '127.0.0.1:18082', '127.0.0.1:18083'],
    );
  });
});

describe('haproxy-http.cfg', () => {
  test('fails with exactly 4 resolve errors, on lines 34-37, in HAProxy wording', async () => {
    const r = await loadConfig([HTTP_SEED]);
    assert.equal(r.config, undefined);
    assert.deepEqual(rendered(r).errors, [1, 2, 3, 4].map(
      (n) => `[${HTTP_SEED}:${33 + n}] : 'server ddb_backend/node${n}' : could not resolve address 'xxx.xxx.xxx.${n}'.`,
    ));
    assert.deepEqual(new Set(r.errors.map((e) => e.code)), new Set(['ORCA_CONFIG_RESOLVE']));
    const report = checkReport(r, 7);
    assert.equal(report.exitCode, 1);
    assert.deepEqual(report.lines.filter((l) => l.startsWith('[ALERT]')), [
      ...rendered(r).errors.map((e) => `[ALERT]    (7) : config : ${e}`),
      '[ALERT]    (7) : config : Failed to initialize server(s) addr.',
    ]);
  });

  test('is valid once the placeholders are replaced by 127.0.0.1', async (t) => {
    const text = (await readFile(HTTP_SEED, 'utf8')).replaceAll(/xxx\.xxx\.xxx\.\d/g, '127.0.0.1');
    const dir = await tempConfigDir(t, { 'haproxy-http.cfg': text });
    const r = await loadConfig([join(dir, 'haproxy-http.cfg')]);
    const c = validConfig(r);
    const be = backendNamed(c, 'ddb_backend');
    assert.equal(be.servers.length, 4);
    assert.equal(be.mode, 'http');
    assert.deepEqual(be.options.forwardfor, { except: parseNetwork('127.0.0.0/8'), header: 'X-Forwarded-For', ifNone: false });
    // No warning: mode http, http-server-close, forwardfor, the stats page and option httplog (issue 13) are implemented.
    const warnings = rendered(r).warnings;
    assert.deepEqual(warnings, []);
    assert.deepEqual([be.options.httpServerClose, be.options.httpKeepAlive, be.options.httpClose], [true, false, false]);
    assert.deepEqual(be.http, { request: [], response: [], errorfiles: {} });
    assert.deepEqual(be.retryOn, ['conn-failure']);
    assert.deepEqual(frontendNamed(c, 'ddb_fronted').options.forwardfor, be.options.forwardfor);
  });

  test('the same text loaded from memory gives the same errors under the given name', async () => {
    const r = await load(await readFile(HTTP_SEED, 'utf8'), 'haproxy-http.cfg', { env: process.env });
    assert.deepEqual(
      r.errors.map((e) => [e.line, e.keyword, e.found]),
      [1, 2, 3, 4].map((n) => [33 + n, `server ddb_backend/node${n}`, `xxx.xxx.xxx.${n}`]),
    );
  });
});
