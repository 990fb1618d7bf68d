// Regression (issue 10, hostile pass), side by side with haproxy 2.6.12: on an `accept-proxy` bind a PROXY v2 header
// may announce up to 16 + 65,535 bytes, and orcalb held all of them per connection for as long as `timeout client`
// (64 KiB × every connection a hostile client opens). HAProxy reads the header into one tune.bufsize buffer and resets
// a connection whose header is longer: 16,384 bytes in all pass, 16,385 do not. orcalb now refuses it the same way.

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { encodeProxyV2 } from '../../core/proxy-protocol/v2.js';
import { startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';

function config(front: number, server: number): string {
  return `
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:${front} accept-proxy
    default_backend be
backend be
    server s1 127.0.0.1:${server}
`;
}

/** A PROXY v2 header of `total` bytes: TCP4 addresses, then one NOOP TLV filling the rest. */
function headerOf(total: number): Buffer {
  const base = encodeProxyV2({ family: 'TCP4', srcAddress: '192.0.2.7', srcPort: 4242, dstAddress: '198.51.100.1', dstPort: 80 });
  const tlv = Buffer.alloc(total - base.length);
  tlv[0] = 0x04;
  tlv.writeUInt16BE(tlv.length - 3, 1);
  const h = Buffer.concat([base, tlv]);
  h.writeUInt16BE(h.length - 16, 14);
  return h;
}

/** Sends the header and a line in one write; resolves with whether the line came back (the farm echoes). */
function served(port: number, header: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(Buffer.concat([header, Buffer.from('hello\n')])));
    let got = '';
    const timer = setTimeout(() => s.destroy(), 3000);
    s.on('data', (d) => {
      got += d.toString();
      if (got.includes('hello\n')) s.end();
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got.includes('hello\n'));
    });
    s.on('error', () => undefined);
  });
}

async function verdicts(kind: 'haproxy' | 'orcalb'): Promise<Record<number, boolean>> {
  const farm = await startBackendFarm(['s1']);
  const front = await freeTcpPort();
  const cfg = config(front, farm.port('s1'));
  const lb = kind === 'haproxy' ? await startHaproxy(cfg, { readyPort: front }) : await startOrcalb(cfg, { threads: 1 });
  try {
    const out: Record<number, boolean> = {};
    for (const total of [1000, 16_384, 16_385, 65_551]) out[total] = await served(front, headerOf(total));
    return out;
  } finally {
    await lb.stop();
    await farm.close();
  }
}

test('a PROXY v2 header is served up to 16,384 bytes and refused beyond, as haproxy does', async () => {
  const [h, o] = [await verdicts('haproxy'), await verdicts('orcalb')];
  assert.deepEqual(h, { 1000: true, 16384: true, 16385: false, 65551: false }, 'haproxy 2.6.12 as measured');
  assert.deepEqual(o, h);
});
