// Writes a stick table key (§4.2 stick-table `type`) into a table view's key words from a fetched value, with the
// conversions HAProxy applies to make a sample fit the table's type (its sample casts): an IPv4 address goes into an
// ipv6 table as ::ffff:a.b.c.d, an IPv6 one into an ip table only when it is such a mapped address, an integer into
// an ip table as its 32 bits, text into an ip table only when it is an address literal, strings are cut at the
// table's len and binaries padded with zeros. Forwarder threads, per tracked request: allocation-free, except text
// read as an address (a header into an ip table), which builds the address's text.

import { SMP, castSample, type Sample, type SampleArena, type SmpType } from '../acl/sample.js';
import { formatIPv4, formatIPv6, readIPv4, readIPv6 } from '../net/ip-address.js';
import type { StickStore } from '../shared/stick-store.js';

const scratch16 = new Uint8Array(16);

/**
 * An address (4 or 16 network-order bytes at `bytes[offset…]`, `family` 4 or 6) as the key. False when it cannot
 * be one: an IPv6 address into an ip table unless v4-mapped, an address into a binary table.
 */
export function setAddressKey(store: StickStore, bytes: Uint8Array, offset: number, family: 4 | 6): boolean {
  const type = store.layout.keyType;
  const key = store.key;
  if (type === 'ip' || type === 'integer') {
    let at = offset;
    if (family === 6) {
      for (let i = 0; i < 10; i++) if (bytes[offset + i] !== 0) return false;
      if (bytes[offset + 10] !== 0xff || bytes[offset + 11] !== 0xff) return false;
      at = offset + 12;
    }
    key[0] = ((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0);
    return true;
  }
  if (type === 'ipv6') {
    const v6 = family === 6 ? bytes : mapped(bytes, offset);
    const at = family === 6 ? offset : 0;
    for (let w = 0; w < 4; w++) {
      const b = at + w * 4;
      key[w] = ((v6[b] ?? 0) << 24) | ((v6[b + 1] ?? 0) << 16) | ((v6[b + 2] ?? 0) << 8) | (v6[b + 3] ?? 0);
    }
    return true;
  }
  if (type === 'string') {
    // HAProxy's ip → str cast: the address's text (allocates; text tables keyed on addresses are rare).
    const text = family === 4 ? formatIPv4(bytes, offset) : formatIPv6(bytes, offset);
    const out = store.keyBytes;
    const n = Math.min(text.length, store.layout.keyLen);
    for (let i = 0; i < n; i++) out[i] = text.charCodeAt(i);
    out.fill(0, n);
    store.keyLen = n;
    return true;
  }
  // ip → bin has no cast in HAProxy: no key.
  return false;
}

function mapped(bytes: Uint8Array, offset: number): Uint8Array {
  scratch16.fill(0, 0, 10);
  scratch16[10] = 0xff;
  scratch16[11] = 0xff;
  for (let i = 0; i < 4; i++) scratch16[12 + i] = bytes[offset + i] ?? 0;
  return scratch16;
}

/** A signed integer as the key: integer tables as is, ip tables as its low 32 bits; false for the other types. */
export function setIntegerKey(store: StickStore, value: number): boolean {
  const type = store.layout.keyType;
  if (type === 'integer' || type === 'ip') {
    store.key[0] = value | 0;
    return true;
  }
  return false;
}

/**
 * Text or binary data buf[start, end) as the key: string tables keep at most len bytes, binary tables len bytes
 * padded with zeros; ip/ipv6 tables read an address literal, integer tables the leading decimal number. False when
 * the text fits none of these.
 */
export function setBytesKey(store: StickStore, buf: Uint8Array, start: number, end: number): boolean {
  const layout = store.layout;
  if (layout.keyType === 'string' || layout.keyType === 'binary') {
    const out = store.keyBytes;
    const n = Math.min(end - start, layout.keyLen);
    for (let i = 0; i < n; i++) out[i] = buf[start + i] ?? 0;
    out.fill(0, n);
    store.keyLen = layout.keyType === 'string' ? n : layout.keyWords * 4;
    return true;
  }
  if (layout.keyType === 'integer') {
    let i = start;
    const negative = buf[i] === 0x2d;
    if (negative || buf[i] === 0x2b) i++;
    let v = 0;
    const first = i;
    for (; i < end; i++) {
      const d = (buf[i] ?? 0) - 0x30;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (i === first) return false;
    store.key[0] = (negative ? -v : v) | 0;
    return true;
  }
  const text = latin1(buf, start, end);
  if (layout.keyType === 'ip') {
    const word = readIPv4(text);
    if (word < 0) return false;
    store.key[0] = word | 0;
    return true;
  }
  if (!readIPv6(text, 0, text.length, scratch16, 0)) return setV4TextInV6(store, text);
  return setAddressKey(store, scratch16, 0, 6);
}

function setV4TextInV6(store: StickStore, text: string): boolean {
  const word = readIPv4(text);
  if (word < 0) return false;
  scratch16[0] = word >>> 24;
  scratch16[1] = (word >>> 16) & 0xff;
  scratch16[2] = (word >>> 8) & 0xff;
  scratch16[3] = word & 0xff;
  return setAddressKey(store, scratch16, 0, 4);
}

/** An address literal is at most 45 characters: longer text is no address (and is not copied whole). */
function latin1(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end && i < start + 46; i++) s += String.fromCharCode(buf[i] ?? 0);
  return s;
}

/** Convenience for tests and config-time keys: a string key from JS text (UTF-8 bytes). Allocates. */
export function setTextKey(store: StickStore, text: string): boolean {
  const bytes = Buffer.from(text, 'utf8');
  return setBytesKey(store, bytes, 0, bytes.length);
}

/** The sample type a table's keys are made of (HAProxy's stktable_types: what smp_to_stkey casts to). */
function keySampleType(store: StickStore): SmpType {
  switch (store.layout.keyType) {
    case 'ip':
      return SMP.IPV4;
    case 'ipv6':
      return SMP.IPV6;
    case 'integer':
      return SMP.SINT;
    case 'string':
      return SMP.STR;
    case 'binary':
      return SMP.BIN;
  }
}

/**
 * A fetched sample (a track-sc key, a stick pattern: core/acl/sample-expr.ts CompiledExpr.next()) as the key of
 * `store`, cast to the table's type as HAProxy casts it (core/acl/sample.ts castSample: an IPv4 address into an
 * ipv6 table is mapped, an IPv6 one into an ip table only when mapped, text into an address table only when it is
 * an address, …). False when the sample cannot be a key of this table: then nothing is tracked or stored, as in
 * HAProxy. The sample is changed in place. Allocation-free except for casts that print an address as text.
 */
export function setSampleKey(store: StickStore, s: Sample, arena: SampleArena): boolean {
  if (!castSample(s, keySampleType(store), arena)) return false;
  switch (s.type) {
    case SMP.IPV4:
      return setAddressKey(store, s.ip, 0, 4);
    case SMP.IPV6:
      return setAddressKey(store, s.ip, 0, 6);
    case SMP.SINT:
      return setIntegerKey(store, s.int);
    default:
      return setBytesKey(store, s.buf, s.start, s.end);
  }
}
