// The one IP address codec (core/net/ip-address.ts): what each of its former copies handled (the PROXY protocol's
// inet_pton/inet_ntop twins, the `balance source` reader, config's numeric-host test) now runs through it: round
// trips, `::` in every place, dotted IPv4 tails, v4-mapped addresses, zone ids, and the forms inet_pton refuses.

import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { test } from 'node:test';
import {
  addressBytes,
  formatIPv4,
  formatIPv6,
  ipFamily,
  ipv4MappedBytes,
  isIPv4Mapped,
  parseIPv4,
  parseIPv6,
  readAddress,
  readIPv4,
  readIPv6,
  unmapIPv4,
} from '../../core/net/ip-address.js';

test('addressBytes gives the 4 or 16 network-order bytes of IPv4 and IPv6 texts', () => {
  assert.deepEqual([...(addressBytes('127.0.0.1') ?? [])], [127, 0, 0, 1]);
  assert.deepEqual([...(addressBytes('::1') ?? [])], [...new Array<number>(15).fill(0), 1]);
  assert.deepEqual(
    [...(addressBytes('2001:db8::ff00:42:8329') ?? [])],
    [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0x00, 0x42, 0x83, 0x29],
  );
  assert.deepEqual(
    [...(addressBytes('::ffff:10.1.2.3') ?? [])],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3],
  );
  assert.deepEqual([...(addressBytes('fe80::1%eth0') ?? [])], [0xfe, 0x80, ...new Array<number>(13).fill(0), 1]);
  assert.deepEqual([...(addressBytes('::') ?? [])], new Array<number>(16).fill(0));
  assert.equal(addressBytes('/run/orcalb.sock'), undefined);
  assert.equal(addressBytes('256.0.0.1'), undefined);
});

test('IPv4: inet_pton rules (four decimal parts, 0-255, no leading zero), as a 32-bit number or bytes', () => {
  assert.equal(readIPv4('127.0.0.1'), 0x7f000001);
  // The top octet does not make the number negative.
  assert.equal(readIPv4('255.255.255.255'), 0xffffffff);
  assert.equal(readIPv4('0.0.0.0'), 0);
  // A slice of a longer text: the dotted tail of an IPv6 address.
  assert.equal(readIPv4('::ffff:10.0.0.1', 7), 0x0a000001);
  const refused = ['1.2.3', '1.2.3.256', '1.2.3.4.5', '1..2.3', '1.2.3.', '.1.2.3', '', '1234.1.1.1', '01.2.3.4'];
  for (const bad of [...refused, '1.2.3.00', ' 1.2.3.4', '1.2.3.4%eth0', '0x1.2.3.4']) {
    assert.equal(readIPv4(bad), -1, bad);
    assert.equal(parseIPv4(bad), undefined, bad);
  }
  for (const text of ['0.0.0.0', '10.1.2.3', '192.168.255.1', '255.255.255.255']) {
    const bytes = parseIPv4(text);
    assert.ok(bytes !== undefined, text);
    assert.equal(formatIPv4(bytes), text);
  }
});

test('IPv6: `::` anywhere, dotted tails, and glibc inet_ntop text back (round trips)', () => {
  const canonical = [
    '::',
    '::1',
    '1::',
    '2001:db8::1',
    '2001:db8:0:1:1:1:1:1',
    'fe80::1:2',
    '1:0:0:2::3',
    '1::2:0:0:3',
    '::1.2.3.4',
    '::ffff:10.0.0.1',
    '::fffe:a00:1',
    '1:2:3:4:5:6:7:8',
    'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  ];
  for (const text of canonical) {
    const bytes = parseIPv6(text);
    assert.ok(bytes !== undefined, text);
    assert.equal(formatIPv6(bytes), text);
  }
  // Other spellings of the same addresses read to the same bytes.
  const spellings: [string, string][] = [
    ['0:0:0:0:0:0:0:1', '::1'],
    ['0000:0000::0001', '::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
    ['::ffff:0a00:0001', '::ffff:10.0.0.1'],
    ['0:0:0:0:0:ffff:10.0.0.1', '::ffff:10.0.0.1'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['fe80::1%eth0', 'fe80::1'],
  ];
  for (const [text, printed] of spellings) {
    assert.equal(formatIPv6(parseIPv6(text) ?? new Uint8Array(16)), printed, text);
  }
  const refused = [
    '',
    ':',
    ':::',
    '1:::2',
    '1::2::3',
    ':1::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:',
    '1::2:3:4:5:6:7:8',
    '12345::',
    'g::',
    '1.2.3.4::',
    '::1.2.3.4:5',
    '::01.2.3.4',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::1.2.3',
    '[::1]',
    '0000:0000:0000:0000:0000:0000:0000:0000:0',
  ];
  for (const text of refused) assert.equal(parseIPv6(text), undefined, text);
});

test('readIPv6 writes at an offset of a caller buffer and allocates the result nowhere else', () => {
  const out = new Uint8Array(20).fill(0xaa);
  assert.equal(readIPv6('x2001:db8::1y', 1, 12, out, 2), true);
  assert.equal(formatIPv6(out, 2), '2001:db8::1');
  assert.deepEqual([out[0], out[1], out[18], out[19]], [0xaa, 0xaa, 0xaa, 0xaa]);
});

test('readAddress says the family and drops a zone, as the source hash and except networks read clients', () => {
  const out = new Uint8Array(16);
  assert.equal(readAddress('10.0.0.1', out), 4);
  assert.deepEqual([...out.subarray(0, 4)], [10, 0, 0, 1]);
  assert.equal(readAddress('fe80::1%eth0', out), 6);
  assert.equal(formatIPv6(out), 'fe80::1');
  assert.equal(readAddress('/run/orcalb.sock', out), 0);
  assert.equal(readAddress('', out), 0);
});

test('v4-mapped addresses: widened for a TCP6 PROXY pair, recognised and narrowed back', () => {
  const v4 = Uint8Array.of(192, 0, 2, 1);
  const mapped = ipv4MappedBytes(v4);
  assert.equal(formatIPv6(mapped), '::ffff:192.0.2.1');
  assert.equal(isIPv4Mapped(mapped), true);
  assert.deepEqual(unmapIPv4(mapped), v4);
  // ::192.0.2.1 (IPv4-compatible, deprecated) and ::fffe:… are not mapped.
  assert.equal(unmapIPv4(parseIPv6('::192.0.2.1') ?? new Uint8Array(16)), undefined);
  assert.equal(unmapIPv4(parseIPv6('::fffe:c000:201') ?? new Uint8Array(16)), undefined);
});

test('ipFamily answers as Node net.isIP did for config hosts, zone ids included', () => {
  const cases = [
    '127.0.0.1',
    '::1',
    'fe80::1%eth0',
    'fe80::1%',
    'fe80::1%eth_0',
    'fe80::1%a:b.c-d',
    '1.2.3.4%eth0',
    '::ffff:1.2.3.4%x',
    '01.2.3.4',
    'localhost',
    'db.example.com',
    '1:2:3:4:5:6:7::',
    '',
  ];
  for (const text of cases) assert.equal(ipFamily(text), isIP(text), text);
});
