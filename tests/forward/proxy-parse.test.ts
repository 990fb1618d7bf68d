// parseProxyHeader: v1 and v2 headers as `bind ... accept-proxy` receives them (doc/proxy-protocol.txt §2).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProxyHeader, type ProxyParseResult } from '../../core/proxy-protocol/parse.js';
import { crc32c, PROXY_V2_SIGNATURE } from '../../core/proxy-protocol/v2.js';

const sig = Buffer.from(PROXY_V2_SIGNATURE);
const v1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// v2 TCP4 192.168.0.1:56324 → 192.168.0.11:443, written out by hand from the spec's layout.
const V2_TCP4 = hex(`0d0a0d0a000d0a515549540a 21 11 000c  c0a80001 c0a8000b dc04 01bb`);
// v2 TCP6 2001:db8::1 port 1 → ::1 port 2.
const V2_TCP6 = hex(`0d0a0d0a000d0a515549540a 21 21 0024
  20010db8000000000000000000000001 00000000000000000000000000000001 0001 0002`);
const V2_LOCAL = hex(`0d0a0d0a000d0a515549540a 20 00 0000`);

function ok(r: ProxyParseResult): Extract<ProxyParseResult, { kind: 'ok' }> {
  assert.equal(r.kind, 'ok', JSON.stringify(r));
  return r as Extract<ProxyParseResult, { kind: 'ok' }>;
}

const validHeaders: Array<[string, Buffer]> = [
  ['v1 TCP4', v1('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n')],
  ['v1 TCP6', v1('PROXY TCP6 2001:db8::1 ::1 1 2\r\n')],
  ['v1 UNKNOWN', v1('PROXY UNKNOWN\r\n')],
  ['v2 TCP4', V2_TCP4],
  ['v2 TCP6', V2_TCP6],
  ['v2 LOCAL', V2_LOCAL],
];

test('parses a v1 TCP4 line and reports its length, leaving the bytes after it', () => {
  const data = Buffer.concat([v1('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n'), v1('GET / HTTP/1.1\r\n')]);
  const r = ok(parseProxyHeader(data));
  assert.equal(r.version, 1);
  assert.deepEqual(r.addresses, {
    family: 'TCP4', srcAddress: '192.168.0.1', srcPort: 56324, dstAddress: '192.168.0.11', dstPort: 443,
  });
  assert.equal(data.subarray(r.length).toString(), 'GET / HTTP/1.1\r\n');
});

test('parses a v1 TCP6 line and returns the addresses in inet_ntop form', () => {
  const r = ok(parseProxyHeader(v1('PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::FFFF:10.0.0.1 65535 0\r\nx')));
  assert.deepEqual(r.addresses, {
    family: 'TCP6', srcAddress: '2001:db8::1', srcPort: 65535, dstAddress: '::ffff:10.0.0.1', dstPort: 0,
  });
  assert.equal(r.length, 'PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::FFFF:10.0.0.1 65535 0\r\n'.length);
});

test('parses v1 UNKNOWN, bare or followed by ignored fields, as no addresses', () => {
  for (const line of ['PROXY UNKNOWN\r\n', 'PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n']) {
    const r = ok(parseProxyHeader(v1(line + 'rest')));
    assert.equal(r.addresses, undefined);
    assert.equal(r.length, line.length);
  }
});

test('parses v2 PROXY over IPv4 and IPv6', () => {
  const r4 = ok(parseProxyHeader(Buffer.concat([V2_TCP4, v1('tail')])));
  assert.equal(r4.version, 2);
  assert.equal(r4.length, 28);
  assert.deepEqual(r4.addresses, {
    family: 'TCP4', srcAddress: '192.168.0.1', srcPort: 56324, dstAddress: '192.168.0.11', dstPort: 443,
  });
  const r6 = ok(parseProxyHeader(V2_TCP6));
  assert.equal(r6.length, 52);
  assert.deepEqual(r6.addresses, { family: 'TCP6', srcAddress: '2001:db8::1', srcPort: 1, dstAddress: '::1', dstPort: 2 });
});

test('parses v2 LOCAL as no addresses and skips its body', () => {
  const r = ok(parseProxyHeader(V2_LOCAL));
  assert.equal(r.addresses, undefined);
  assert.equal(r.length, 16);
  const withBody = Buffer.concat([hex('0d0a0d0a000d0a515549540a 20 00 0003 aabbcc'), v1('x')]);
  assert.equal(ok(parseProxyHeader(withBody)).length, 19);
});

test('parses v2 with TLVs after the addresses, checking a CRC32C TLV', () => {
  const alpn = hex('01 0002 6832'); // PP2_TYPE_ALPN "h2"
  const crcTlv = hex('03 0004 00000000');
  const body = Buffer.concat([V2_TCP4.subarray(16), alpn, crcTlv]);
  const header = Buffer.concat([sig, hex('21 11'), Buffer.from([0, body.length]), body]);
  header.writeUInt32BE(crc32c(header), header.length - 4);
  const r = ok(parseProxyHeader(Buffer.concat([header, v1('after')])));
  assert.equal(r.length, header.length);
  assert.equal(r.addresses?.srcPort, 56324);
  const corrupt = Buffer.from(header);
  corrupt[20] = (corrupt[20] ?? 0) ^ 1; // one address bit: the CRC no longer matches
  assert.deepEqual(parseProxyHeader(corrupt), { kind: 'invalid', reason: 'v2: CRC32C mismatch' });
});

test('crc32c matches the Castagnoli check value', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
});

test('reports incomplete at every strict prefix of a valid header', () => {
  for (const [name, header] of validHeaders) {
    for (let n = 0; n < header.length; n++) {
      assert.deepEqual(parseProxyHeader(header.subarray(0, n)), { kind: 'incomplete' }, `${name} at ${n} bytes`);
    }
    assert.equal(parseProxyHeader(header).kind, 'ok', name);
  }
});

test('reports absent for traffic that is not a PROXY header', () => {
  for (const s of ['GET / HTTP/1.1\r\n', 'POST /', 'PUT', 'API 0 8 / 32_1_4_2\n', 'PROXX ', 'X']) {
    assert.deepEqual(parseProxyHeader(v1(s)), { kind: 'absent' }, s);
  }
  // A different 12-byte start is simply not the v2 signature.
  assert.deepEqual(parseProxyHeader(hex('0d0a0d0a000d0a515549580a 21 11 000c')), { kind: 'absent' });
  assert.deepEqual(parseProxyHeader(hex('0d0a0d0a01')), { kind: 'absent' });
});

test('reports invalid v1 lines: bad ports, bad addresses, wrong protocol, no CRLF within 107 bytes', () => {
  const cases = [
    'PROXY TCP4 1.2.3.4 5.6.7.8 65536 80\r\n',
    'PROXY TCP4 1.2.3.4 5.6.7.8 80 -1\r\n',
    'PROXY TCP4 1.2.3.4 5.6.7.8 8a 80\r\n',
    'PROXY TCP4 1.2.3.4 5.6.7.8  80\r\n',
    'PROXY TCP4 256.2.3.4 5.6.7.8 1 80\r\n',
    'PROXY TCP4 ::1 5.6.7.8 1 80\r\n',
    'PROXY TCP6 1.2.3.4 ::1 1 80\r\n',
    'PROXY TCP6 1::2::3 ::1 1 80\r\n',
    'PROXY TCP4 1.2.3.4 5.6.7.8 1 80 9\r\n',
    'PROXY TCP4 1.2.3.4 5.6.7.8 1 80\n',
    'PROXY UNKNOWNX\r\n',
    'PROXY TCP5 1.2.3.4',
    'PROXY tcp4 1.2.3.4 5.6.7.8 1 80\r\n',
  ];
  for (const c of cases) assert.equal(parseProxyHeader(v1(c)).kind, 'invalid', JSON.stringify(c));
  const long = v1(`PROXY TCP6 ${'f'.repeat(120)}`);
  assert.deepEqual(parseProxyHeader(long.subarray(0, 106)), { kind: 'incomplete' });
  assert.deepEqual(parseProxyHeader(long.subarray(0, 107)), { kind: 'invalid', reason: 'v1: no CRLF within 107 bytes' });
});

test('reports invalid v2 headers: version, command, family, short address block, TLV overrun', () => {
  const cases: Array<[string, string]> = [
    ['version 1', '11 11 000c c0a80001c0a8000bdc0401bb'],
    ['command 2', '22 11 000c c0a80001c0a8000bdc0401bb'],
    ['family 4', '21 41 000c c0a80001c0a8000bdc0401bb'],
    ['transport 3', '21 13 000c c0a80001c0a8000bdc0401bb'],
    ['TCP4 with 8 address bytes', '21 11 0008 c0a80001c0a8000b'],
    ['TLV header cut', '21 11 000e c0a80001c0a8000bdc0401bb 0100'],
    ['TLV longer than the header', '21 11 0010 c0a80001c0a8000bdc0401bb 010005 68'],
  ];
  for (const [name, rest] of cases) {
    assert.equal(parseProxyHeader(Buffer.concat([sig, hex(rest)])).kind, 'invalid', name);
  }
  // The version is refused as soon as byte 12 arrives, without waiting for the length.
  assert.equal(parseProxyHeader(Buffer.concat([sig, hex('31')])).kind, 'invalid');
});

test('never throws, whatever the bytes', () => {
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const starts = [sig, v1('PROXY '), v1('PROXY TCP4 '), v1('PROXY TCP6 '), Buffer.alloc(0)];
  for (let i = 0; i < 3000; i++) {
    const start = starts[i % starts.length] ?? Buffer.alloc(0);
    const tail = Buffer.alloc(rnd() % 120);
    for (let j = 0; j < tail.length; j++) tail[j] = i % 2 === 0 ? rnd() & 0xff : 0x20 + (rnd() % 0x5f);
    const r = parseProxyHeader(Buffer.concat([start, tail]));
    assert.ok(['ok', 'incomplete', 'absent', 'invalid'].includes(r.kind));
  }
});
