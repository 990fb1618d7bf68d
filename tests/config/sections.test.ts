// The global, frontend and listen sections map into config/model.ts as HAProxy 2.6 defines them
// (manual §3, §4.2, §5.1).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TIMEOUTS, backendNamed, frontendNamed, load, validConfig } from '../support/config-load.js';

describe('global section', () => {
  test('maps log, maxconn, user/group (with ids), nbthread, hard-stop-after, daemon, tune.bufsize', async () => {
    const c = validConfig(
      await load(
        [
          'global',
          '  log 127.0.0.1:514 local0 info',
          '  log /dev/log local1',
          '  maxconn 4000',
          '  user haproxy',
          '  group haproxy',
          '  nbthread 12',
          '  hard-stop-after 30s',
          '  daemon',
          '  tune.bufsize 32k',
        ].join('\n'),
      ),
    );
    assert.deepEqual(c.global.log, [
      { address: '127.0.0.1:514', facility: 'local0', level: 'info' },
      { address: '/dev/log', facility: 'local1' },
    ]);
    assert.equal(c.global.maxconn, 4000);
    assert.equal(c.global.user, 'haproxy');
    assert.equal(c.global.group, 'haproxy');
    assert.equal(typeof c.global.uid, 'number');
    assert.equal(typeof c.global.gid, 'number');
    assert.equal(c.global.nbthread, 12);
    assert.equal(c.global.hardStopAfter, 30_000);
    assert.equal(c.global.daemon, true);
    assert.equal(c.global.bufsize, 32_768);
  });

  test('defaults when nothing is set: maxconn 0, bufsize 16384, no daemon, no log', async () => {
    const c = validConfig(await load('global\n  nbthread 2'));
    assert.equal(c.global.maxconn, 0);
    assert.equal(c.global.bufsize, 16384);
    assert.equal(c.global.daemon, false);
    assert.deepEqual(c.global.log, []);
    assert.equal(c.global.uid, undefined);
  });

  test('uid and gid may be given as numbers', async () => {
    const c = validConfig(await load('global\n  uid 0\n  gid 0'));
    assert.equal(c.global.uid, 0);
    assert.equal(c.global.gid, 0);
  });
});

describe('frontend and bind', () => {
  test('bind forms: *:PORT, :PORT, :::PORT, [v6]:PORT, IPv4, port ranges and comma lists', async () => {
    const c = validConfig(
      await load(
        [
          'frontend f',
          '  bind *:8080',
          '  bind :8081',
          '  bind :::8082',
          '  bind [::1]:8083 accept-proxy',
          '  bind 127.0.0.1:8084-8085,127.0.0.2:9000',
          TIMEOUTS,
        ].join('\n'),
      ),
    );
    const binds = frontendNamed(c, 'f').binds.map((b) => `${b.address}|${b.port}|${b.acceptProxy}`);
    assert.deepEqual(binds, [
      '0.0.0.0|8080|false',
      '0.0.0.0|8081|false',
      '::|8082|false',
      '::1|8083|true',
      '127.0.0.1|8084|false',
      '127.0.0.1|8085|false',
      '127.0.0.2|9000|false',
    ]);
    assert.equal(frontendNamed(c, 'f').binds[3]?.text, 'bind [::1]:8083 accept-proxy');
    assert.equal(frontendNamed(c, 'f').binds[0]?.source.line, 2);
  });

  test('mode, maxconn, default_backend, disabled, timeouts and options of a frontend', async () => {
    const c = validConfig(
      await load(
        [
          'frontend f',
          '  bind :8080',
          '  mode tcp',
          '  maxconn 500',
          '  disabled',
          '  option dontlognull',
          '  timeout client 30s',
          '  timeout client-fin 2s',
          '  default_backend b',
          'backend b',
          '  timeout connect 1s',
          '  timeout server 1s',
        ].join('\n'),
      ),
    );
    const f = frontendNamed(c, 'f');
    assert.equal(f.section, 'frontend');
    assert.equal(f.mode, 'tcp');
    assert.equal(f.maxconn, 500);
    assert.equal(f.disabled, true);
    assert.equal(f.defaultBackend, 'b');
    assert.equal(f.options.dontlognull, true);
    assert.equal(f.timeouts.client, 30_000);
    assert.equal(f.timeouts.clientFin, 2000);
    assert.equal(f.statsOnly, false);
  });

  test('frontend maxconn falls back to the global maxconn (§4.2: 0 means the global value)', async () => {
    const c = validConfig(await load(['global', '  maxconn 777', 'frontend f', '  bind :1', TIMEOUTS].join('\n')));
    assert.equal(frontendNamed(c, 'f').maxconn, 777);
  });
});

describe('listen section', () => {
  test('yields one frontend and one backend with the same name; the frontend sends to it', async () => {
    const c = validConfig(
      await load(['listen app', '  bind 127.0.0.1:9000', '  balance leastconn', '  server a 127.0.0.1:81', TIMEOUTS].join('\n')),
    );
    assert.equal(c.frontends.length, 1);
    assert.equal(c.backends.length, 1);
    const f = frontendNamed(c, 'app');
    const b = backendNamed(c, 'app');
    assert.deepEqual([f.section, f.defaultBackend, f.binds[0]?.port], ['listen', 'app', 9000]);
    assert.deepEqual([b.section, b.balance.algorithm, b.servers.length], ['listen', 'leastconn', 1]);
  });

  test('a listen with only stats keywords is statsOnly, and its backend has no servers', async () => {
    const c = validConfig(
      await load(['listen stats', '  mode http', '  bind 127.0.0.1:1080', '  stats enable', '  stats uri /s', TIMEOUTS].join('\n')),
    );
    assert.equal(frontendNamed(c, 'stats').statsOnly, true);
    assert.equal(backendNamed(c, 'stats').servers.length, 0);
  });
});
