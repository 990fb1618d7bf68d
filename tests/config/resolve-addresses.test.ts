// Address resolution after parsing: numeric addresses pass through, names resolve in parallel with a timeout,
// failures give HAProxy's texts for servers, check addresses and binds; init-addr fallbacks.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveHosts } from '../../config/resolve-addresses.js';
import { TIMEOUTS, backendNamed, frontendNamed, load, oneWarning, rendered, validConfig } from '../support/config-load.js';

describe('resolveHosts', () => {
  test('numeric IPv4 and IPv6 addresses never reach the resolver', async () => {
    const asked: string[] = [];
    const r = await resolveHosts(['10.0.0.1', '::1', 'fe80::1%lo'], 100, async (h) => {
      asked.push(h);
      return '1.1.1.1';
    });
    assert.deepEqual(asked, []);
    assert.deepEqual(r.get('::1'), { ok: true, address: '::1' });
  });

  test('each distinct name is looked up once, all in parallel', async () => {
    let inFlight = 0;
    let peak = 0;
    const asked: string[] = [];
    const r = await resolveHosts(['a.test', 'b.test', 'a.test', 'c.test'], 1000, async (h) => {
      asked.push(h);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((res) => setImmediate(res));
      inFlight--;
      return `10.9.9.${asked.length}`;
    });
    assert.deepEqual(asked.sort(), ['a.test', 'b.test', 'c.test']);
    assert.equal(peak, 3);
    assert.equal(r.get('a.test')?.ok, true);
  });

  test('a resolver that never answers counts as a failure after the timeout', async () => {
    const r = await resolveHosts(['slow.test'], 50, () => new Promise<string>(() => {}));
    assert.deepEqual(r.get('slow.test'), { ok: false, reason: 'no answer within 50 ms' });
  });

  test('the system resolver answers for localhost', async () => {
    const r = await resolveHosts(['localhost']);
    const answer = r.get('localhost');
    assert.ok(answer?.ok === true && (answer.address === '127.0.0.1' || answer.address === '::1'));
  });
});

describe('resolution in loadConfig', () => {
  const lookup = async (host: string): Promise<string> => {
    if (host === 'db1.test') return '10.1.1.1';
    throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  };

  test('server, bind and check addr names are replaced by the resolved IPs', async () => {
    const c = validConfig(
      await load(
        `frontend f\n  bind db1.test:80\n  default_backend b\nbackend b\n  server s db1.test:9000 check addr db1.test\n${TIMEOUTS}`,
        't.cfg',
        { lookup },
      ),
    );
    assert.equal(frontendNamed(c, 'f').binds[0]?.address, '10.1.1.1');
    const s = backendNamed(c, 'b').servers[0];
    assert.deepEqual([s?.address, s?.port, s?.checkAddr], ['10.1.1.1', 9000, '10.1.1.1']);
  });

  test('every unresolvable server, check addr and bind is its own error', async () => {
    const r = await load(
      [
        'frontend f',
        '  bind foo.invalid:80',
        'backend b',
        '  server s1 nope1.invalid:80',
        '  server s2 db1.test:80 addr nope2.invalid',
        TIMEOUTS,
      ].join('\n'),
      't.cfg',
      { lookup },
    );
    assert.equal(r.config, undefined);
    assert.deepEqual(rendered(r).errors, [
      "[t.cfg:2] : 'bind' : invalid address: 'foo.invalid' in 'foo.invalid:80'",
      "[t.cfg:4] : 'server b/s1' : could not resolve address 'nope1.invalid'.",
      "[t.cfg:5] : 'server b/s2' : 'addr' : invalid address: 'nope2.invalid' in 'nope2.invalid'.",
    ]);
  });

  test('init-addr with a literal IP or none keeps an unresolvable server (none: in maintenance)', async () => {
    const r = await load(
      `backend b\n  server s1 x.invalid:80 init-addr last,libc,10.2.2.2\n  server s2 y.invalid:80 init-addr none\n${TIMEOUTS}`,
      't.cfg',
      { lookup },
    );
    const [s1, s2] = backendNamed(validConfig(r), 'b').servers;
    assert.deepEqual([s1?.address, s1?.disabled], ['10.2.2.2', false]);
    // Resolution maintenance (HAProxy's RMAINT), not `disabled`: an address given later can bring it in.
    assert.deepEqual([s2?.address, s2?.disabled, s2?.unresolved], ['0.0.0.0', false, true]);
    oneWarning(r, "[t.cfg:3] : 'server b/s2' : could not resolve address 'y.invalid', starting in maintenance (init-addr none).");
  });

  test('resolution still runs when parsing found errors, so one run lists every problem', async () => {
    const r = await load(`backend b\n  retries x\n  server s zz.invalid:80\n${TIMEOUTS}`, 't.cfg', { lookup });
    assert.deepEqual(
      r.errors.map((e) => e.code),
      ['ORCA_CONFIG_BAD_VALUE', 'ORCA_CONFIG_RESOLVE'],
    );
  });
});
