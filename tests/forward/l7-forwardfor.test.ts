// `option forwardfor` / `option originalto` decisions (HAProxy 2.6 §4.2) as pure functions: `except` networks (the
// network codec itself: tests/net/network.test.ts), IPv4-mapped IPv6 clients, `header NAME`, `if-none`, frontend vs
// backend settings.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IpNetwork, ProxyOptions } from '../../config/model.js';
import { forwardedFor, originalTo } from '../../core/forward/forwardfor.js';
import { parseNetwork } from '../../core/net/network.js';
import { defaultProxyOptions } from '../../config/defaults.js';

const BASE: ProxyOptions = defaultProxyOptions();

function opts(extra: Partial<ProxyOptions>): ProxyOptions {
  return { ...BASE, ...extra };
}

/** An `except` network as config loading parses it into the model. */
function network(text: string): IpNetwork {
  const parsed = parseNetwork(text);
  assert.ok(parsed !== undefined, text);
  return parsed;
}

describe('forwardedFor', () => {
  const ff = (except?: string, ifNone = false, header = 'X-Forwarded-For'): ProxyOptions =>
    opts({ forwardfor: except === undefined ? { header, ifNone } : { except: network(except), header, ifNone } });

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
    assert.equal(originalTo(opts({ originalto: { header: 'X-O', except: network('127.0.0.0/8') } }), BASE, '127.0.0.1'), undefined);
    assert.equal(originalTo(BASE, BASE, '127.0.0.1'), undefined);
  });
});
