// `balance source`: known addresses land where HAProxy's formula puts them (XOR-folded address, % total weight
// into HAProxy's map; or the closest point of the consistent ring), and consistent hashing moves only the keys of
// a server that leaves. Expected servers were also checked against haproxy 2.6.12 (see haproxy-parity.test.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HashTypeConfig } from '../../config/model.js';
import { NO_ARGS } from '../../core/balance/balancer.js';
import { fullHash } from '../../core/balance/hash-functions.js';
import { sourceAlgorithm } from '../../core/balance/source.js';
import { buildTestBackend, pickNames, type TestServerSpec } from '../support/backend-view.js';

const MAP: HashTypeConfig = { method: 'map-based', function: 'sdbm', avalanche: false };
const CONSISTENT: HashTypeConfig = { method: 'consistent', function: 'sdbm', avalanche: true };

function setup(specs: readonly TestServerSpec[], hashType: HashTypeConfig) {
  const be = buildTestBackend(specs);
  const sh = sourceAlgorithm.create(be.view, { args: NO_ARGS, hashType });
  return { be, sh, at: (key: string) => be.nameOf(sh.pick({ key })) };
}

test('map-based, 3 equal servers: the server is the folded address mod 3', () => {
  const { at } = setup([{}, {}, {}], MAP);
  assert.equal(at('127.0.0.1'), 's2'); // 0x7f000001 = 2130706433 ≡ 2 (mod 3)
  assert.equal(at('::1'), 's1'); // 1 ≡ 1
  assert.equal(at('192.168.1.20'), 's0'); // 0xc0a80114 = 3232235796 ≡ 0
  assert.equal(at('2001:db8::1'), 's0'); // 0x20010db8 ^ 1 = 536939961 ≡ 0
  assert.equal(at('::ffff:127.0.0.1'), 's0'); // 0x0000ffff ^ 0x7f000001 = 2130771966 ≡ 0
});

test('map-based, weights 5,1,1: hash mod 7 indexes HAProxy map a,a,a,b,a,a,c', () => {
  const { at } = setup([
    { name: 'a', weight: 5 },
    { name: 'b', weight: 1 },
    { name: 'c', weight: 1 },
  ], MAP);
  assert.equal(at('127.0.0.1'), 'a'); // 2130706433 mod 7 = 2
  assert.equal(at('10.0.0.0'), 'b'); // 167772160 mod 7 = 3
  assert.equal(at('192.168.1.20'), 'c'); // 3232235796 mod 7 = 6
});

test('avalanche hashes the folded address with full_hash first', () => {
  const { at } = setup([{}, {}, {}], { ...MAP, avalanche: true });
  // full_hash(0x7f000001) = 2317047883 (HAProxy's C) ≡ 1 (mod 3)
  assert.equal(fullHash(0x7f000001) % 3, 1);
  assert.equal(at('127.0.0.1'), 's1');
});

test('the hash function of hash-type is not used for source (HAProxy 2.6 folds the address)', () => {
  const sdbm = setup([{}, {}, {}, {}, {}], MAP);
  const crc = setup([{}, {}, {}, {}, {}], { ...MAP, function: 'crc32' });
  for (let i = 0; i < 50; i++) assert.equal(sdbm.at(`10.9.${i}.${i * 3}`), crc.at(`10.9.${i}.${i * 3}`));
});

test('a client keeps its server across picks', () => {
  const { be, sh } = setup([{}, {}, {}, {}], CONSISTENT);
  const first = pickNames(be, sh, 1, { key: '172.16.5.4' })[0];
  assert.deepEqual(new Set(pickNames(be, sh, 20, { key: '172.16.5.4' })), new Set([first]));
});

test('consistent: the server owning the ring point closest to the hash, as a brute-force search finds it', () => {
  const specs = [{ weight: 1 }, { weight: 2 }, { weight: 3 }];
  const { at } = setup(specs, CONSISTENT);
  // Oracle: every point full_hash(id·4096 + j), id = position + 1, j < weight·16; the closest by ring distance,
  // the lower point on a tie. Written independently of the ring's binary search.
  const points = specs.flatMap((s, i) =>
    Array.from({ length: s.weight * 16 }, (_, j) => ({ key: fullHash((i + 1) * 4096 + j), owner: `s${i}` })),
  );
  const closest = (h: number): string => {
    let best = { d: Infinity, key: 0, owner: '' };
    for (const p of points) {
      const d = Math.min((h - p.key) >>> 0, (p.key - h) >>> 0);
      const before = ((h - p.key) >>> 0) <= ((p.key - h) >>> 0);
      if (d < best.d || (d === best.d && before)) best = { d, key: p.key, owner: p.owner };
    }
    return best.owner;
  };
  for (let i = 0; i < 300; i++) {
    const addr = `10.${i & 7}.${i >> 3}.${(i * 29) & 255}`;
    const h = fullHash(((10 << 24) | ((i & 7) << 16) | ((i >> 3) << 8) | ((i * 29) & 255)) >>> 0);
    assert.equal(at(addr), closest(h), addr);
  }
});

test('consistent: when a server goes down only its clients move, and they come back with it', () => {
  const { be, at } = setup([{}, {}, {}, {}], CONSISTENT);
  const addrs = Array.from({ length: 2000 }, (_, i) => `192.0.${i >> 8}.${i & 255}`);
  const before = addrs.map(at);
  be.setUp(2, false);
  const during = addrs.map(at);
  let moved = 0;
  addrs.forEach((_, i) => {
    if (before[i] === 's2') {
      assert.notEqual(during[i], 's2');
      moved++;
    } else assert.equal(during[i], before[i], `client ${addrs[i]} moved off a healthy server`);
  });
  assert.ok(moved > 0, 's2 had clients to move');
  be.setUp(2, true);
  assert.deepEqual(addrs.map(at), before);
});

test('map-based: a weight change of one server does not matter until the config weights change', () => {
  const { be, at } = setup([{ weight: 2 }, { weight: 2 }], MAP);
  const before = Array.from({ length: 50 }, (_, i) => at(`10.1.1.${i}`));
  be.setWeight(0, 1); // slowstart / set weight: map-based follows static weights
  assert.deepEqual(Array.from({ length: 50 }, (_, i) => at(`10.1.1.${i}`)), before);
});

test('a key that is not an IP falls back to round robin over the map', () => {
  const { be, sh } = setup([{}, {}, {}], MAP);
  assert.deepEqual(pickNames(be, sh, 6, { key: '/run/client.sock' }), ['s0', 's1', 's2', 's0', 's1', 's2']);
  assert.deepEqual(pickNames(be, sh, 3), ['s0', 's1', 's2']);
});

test('skipping the hashed server gives the next one, the same for every pick', () => {
  for (const hashType of [MAP, CONSISTENT]) {
    const { be, sh } = setup([{}, {}, {}, {}], hashType);
    const home = pickNames(be, sh, 1, { key: '203.0.113.9' })[0];
    const other = pickNames(be, sh, 10, { key: '203.0.113.9', skip: (s) => s.name === home });
    assert.equal(new Set(other).size, 1);
    assert.notEqual(other[0], home);
  }
});
