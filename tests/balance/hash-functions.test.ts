// The hash-type functions against vectors computed by compiling HAProxy 2.6.0's src/hash.c and full_hash()
// (include/haproxy/intops.h) with gcc: for each input, the unsigned 32-bit result HAProxy's C code returns.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  HASH_FUNCTIONS,
  fullHash,
  hashCrc32,
  hashDjb2,
  hashKey,
  hashSdbm,
  hashWt6,
} from '../../core/balance/hash-functions.js';

// input, sdbm, djb2, wt6, crc32 — as printed by the C program.
const VECTORS: ReadonlyArray<readonly [string, number, number, number, number]> = [
  ['', 0, 5381, 4187620192, 0],
  ['a', 97, 177670, 1900802597, 3904355907],
  ['abc', 807794786, 193485963, 2483038440, 891568578],
  ['123456789', 1755344949, 902675330, 2225171485, 3421780262],
  ['/index.html', 858007926, 3776231887, 822151038, 3928116034],
  // Longer than 8 bytes: crosses djb2's 8-way unrolled loop in the C version.
  ['hello world 12345', 3321323223, 73901344, 3299270750, 1412790727],
  ['DolphinDB', 3100288316, 3659442553, 971307391, 2322208624],
];

test('sdbm, djb2, wt6 and crc32 return what HAProxy 2.6 returns for the same bytes', () => {
  for (const [input, sdbm, djb2, wt6, crc32] of VECTORS) {
    assert.equal(hashSdbm(input), sdbm, `sdbm(${JSON.stringify(input)})`);
    assert.equal(hashDjb2(input), djb2, `djb2(${JSON.stringify(input)})`);
    assert.equal(hashWt6(input), wt6, `wt6(${JSON.stringify(input)})`);
    assert.equal(hashCrc32(input), crc32, `crc32(${JSON.stringify(input)})`);
  }
});

test('crc32 is the standard CRC-32: check value of "123456789" is 0xCBF43926', () => {
  assert.equal(hashCrc32('123456789'), 0xcbf43926);
});

test('a string and its latin1 bytes hash the same', () => {
  const text = 'Host: caf\u00e9.example';
  const bytes = Uint8Array.from(Buffer.from(text, 'latin1'));
  for (const fn of Object.values(HASH_FUNCTIONS)) assert.equal(fn(text), fn(bytes));
});

test('avalanche (full_hash) matches HAProxy for edge and address values', () => {
  const vectors: ReadonlyArray<readonly [number, number]> = [
    [0, 2874071335],
    [1, 881230262],
    [0x7f000001, 2317047883],
    [12345, 4132584531],
    [4096, 1237450891],
    [4097, 2761370759],
    [0xffffffff, 2120532354],
  ];
  for (const [input, expected] of vectors) assert.equal(fullHash(input), expected, `full_hash(${input})`);
});

test('hashKey applies the configured function, then avalanche only when asked', () => {
  assert.equal(hashKey('abc', { method: 'map-based', function: 'djb2', avalanche: false }), 193485963);
  assert.equal(hashKey('abc', { method: 'map-based', function: 'sdbm', avalanche: true }), fullHash(807794786));
  assert.equal(hashKey('a', { method: 'consistent', function: 'crc32', avalanche: false }), 3904355907);
});

test('every result is an unsigned 32-bit integer', () => {
  for (const fn of [...Object.values(HASH_FUNCTIONS), (s: string) => fullHash(hashSdbm(s))]) {
    for (const [input] of VECTORS) {
      const h = fn(input);
      assert.ok(Number.isInteger(h) && h >= 0 && h <= 0xffffffff, `${h}`);
    }
  }
});
