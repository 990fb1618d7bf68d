// Unit tests for checkRequestTarget (core/http1/target.ts): the Host checks and absolute-form / CONNECT
// normalisation haproxy 2.6.12 applies (each row measured against it; tests/regressions/issue-0008-absolute-form and
// the corpus re-check them against the real binary).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkRequestTarget } from '../../core/http1/target.js';
import type { HeaderField } from '../../core/http1/header-list.js';

const host = (...values: string[]): HeaderField[] => values.map((value) => ({ name: 'Host', value }));

/** method, target, Host values → forwarded [target, Host values] or 'error'. */
const ROWS: readonly [string, string, string[], [string, string[]] | 'error'][] = [
  ['GET', '/x', ['a:80'], ['/x', ['a:80']]],
  ['GET', '*', ['a'], ['*', ['a']]],
  ['GET', 'http://a:80/x', ['a'], ['http://a/x', ['a']]],
  ['GET', 'http://A:80/x', ['a:80'], ['http://A/x', ['A']]],
  ['GET', 'Http://a:80', ['a'], ['Http://a', ['a']]],
  ['GET', 'http://a:/x', ['a:'], ['http://a/x', ['a']]],
  ['GET', 'http://a/x', ['a:80'], ['http://a/x', ['a:80']]],
  ['GET', 'https://a:443/x', ['a:443'], ['https://a/x', ['a']]],
  ['GET', 'https://a/x', ['a:443'], ['https://a/x', ['a:443']]],
  ['GET', 'https://a:80/x', ['a'], 'error'],
  ['GET', 'http://a:8080/x', ['a'], 'error'],
  ['GET', 'http://a:8080/x', ['a:8080'], ['http://a:8080/x', ['a:8080']]],
  ['GET', 'http://a:080/x', ['a'], 'error'],
  ['GET', 'ws://a:80/x', ['a'], 'error'],
  ['GET', 'http://u:p@a:80/x', ['a'], ['http://u:p@a/x', ['a']]],
  ['GET', 'http://[::1]:80/x', ['[::1]:80'], ['http://[::1]/x', ['[::1]']]],
  ['GET', 'http://[::1]/x', ['[::1]'], ['http://[::1]/x', ['[::1]']]],
  ['GET', 'http://a:80:80/x', ['a:80:80'], ['http://a:80/x', ['a:80']]],
  ['GET', 'http:///x', ['a'], ['http:///x', ['a']]],
  ['GET', 'http://a?q=1', ['a'], 'error'],
  ['GET', 'http://a?q=1', [], ['http://a?q=1', []]],
  ['GET', 'foo', ['foo'], ['foo', ['foo']]],
  ['GET', 'a:80/x', ['a'], 'error'],
  ['GET', 'http://a:80/x', [], ['http://a/x', []]],
  ['GET', 'http://a:80/x', [''], 'error'],
  ['CONNECT', 'a:443', ['a:443'], ['a:443', ['a']]],
  ['CONNECT', 'a:80', ['a'], ['a:80', ['a']]],
  ['CONNECT', 'a:8443', ['a:8443'], ['a:8443', ['a:8443']]],
  ['CONNECT', 'A:443', ['a:443'], ['A:443', ['a']]],
  ['CONNECT', 'a:443', ['b'], 'error'],
  ['CONNECT', 'a', ['a'], 'error'],
  ['CONNECT', '/x', ['a'], 'error'],
];

describe('checkRequestTarget', () => {
  for (const [method, target, hosts, expected] of ROWS) {
    test(`${method} ${target} with Host ${JSON.stringify(hosts)} → ${JSON.stringify(expected)}`, () => {
      const r = checkRequestTarget(method, target, host(...hosts));
      if (expected === 'error') {
        assert.ok('error' in r, JSON.stringify(r));
        return;
      }
      assert.ok(!('error' in r), JSON.stringify(r));
      assert.equal(r.target, expected[0]);
      assert.deepEqual(
        r.headers.map((h) => h.value),
        expected[1],
      );
    });
  }

  test('several equal Host fields (any case) are forwarded once, different ones refused', () => {
    const r = checkRequestTarget('GET', '/', [...host('a', 'A'), { name: 'X', value: '1' }]);
    assert.ok(!('error' in r));
    assert.deepEqual(r.headers, [{ name: 'Host', value: 'a' }, { name: 'X', value: '1' }]);
    assert.ok('error' in checkRequestTarget('GET', '/', host('a', 'b')));
  });

  test('an origin-form request comes back with its own header list (no copy on the hot path)', () => {
    const headers = host('a');
    const r = checkRequestTarget('GET', '/x', headers);
    assert.ok(!('error' in r));
    assert.equal(r.headers, headers);
  });
});
