// defaults sections (manual §4): inheritance by the next proxies, named defaults and `from`, reset by a new
// defaults section, default-server presets, tcp-check rule inheritance.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TIMEOUTS, backendNamed, frontendNamed, load, rendered, validConfig } from '../support/config-load.js';

describe('defaults inheritance', () => {
  test('proxies take mode, retries, maxconn, timeouts, options and balance from the defaults before them', async () => {
    const c = validConfig(
      await load(
        [
          'defaults',
          '  mode tcp',
          '  retries 4',
          '  maxconn 3000',
          '  option redispatch',
          '  option dontlognull',
          '  balance leastconn',
          TIMEOUTS,
          'frontend f',
          '  bind :8080',
          '  default_backend b',
          'backend b',
          '  retries 6',
          '  server s 127.0.0.1:80',
        ].join('\n'),
      ),
    );
    const f = frontendNamed(c, 'f');
    const b = backendNamed(c, 'b');
    assert.deepEqual([f.maxconn, f.options.dontlognull, f.timeouts.client], [3000, true, 1000]);
    assert.deepEqual([b.retries, b.options.redispatch, b.balance.algorithm, b.timeouts.connect], [6, true, 'leastconn', 1000]);
  });

  test('a new defaults section resets everything to HAProxy defaults', async () => {
    const c = validConfig(
      await load(['defaults', '  retries 9', '  option redispatch', TIMEOUTS, 'defaults', TIMEOUTS, 'backend b'].join('\n')),
    );
    const b = backendNamed(c, 'b');
    assert.deepEqual([b.retries, b.options.redispatch], [3, false]);
  });

  test('`from NAME` picks a named defaults section instead of the last one', async () => {
    const c = validConfig(
      await load(
        [
          'defaults slow',
          '  timeout connect 30s',
          '  timeout server 1h',
          '  timeout client 1h',
          'defaults fast',
          '  timeout connect 1s',
          '  timeout server 5s',
          '  timeout client 5s',
          'backend b1',
          'backend b2 from slow',
          'listen l from slow',
          '  bind :1',
        ].join('\n'),
      ),
    );
    assert.equal(backendNamed(c, 'b1').timeouts.connect, 1000);
    assert.equal(backendNamed(c, 'b2').timeouts.connect, 30_000);
    assert.equal(frontendNamed(c, 'l').timeouts.client, 3_600_000);
  });

  test('a defaults section can itself start from another one', async () => {
    const c = validConfig(
      await load(['defaults base', '  retries 8', TIMEOUTS, 'defaults child from base', '  option redispatch', 'backend b'].join('\n')),
    );
    const b = backendNamed(c, 'b');
    assert.deepEqual([b.retries, b.options.redispatch], [8, true]);
  });

  test('an unknown defaults name in `from` is an error naming the proxy', async () => {
    const r = await load('backend c from nosuch\n  server s 127.0.0.1:80');
    assert.deepEqual(rendered(r).errors, ["[t.cfg:1] : defaults section 'nosuch' not found for backend 'c'."]);
  });

  test('default-server in defaults and in the backend presets later server lines; the line wins', async () => {
    const c = validConfig(
      await load(
        [
          'defaults',
          '  default-server inter 3s rise 5 send-proxy',
          TIMEOUTS,
          'backend b',
          '  default-server fall 7',
          '  server a 127.0.0.1:81 check',
          '  server b 127.0.0.1:82 check inter 1s no-send-proxy',
        ].join('\n'),
      ),
    );
    const [a, b] = backendNamed(c, 'b').servers;
    assert.deepEqual([a?.inter, a?.fastinter, a?.rise, a?.fall, a?.sendProxy, a?.checkSendProxy], [3000, 3000, 5, 7, 'v1', true]);
    assert.deepEqual([b?.inter, b?.rise, b?.fall, b?.sendProxy], [1000, 5, 7, 'none']);
  });

  test('tcp-check rules of the defaults are used until the proxy writes its own, which replace them', async () => {
    const c = validConfig(
      await load(
        [
          'defaults',
          '  option tcp-check',
          '  tcp-check send A\\n',
          '  tcp-check expect string A',
          TIMEOUTS,
          'backend inherits',
          'backend replaces',
          '  tcp-check send B\\n',
        ].join('\n'),
      ),
    );
    assert.equal(backendNamed(c, 'inherits').healthCheck.rules.length, 2);
    const own = backendNamed(c, 'replaces').healthCheck.rules;
    assert.equal(own.length, 1);
    assert.ok(own[0]?.kind === 'send');
    assert.equal(Buffer.from(own[0].data).toString(), 'B\n');
  });

  test('disabled in defaults disables the proxies after it', async () => {
    const c = validConfig(await load(['defaults', '  disabled', TIMEOUTS, 'backend b', 'backend c', '  enabled'].join('\n')));
    assert.deepEqual([backendNamed(c, 'b').disabled, backendNamed(c, 'c').disabled], [true, false]);
  });
});
