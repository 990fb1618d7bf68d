// The L7 hashes (uri, url_param, hdr): the key is hashed with the hash-type function (+ avalanche) and looked
// up in the map or ring; a request without the key is spread round robin; arguments are checked like HAProxy.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HashTypeConfig } from '../../config/model.js';
import { hashDjb2, hashSdbm, fullHash } from '../../core/balance/hash-functions.js';
import { hdrAlgorithm } from '../../core/balance/hdr.js';
import { uriAlgorithm } from '../../core/balance/uri.js';
import { urlParamAlgorithm } from '../../core/balance/url-param.js';
import { balanceArgs, buildTestBackend, pickNames } from '../support/backend-view.js';

const MAP: HashTypeConfig = { method: 'map-based', function: 'sdbm', avalanche: false };

function setup(hashType: HashTypeConfig) {
  const be = buildTestBackend([{}, {}, {}]);
  const b = uriAlgorithm.create(be.view, { args: balanceArgs('uri'), hashType });
  return { be, at: (key: string) => be.nameOf(b.pick({ key })), b };
}

test('uri: the server is the hash-type function of the key, mod the total weight', () => {
  // sdbm('/index.html') = 858007926 ≡ 0 (mod 3); djb2 = 3776231887 ≡ 1; sdbm + avalanche ≡ 0.
  assert.equal(hashSdbm('/index.html') % 3, 0);
  assert.equal(setup(MAP).at('/index.html'), 's0');
  assert.equal(hashDjb2('/index.html') % 3, 1);
  assert.equal(setup({ ...MAP, function: 'djb2' }).at('/index.html'), 's1');
  assert.equal(setup({ ...MAP, avalanche: true }).at('/index.html'), `s${fullHash(858007926) % 3}`);
  // sdbm('/a') ≡ 0, '/b' ≡ 1, '/c' ≡ 2: neighbouring keys spread.
  const { at } = setup(MAP);
  assert.deepEqual(['/a', '/b', '/c'].map(at), ['s0', 's1', 's2']);
});

test('a request without the key is spread round robin', () => {
  const { be, b } = setup(MAP);
  assert.deepEqual(pickNames(be, b, 6), ['s0', 's1', 's2', 's0', 's1', 's2']);
});

test('consistent L7 hashing keeps each key on one server', () => {
  const { at } = setup({ method: 'consistent', function: 'wt6', avalanche: true });
  for (const key of ['/x', '/y/z', 'session-42']) {
    const home = at(key);
    for (let i = 0; i < 5; i++) assert.equal(at(key), home);
  }
});

test('L7 algorithms need the HTTP request and validate their arguments like HAProxy', () => {
  for (const a of [uriAlgorithm, urlParamAlgorithm, hdrAlgorithm]) assert.equal(a.needs, 'http');
  assert.deepEqual(uriAlgorithm.parseArgs(undefined, ['len', '12', 'whole']), { kind: 'uri', len: 12, depth: 0, whole: true, pathOnly: false });
  assert.equal(typeof uriAlgorithm.parseArgs(undefined, ['depth']), 'string');
  assert.deepEqual(urlParamAlgorithm.parseArgs(undefined, ['user']), { kind: 'url_param', param: 'user', checkPost: false });
  assert.deepEqual(urlParamAlgorithm.parseArgs(undefined, ['user', 'check_post']), { kind: 'url_param', param: 'user', checkPost: true });
  assert.equal(typeof urlParamAlgorithm.parseArgs(undefined, []), 'string');
  assert.equal(typeof urlParamAlgorithm.parseArgs(undefined, ['user', 'post']), 'string');
  assert.deepEqual(hdrAlgorithm.parseArgs('Host', ['use_domain_only']), { kind: 'hdr', header: 'Host', useDomainOnly: true });
  assert.equal(typeof hdrAlgorithm.parseArgs(undefined, []), 'string');
  assert.equal(typeof hdrAlgorithm.parseArgs('Host', ['domain']), 'string');
});
