// `option forwardfor` / `option originalto` decisions (HAProxy 2.6 §4.2) as pure functions: `except` networks with
// prefix or dotted masks, IPv4-mapped IPv6 clients, `header NAME`, `if-none`, frontend vs backend settings.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ProxyOptions } from '../../config/model.js';
import { forwardedFor, inNetwork, originalTo, parseNetwork } from '../../core/forward/forwardfor.js';
import { defaultProxyOptions } from '../../config/defaults.js';

const BASE: ProxyOptions = defaultProxyOptions();

function opts(extra: Partial<ProxyOptions>): ProxyOptions {
  return { ...BASE, ...extra };
}

describe('except networks', () => {
  const cases: [string, string, boolean][] = [
    ['127.0.0.1', '127.0.0.0/8', true],
    ['127.255.1.2', '127.0.0.0/8', true],
    ['128.0.0.1', '127.0.0.0/8', false],
    ['::ffff:127.0.0.1', '127.0.0.0/8', true],
    ['::ffff:10.1.2.3', '127.0.0.0/8', false],
    ['10.1.2.3', '10.0.0.0/255.0.0.0', true],
    ['10.1.2.3', '10.1.2.0/255.255.255.240', true],
    ['10.1.2.30', '10.1.2.0/255.255.255.240', false],
    ['192.168.1.1', '192.168.1.1', true],
    ['192.168.1.2', '192.168.1.1', false],
    ['2001:db8::1', '2001:db8::/32', true],
    ['2001:db9::1', '2001:db8::/32', false],
    ['127.0.0.1', '::1/128', false],
  ];
  for (const [address, net, expected] of cases) {
    test(`${address} ${expected ? 'is' : 'is not'} in ${net}`, () => {
      const parsed = parseNetwork(net);
      assert.ok(parsed !== undefined);
      assert.equal(inNetwork(address, parsed), expected);
    });
  }

  test('an unreadable network is undefined', () => {
    assert.equal(parseNetwork('nope/8'), undefined);
    assert.equal(parseNetwork('10.0.0.0/33'), undefined);
  });
});

describe('forwardedFor', () => {
  const ff = (except?: string, ifNone = false, header = 'X-Forwarded-For'): ProxyOptions =>
    opts({ forwardfor: except === undefined ? { header, ifNone } : { except, header, ifNone } });

  test('adds the client address unless it lies in the except network (the seed: except 127.0.0.0/8)', () => {
    assert.equal(forwardedFor(ff('127.0.0.0/8'), ff('127.0.0.0/8'), '127.0.0.1', []), undefined);
    assert.deepEqual(forwardedFor(ff('127.0.0.0/8'), ff('127.0.0.0/8'), '10.2.3.4', []), {
      name: 'X-Forwarded-For',
      value: '10.2.3.4',
    });
  });

  test('an IPv4-mapped client is matched against an IPv4 except network', () => {
    assert.equal(forwardedFor(ff('127.0.0.0/8'), BASE, '::ffff:127.0.0.1', []), undefined);
  });

  test('the option on either proxy is enough; the backend header name wins; either except exempts', () => {
    assert.deepEqual(forwardedFor(BASE, ff(undefined, false, 'X-Client'), '10.0.0.1', []), { name: 'X-Client', value: '10.0.0.1' });
    assert.deepEqual(forwardedFor(ff(undefined, false, 'X-Fe'), ff(undefined, false, 'X-Be'), '10.0.0.1', [])?.name, 'X-Be');
    assert.equal(forwardedFor(ff('10.0.0.0/8'), ff(), '10.0.0.1', []), undefined);
    assert.equal(forwardedFor(BASE, BASE, '10.0.0.1', []), undefined);
  });

  test('if-none: nothing is added when the request already has the header (any case)', () => {
    const present = [{ name: 'x-forwarded-for', value: '1.2.3.4' }];
    assert.equal(forwardedFor(ff(undefined, true), BASE, '10.0.0.1', present), undefined);
    assert.deepEqual(forwardedFor(ff(undefined, true), BASE, '10.0.0.1', [])?.value, '10.0.0.1');
    // Without if-none the header is appended after the client's own.
    assert.deepEqual(forwardedFor(ff(), BASE, '10.0.0.1', present)?.value, '10.0.0.1');
  });
});

describe('originalTo', () => {
  test('adds an IPv4 destination, honours except, skips IPv6 and IPv4-mapped (AF_INET6) destinations', () => {
    const o = opts({ originalto: { header: 'X-Original-To' } });
    assert.deepEqual(originalTo(o, BASE, '127.0.0.1'), { name: 'X-Original-To', value: '127.0.0.1' });
    assert.equal(originalTo(o, BASE, '::ffff:192.0.2.1'), undefined);
    assert.equal(originalTo(o, BASE, '2001:db8::1'), undefined);
    assert.equal(originalTo(opts({ originalto: { header: 'X-O', except: '127.0.0.0/8' } }), BASE, '127.0.0.1'), undefined);
    assert.equal(originalTo(BASE, BASE, '127.0.0.1'), undefined);
  });
});
