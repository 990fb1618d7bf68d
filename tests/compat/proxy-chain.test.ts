// Side by side with HAProxy: a frontend with `bind … accept-proxy` in front of servers with `send-proxy-v2` and
// `send-proxy`. The client announces addresses of its own in a PROXY v1 header; both balancers must pass exactly
// those on to the servers, byte for byte the same, and must drop a client whose header is missing.

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';

function config(front: number, v2Port: number, v1Port: number): string {
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
    balance roundrobin
    server s2 127.0.0.1:${v2Port} send-proxy-v2
    server s1 127.0.0.1:${v1Port} send-proxy
`;
}

/** Sends `header` + a line, returns what came back before the server closed or 2 s passed. */
function session(port: number, header: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`${header}hello\n`));
    let got = '';
    const timer = setTimeout(() => s.destroy(), 2000);
    s.on('data', (d) => {
      got += d.toString();
      if (got.includes('hello\n')) s.end();
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    s.on('error', () => undefined);
  });
}

const CLIENTS = [
  'PROXY TCP4 192.0.2.10 198.51.100.7 40000 443\r\n',
  'PROXY TCP4 192.0.2.11 198.51.100.7 40001 443\r\n',
  'PROXY TCP6 2001:db8::1 2001:db8::2 50000 8080\r\n',
  'PROXY TCP6 2001:db8::3 2001:db8::2 50001 8080\r\n',
];

async function scenario(kind: 'haproxy' | 'orcalb'): Promise<{ headers: string[]; noHeader: string }> {
  const farm = await startBackendFarm(['s2', 's1'], { expectProxy: true });
  const front = await freeTcpPort();
  const cfg = config(front, farm.port('s2'), farm.port('s1'));
  const lb = kind === 'haproxy' ? await startHaproxy(cfg, { readyPort: front }) : await startOrcalb(cfg, { threads: 2 });
  try {
    for (const h of CLIENTS) {
      const reply = await session(front, h);
      assert.ok(reply.includes('hello\n'), `${kind}: no echo for ${h.trim()} (got ${JSON.stringify(reply)})`);
    }
    // No PROXY header at all: the connection is dropped before reaching any server.
    const before = farm.dataConnections().length;
    const noHeader = await session(front, '');
    assert.equal(farm.dataConnections().length, before, `${kind}: a client without header reached a server`);
    const headers = farm.dataConnections().map((c) => `${c.server} ${c.proxyLine ?? '-'}`);
    return { headers, noHeader };
  } finally {
    await lb.stop();
    await farm.close();
  }
}

test('accept-proxy → send-proxy-v2 / send-proxy: orcalb passes the client-announced addresses exactly as haproxy does', async () => {
  const ha = await scenario('haproxy');
  const orca = await scenario('orcalb');
  assert.equal(ha.headers.length, CLIENTS.length);
  assert.deepEqual(orca, ha);
  // And the v1 line really carries the announced addresses, not the loopback ones.
  assert.ok(ha.headers.some((h) => h === 's1 PROXY TCP4 192.0.2.11 198.51.100.7 40001 443'), ha.headers.join('\n'));
});
