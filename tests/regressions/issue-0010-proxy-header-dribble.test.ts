// Regression (issue 10, hostile pass): on an `accept-proxy` bind the PROXY header was re-joined with every read
// (Buffer.concat of all bytes so far), so a client dribbling a v2 header — up to 16 + 65,535 bytes, its length field
// says — a byte at a time made the forwarder copy ~2 GB for one connection. The header reader (shared by both
// engines) now keeps the reads apart and joins them only once the length announced in the fixed 16 bytes is there.

import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { encodeProxyV2 } from '../../core/proxy-protocol/v2.js';
import { load, validConfig } from '../support/config-load.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { serveConfig } from '../support/l7-harness.js';
import { tcpConfig } from '../support/tcp-config.js';
import { within } from '../support/wait.js';

const TLV_BYTES = 4096;

test('a PROXY v2 header dribbled a byte per read is joined a bounded number of times, then served', async (t) => {
  const got = Promise.withResolvers<string>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString('latin1')));
    s.on('end', () => {
      got.resolve(text);
      s.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const front = await freeTcpPort();
  const text = tcpConfig(front, [(server.address() as net.AddressInfo).port]).replace(
    `bind 127.0.0.1:${front}`,
    `bind 127.0.0.1:${front} accept-proxy`,
  );
  const served = await serveConfig(validConfig(await load(text)));
  t.after(() => served.close());
  const base = encodeProxyV2({ family: 'TCP4', srcAddress: '192.0.2.7', srcPort: 4242, dstAddress: '198.51.100.1', dstPort: 80 });
  const tlv = Buffer.alloc(3 + TLV_BYTES);
  tlv[0] = 0x04; // PP2_TYPE_NOOP
  tlv.writeUInt16BE(TLV_BYTES, 1);
  const header = Buffer.concat([base, tlv]);
  header.writeUInt16BE(header.length - 16, 14);
  // Count the joins core/ makes while the header comes in.
  let joins = 0;
  const realConcat = Buffer.concat;
  Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
    if (/\/core\//.test(new Error().stack ?? '')) joins++;
    return realConcat(list, total);
  }) as typeof Buffer.concat;
  t.after(() => {
    Buffer.concat = realConcat;
  });
  const c = net.connect(served.ports[0] ?? 0, '127.0.0.1');
  c.on('error', () => {});
  t.after(() => c.destroy());
  await once(c, 'connect');
  c.setNoDelay(true);
  for (let at = 0; at < header.length; at++) {
    c.write(header.subarray(at, at + 1));
    // One byte per turn of the loop: the forwarder side reads it before the next one is sent.
    await new Promise((r) => setImmediate(r));
  }
  c.end('payload');
  assert.equal(await within(got.promise, 10_000, 'the payload at the server'), 'payload');
  assert.ok(joins <= 64, `${header.length} header bytes were joined ${joins} times`);
});
