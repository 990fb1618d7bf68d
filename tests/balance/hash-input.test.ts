// Key extraction for the hashing algorithms: the source XOR-fold (HAProxy get_server_sh; reading the address is
// core/net's, tests/net/ip-address.test.ts), and the uri / url_param / hdr inputs (get_server_uh/ph/hh), including
// their arguments.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  headerHashInput,
  sourceAddressHash,
  uriHashInput,
  urlParamValue,
  type UriHashOptions,
} from '../../core/balance/hash-input.js';
import { requestKeyExtractor } from '../../core/balance/registry.js';
import { uriAlgorithm } from '../../core/balance/uri.js';
import type { RequestHead } from '../../core/http1/parser.js';
import { balanceConfig } from '../support/backend-view.js';

test('the source hash XORs the address as big-endian 32-bit words', () => {
  assert.equal(sourceAddressHash('127.0.0.1'), 0x7f000001);
  assert.equal(sourceAddressHash('::1'), 1);
  // 0x20010db8 ^ 0 ^ 0 ^ 0x00000001
  assert.equal(sourceAddressHash('2001:db8::1'), 0x20010db9);
  // An IPv4-mapped address is 16 bytes to HAProxy too: 0x0000ffff ^ 0x7f000001.
  assert.equal(sourceAddressHash('::ffff:127.0.0.1'), 0x7f00fffe);
  assert.equal(sourceAddressHash(Uint8Array.of(192, 168, 1, 20)), 0xc0a80114);
  assert.equal(sourceAddressHash('not-an-ip'), undefined);
  for (const bad of ['1.2.3', '1.2.3.256', '1.2.3.4.5', '1..2.3', '1.2.3.', '', '1234.1.1.1']) {
    assert.equal(sourceAddressHash(bad), undefined, bad);
  }
  assert.equal(sourceAddressHash('255.255.255.255'), 0xffffffff);
  assert.equal(sourceAddressHash('0.0.0.0'), 0);
});

const URI: UriHashOptions = { len: 0, depth: 0, whole: false, pathOnly: false };

test('uri hashing stops at "?" unless whole, and honours len and depth', () => {
  assert.equal(uriHashInput('/a/b/c?x=1', URI), '/a/b/c');
  assert.equal(uriHashInput('/a/b/c?x=1', { ...URI, whole: true }), '/a/b/c?x=1');
  assert.equal(uriHashInput('/a/b/c?x=1', { ...URI, len: 4 }), '/a/b');
  // depth 2 keeps two directories: stop before the third '/'.
  assert.equal(uriHashInput('/a/b/c/d', { ...URI, depth: 2 }), '/a/b');
  assert.equal(uriHashInput('/a?b/c', { ...URI, depth: 1 }), '/a');
  assert.equal(uriHashInput('http://h.example/p/q?z', { ...URI, pathOnly: true }), '/p/q');
  assert.equal(uriHashInput('http://h.example', { ...URI, pathOnly: true }), '');
  assert.equal(uriHashInput('http://h.example/p?z', URI), 'http://h.example/p');
});

test('uri arguments parse like HAProxy and bad ones are reported', () => {
  assert.deepEqual(uriAlgorithm.parseArgs(undefined, ['len', '10', 'depth', '3', 'whole', 'path-only']), {
    kind: 'uri',
    len: 10,
    depth: 3,
    whole: true,
    pathOnly: true,
  });
  assert.equal(typeof uriAlgorithm.parseArgs(undefined, ['len']), 'string');
  assert.equal(typeof uriAlgorithm.parseArgs(undefined, ['depth', '0']), 'string');
  assert.equal(typeof uriAlgorithm.parseArgs(undefined, ['bogus']), 'string');
});

test('url_param finds the exact parameter name and reads its value up to "&"', () => {
  assert.equal(urlParamValue('/q?user=alice&x=1', 'user'), 'alice');
  assert.equal(urlParamValue('/q?x=1&user=bob', 'user'), 'bob');
  assert.equal(urlParamValue('/q?username=carol&user=dan', 'user'), 'dan');
  assert.equal(urlParamValue('/q?user=', 'user'), '');
  assert.equal(urlParamValue('/q?user', 'user'), undefined);
  assert.equal(urlParamValue('/user=eve', 'user'), undefined);
});

test('hdr hashes the first value, or only the domain label with use_domain_only', () => {
  assert.equal(headerHashInput(' a.example.com , b ', false), 'a.example.com');
  assert.equal(headerHashInput('www.example.com', true), 'example');
  assert.equal(headerHashInput('example.com', true), 'example');
  assert.equal(headerHashInput('localhost', true), 'localhost');
  assert.equal(headerHashInput('', false), undefined);
  assert.equal(headerHashInput(undefined, false), undefined);
});

test('the HTTP key extractor reads what each L7 algorithm hashes', () => {
  const request: RequestHead = {
    method: 'GET',
    target: '/shop/cart?session=s42&x=1',
    version: '1.1',
    headers: [{ name: 'host', value: 'www.orca.example' }],
  };
  // What the forwarder builds per backend (core/forward/backend-runtime.ts) and calls per request head.
  const key = (line: string): string | undefined => requestKeyExtractor('b', balanceConfig(line))?.(request);
  assert.equal(key('uri depth 1'), '/shop');
  assert.equal(key('url_param session'), 's42');
  assert.equal(key('hdr(Host) use_domain_only'), 'orca');
  assert.equal(key('hdr(X-Missing)'), undefined);
  assert.equal(requestKeyExtractor('b', balanceConfig('roundrobin')), undefined);
});
