// The one network codec (core/net/network.ts): HAProxy's `<address>[/mask]` as `option forwardfor/originalto except`
// takes it, parsed once at config load into bytes and a prefix, and the membership test the request path runs.
// Masks as prefix lengths and dotted netmasks, host bits cleared, v4-mapped clients, the forms refused.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatNetwork, inNetwork, parseNetwork } from '../../core/net/network.js';

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

describe('parsing', () => {
  test('a dotted netmask and its prefix length are the same network; host bits are cleared', () => {
    assert.deepEqual(parseNetwork('10.1.2.3/255.255.0.0'), parseNetwork('10.1.0.0/16'));
    const masked = parseNetwork('10.1.2.3/255.255.0.0');
    assert.ok(masked !== undefined);
    assert.equal(formatNetwork(masked), '10.1.0.0/16');
    assert.deepEqual(parseNetwork('10.1.2.3/255.255.255.240'), parseNetwork('10.1.2.0/28'));
    assert.deepEqual(parseNetwork('10.1.2.3/0.0.0.0'), parseNetwork('0.0.0.0/0'));
    assert.deepEqual(parseNetwork('10.1.2.3/255.255.255.255'), parseNetwork('10.1.2.3'));
  });

  test('written forms and their normalised text', () => {
    const cases: [string, string][] = [
      ['127.0.0.0/8', '127.0.0.0/8'],
      ['192.168.1.1', '192.168.1.1/32'],
      ['2001:db8::1/32', '2001:db8::/32'],
      ['2001:db8::1', '2001:db8::1/128'],
      ['::/0', '::/0'],
      ['::1', '::1/128'],
      ['fe80::1:2:3:4/65', 'fe80::/65'],
      // Two equal runs of zero words: the first one is written `::` (glibc).
      ['fe80::ffff:2:3:4/66', 'fe80::c000:0:0:0/66'],
      ['::ffff:10.1.2.3/120', '::ffff:10.1.2.0/120'],
      ['10.0.0.0/010', '10.0.0.0/10'],
    ];
    for (const [text, normalised] of cases) {
      const parsed = parseNetwork(text);
      assert.ok(parsed !== undefined, text);
      assert.equal(formatNetwork(parsed), normalised, text);
      assert.deepEqual(parseNetwork(normalised), parsed, `${text} round trip`);
    }
  });

  test('refused: bad addresses, masks too long, non-contiguous or dotted IPv6 masks, zones, host names', () => {
    const refused = [
      '',
      '/8',
      '10.0.0.0/',
      '10.0.0.0/33',
      '10.0.0.0/0008',
      '10.0.0.0/-1',
      '10.0.0.0/8/8',
      '10.0.0.0/255.0.255.0',
      '10.0.0.0/255.255.255.1',
      '10.0.0.0/255.0.0.00',
      '2001:db8::/129',
      '2001:db8::/ffff::',
      '2001:db8::/255.255.0.0',
      'fe80::1%eth0',
      'fe80::1%eth0/64',
      '0::%eth0',
      '::%a:b/8',
      '256.0.0.0/8',
      'localhost/8',
      '10.0.0.0 /8',
    ];
    for (const text of refused) assert.equal(parseNetwork(text), undefined, text);
  });
});

describe('membership', () => {
  test('an IPv4-mapped network holds no client: mapped clients are tested as IPv4 (as before the merge)', () => {
    const mapped = parseNetwork('::ffff:10.0.0.0/104');
    assert.ok(mapped !== undefined);
    assert.equal(inNetwork('::ffff:10.1.2.3', mapped), false);
    assert.equal(inNetwork('10.1.2.3', mapped), false);
  });

  test('prefix edges: /0 holds its whole family, /32 and /128 one host, a partial byte is compared bit by bit', () => {
    const all4 = parseNetwork('0.0.0.0/0');
    const all6 = parseNetwork('::/0');
    assert.ok(all4 !== undefined && all6 !== undefined);
    assert.equal(inNetwork('203.0.113.9', all4), true);
    assert.equal(inNetwork('2001:db8::1', all4), false);
    assert.equal(inNetwork('2001:db8::1', all6), true);
    assert.equal(inNetwork('203.0.113.9', all6), false);
    const odd = parseNetwork('10.0.0.128/25');
    assert.ok(odd !== undefined);
    assert.equal(inNetwork('10.0.0.128', odd), true);
    assert.equal(inNetwork('10.0.0.255', odd), true);
    assert.equal(inNetwork('10.0.0.127', odd), false);
    const host6 = parseNetwork('2001:db8::1');
    assert.ok(host6 !== undefined);
    assert.equal(inNetwork('2001:db8::1', host6), true);
    assert.equal(inNetwork('2001:db8::1%eth0', host6), true);
    assert.equal(inNetwork('2001:db8::2', host6), false);
  });

  test('anything that is not an address is in no network', () => {
    const all4 = parseNetwork('0.0.0.0/0');
    assert.ok(all4 !== undefined);
    for (const text of ['', 'localhost', '/run/orcalb.sock', '1.2.3', '::g']) {
      assert.equal(inNetwork(text, all4), false, text);
    }
  });
});
