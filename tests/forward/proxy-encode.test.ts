// PROXY v1/v2 encoders and the address pair read off real sockets (send-proxy, send-proxy-v2, check-send-proxy).

import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { clientAddresses, outgoingAddresses, type ProxyAddresses } from '../../core/proxy-protocol/addresses.js';
import { formatIPv6, parseIPv6 } from '../../core/net/ip-address.js';
import { parseProxyHeader } from '../../core/proxy-protocol/parse.js';
import { encodeProxyV1 } from '../../core/proxy-protocol/v1.js';
import { encodeProxyV2 } from '../../core/proxy-protocol/v2.js';

const TCP4: ProxyAddresses = { family: 'TCP4', srcAddress: '192.168.0.1', srcPort: 56324, dstAddress: '192.168.0.11', dstPort: 443 };
const TCP6: ProxyAddresses = { family: 'TCP6', srcAddress: '2001:db8::1', srcPort: 1, dstAddress: '::1', dstPort: 2 };

test('encodes v1 TCP4, TCP6 and UNKNOWN lines', () => {
  assert.equal(encodeProxyV1(TCP4).toString('latin1'), 'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n');
  assert.equal(encodeProxyV1(TCP6).toString('latin1'), 'PROXY TCP6 2001:db8::1 ::1 1 2\r\n');
  assert.equal(encodeProxyV1(undefined).toString('latin1'), 'PROXY UNKNOWN\r\n');
});

test('widens an IPv4 address in a TCP6 pair to ::ffff:a.b.c.d and narrows a mapped one in a TCP4 pair', () => {
  const mixed = { ...TCP6, srcAddress: '10.0.0.1' };
  assert.equal(encodeProxyV1(mixed).toString('latin1'), 'PROXY TCP6 ::ffff:10.0.0.1 ::1 1 2\r\n');
  const mapped = { ...TCP4, srcAddress: '::ffff:10.0.0.1' };
  assert.equal(encodeProxyV1(mapped).toString('latin1'), 'PROXY TCP4 10.0.0.1 192.168.0.11 56324 443\r\n');
});

test('prints v1 IPv6 addresses in canonical form whatever text they came in', () => {
  const loud = { ...TCP6, srcAddress: '2001:0DB8:0000:0000:0000:0000:0000:0001', dstAddress: 'fe80::1%eth0' };
  assert.equal(encodeProxyV1(loud).toString('latin1'), 'PROXY TCP6 2001:db8::1 fe80::1 1 2\r\n');
});

test('encodes v2 PROXY over IPv4 and IPv6 and LOCAL byte for byte, with no TLV', () => {
  assert.equal(
    encodeProxyV2(TCP4).toString('hex'),
    '0d0a0d0a000d0a515549540a' + '2111000c' + 'c0a80001' + 'c0a8000b' + 'dc04' + '01bb',
  );
  assert.equal(
    encodeProxyV2(TCP6).toString('hex'),
    '0d0a0d0a000d0a515549540a' + '21210024' + '20010db8000000000000000000000001' +
      '00000000000000000000000000000001' + '0001' + '0002',
  );
  assert.equal(encodeProxyV2(undefined).toString('hex'), '0d0a0d0a000d0a515549540a' + '20000000');
});

test('parses back what it encodes', () => {
  for (const a of [TCP4, TCP6]) {
    for (const [version, bytes] of [[1, encodeProxyV1(a)], [2, encodeProxyV2(a)]] as const) {
      const r = parseProxyHeader(Buffer.concat([bytes, Buffer.from('x')]));
      assert.deepEqual(r, { kind: 'ok', version, addresses: a, length: bytes.length });
    }
  }
});

test('refuses addresses and ports that do not fit the family', () => {
  assert.throws(() => encodeProxyV1({ ...TCP4, srcAddress: '2001:db8::1' }), TypeError);
  assert.throws(() => encodeProxyV2({ ...TCP4, dstAddress: 'example.com' }), TypeError);
  assert.throws(() => encodeProxyV1({ ...TCP4, srcPort: 65536 }), TypeError);
  assert.throws(() => encodeProxyV2({ ...TCP6, dstPort: 1.5 }), TypeError);
});

test('formats IPv6 as glibc inet_ntop: longest zero run, first on ties, dotted tail only for ::a.b.c.d and ::ffff:', () => {
  const cases: Array<[string, string]> = [
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['0:0:0:0:0:0:0:2', '::2'],
    ['::0102:0304', '::1.2.3.4'],
    ['0:0:0:0:0:ffff:0102:0304', '::ffff:1.2.3.4'],
    ['0:0:0:0:ffff:0:0102:0304', '::ffff:0:102:304'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['1:0:0:1:0:0:1:1', '1::1:0:0:1:1'],
    ['1:0:1:1:1:1:1:1', '1:0:1:1:1:1:1:1'],
    ['FE80:0:0:0:1:0:0:0', 'fe80::1:0:0:0'],
  ];
  for (const [input, expected] of cases) {
    const bytes = parseIPv6(input);
    assert.ok(bytes, input);
    assert.equal(formatIPv6(bytes), expected, input);
  }
});

async function acceptedPair(host: string, connectTo: string): Promise<{ client: net.Socket; accepted: net.Socket; close: () => void }> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, host, () => resolve()));
  const port = (srv.address() as net.AddressInfo).port;
  const acceptedP = once(srv, 'connection') as Promise<[net.Socket]>;
  const client = net.connect({ port, host: connectTo });
  await once(client, 'connect');
  const [accepted] = await acceptedP;
  return { client, accepted, close: () => { client.destroy(); accepted.destroy(); srv.close(); } };
}

test('clientAddresses: src is the client, dst is the address it connected to; outgoingAddresses is the mirror', async (t) => {
  const p = await acceptedPair('127.0.0.1', '127.0.0.1');
  t.after(p.close);
  const expected: ProxyAddresses = {
    family: 'TCP4', srcAddress: '127.0.0.1', srcPort: p.client.localPort ?? -1,
    dstAddress: '127.0.0.1', dstPort: p.client.remotePort ?? -1,
  };
  assert.deepEqual(clientAddresses(p.accepted), expected);
  // A health check's own socket announces itself the same way the server sees it.
  assert.deepEqual(outgoingAddresses(p.client), expected);
});

test('an IPv4 client of a dual-stack listener is announced as TCP6 ::ffff:, as HAProxy does on bind :::port', async (t) => {
  const p = await acceptedPair('::', '127.0.0.1');
  t.after(p.close);
  const a = clientAddresses(p.accepted);
  assert.deepEqual(a, {
    family: 'TCP6', srcAddress: '::ffff:127.0.0.1', srcPort: p.client.localPort ?? -1,
    dstAddress: '::ffff:127.0.0.1', dstPort: p.client.remotePort ?? -1,
  });
  assert.match(encodeProxyV1(a).toString('latin1'), /^PROXY TCP6 ::ffff:127\.0\.0\.1 ::ffff:127\.0\.0\.1 \d+ \d+\r\n$/);
});

test('an IPv6 client is announced as TCP6', async (t) => {
  const p = await acceptedPair('::1', '::1');
  t.after(p.close);
  assert.equal(clientAddresses(p.accepted)?.family, 'TCP6');
  assert.equal(clientAddresses(p.accepted)?.srcAddress, '::1');
});

test('a socket without addresses yields undefined, which encodes as UNKNOWN / LOCAL', () => {
  const s = new net.Socket();
  assert.equal(clientAddresses(s), undefined);
  assert.equal(outgoingAddresses(s), undefined);
  s.destroy();
});
