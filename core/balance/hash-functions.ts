// The hash functions of `hash-type` (HAProxy 2.6 §4.2 `hash-type`, src/hash.c) and the `avalanche` modifier
// (Bob Jenkins' full-avalanche integer hash, HAProxy's full_hash()). All results are unsigned 32-bit integers.
// Pure functions: any thread may call them; forwarders call them once per hashed pick.

import type { HashTypeConfig } from '../../config/model.js';

/** Bytes to hash: a Uint8Array, or a string read as latin1 (one byte per UTF-16 code unit, low 8 bits). */
export type HashInput = string | Uint8Array;

// Strings are hashed without encoding them: the HTTP layer decodes header bytes as latin1, so char codes are the
// wire bytes. Reading the low 8 bits keeps the function total even for characters above U+00FF.
function byteAt(input: HashInput, i: number): number {
  return typeof input === 'string' ? input.charCodeAt(i) & 0xff : (input[i] ?? 0);
}

/** sdbm (HAProxy's default): h = c + (h << 6) + (h << 16) - h over every byte. */
export function hashSdbm(input: HashInput): number {
  let h = 0;
  for (let i = 0; i < input.length; i++) {
    // h * 65599 + c, the same value as the shift form, kept in 32 bits by Math.imul.
    h = (Math.imul(h, 65599) + byteAt(input, i)) >>> 0;
  }
  return h;
}

/** djb2: h = h * 33 + c, starting at 5381. */
export function hashDjb2(input: HashInput): number {
  let h = 5381;
  for (let i = 0; i < input.length; i++) {
    h = (Math.imul(h, 33) + byteAt(input, i)) >>> 0;
  }
  return h;
}

function rotl32(x: number, n: number): number {
  // n is 0..31 here; a rotation by 0 must return x unchanged (x >>> 32 would be x, not 0, in JavaScript).
  return n === 0 ? x >>> 0 : ((x << n) | (x >>> (32 - n))) >>> 0;
}

/**
 * wt6: Willy Tarreau's 2-lane hash with data-dependent rotations. Two 32-bit lanes are mixed with each byte, then
 * rotated by amounts taken from the lanes themselves; the result is the XOR of both lanes.
 */
export function hashWt6(input: HashInput): number {
  let h0 = 0xa53c965a;
  let h1 = 0x5ca6953a;
  let step0 = 6;
  let step1 = 18;
  for (let i = 0; i < input.length; i++) {
    const c = byteAt(input, i);
    h0 = ~(h0 ^ c) >>> 0;
    h1 = ~(h1 + c) >>> 0;
    const next0 = rotl32(h1, step0);
    h1 = rotl32(h0, step1);
    h0 = next0;
    const mix = ((h0 >>> 16) ^ h1) & 0xffff;
    step0 = mix & 0x1f;
    // A 16-bit value shifted right by 11 is 0..31, so it is always a valid rotation amount.
    step1 = mix >>> 11;
  }
  return (h0 ^ h1) >>> 0;
}

/** CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), bit by bit as HAProxy computes it: no table. */
export function hashCrc32(input: HashInput): number {
  let crc = 0xffffffff;
  for (let i = 0; i < input.length; i++) {
    crc ^= byteAt(input, i);
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
    }
  }
  return ~crc >>> 0;
}

/**
 * HAProxy's full_hash(): Bob Jenkins' 6-step integer avalanche, then a multiply by 3221225473 (a prime near 3/4 of
 * 2^32) so keys spread over the whole ring. Used by `avalanche` and for consistent-hash ring points.
 */
export function fullHash(value: number): number {
  let a = value >>> 0;
  a = (a + 0x7ed55d16 + (a << 12)) >>> 0;
  a = (a ^ 0xc761c23c ^ (a >>> 19)) >>> 0;
  a = (a + 0x165667b1 + (a << 5)) >>> 0;
  a = ((a + 0xd3a2646c) ^ (a << 9)) >>> 0;
  a = (a + 0xfd7046c5 + (a << 3)) >>> 0;
  a = (a ^ 0xb55a4f09 ^ (a >>> 16)) >>> 0;
  return Math.imul(a, 3221225473) >>> 0;
}

export type HashFunctionName = HashTypeConfig['function'];

/** The `hash-type` function names, in HAProxy's documentation order. */
export const HASH_FUNCTIONS: Readonly<Record<HashFunctionName, (input: HashInput) => number>> = {
  sdbm: hashSdbm,
  djb2: hashDjb2,
  wt6: hashWt6,
  crc32: hashCrc32,
};

/**
 * HAProxy's gen_hash() followed by the optional avalanche: the hash of an L7 key (uri, url_param, hdr) under the
 * backend's `hash-type`. Pure; any thread; never throws.
 */
export function hashKey(input: HashInput, hashType: HashTypeConfig): number {
  const h = HASH_FUNCTIONS[hashType.function](input);
  return hashType.avalanche ? fullHash(h) : h;
}
