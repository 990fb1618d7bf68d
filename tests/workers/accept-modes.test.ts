// Both ways of accepting (--accept acceptor: one thread accepts and hands fds over; --accept reuseport: every
// forwarder listens with SO_REUSEPORT) forward with PROXY v1, and both stop gracefully on SIGUSR1 (HAProxy's soft stop).
// Test-runner thread; orcalb runs as a child process.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectTagged, probeConnect, startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { tcpConfig } from '../support/tcp-config.js';
import { pollFor, within } from '../support/wait.js';

const MODES = ['acceptor', 'reuseport'] as const;
const CLIENTS = 20;
// Larger than one socket read, so both directions are forwarded in several chunks.
const PAYLOAD_BYTES = 96 * 1024;


/** The payload a client sends: its marker first, so the server-side record can be matched to the client. */
function payloadFor(marker: string): Buffer {
  const body = Buffer.alloc(PAYLOAD_BYTES, `${marker}|`);
  body.write(`${marker}\n`, 0, 'latin1');
  return body;
}

for (const mode of MODES) {
  test(`--accept ${mode} forwards ${CLIENTS} concurrent connections with the client's PROXY v1 line and data both ways`, async (t) => {
    const farm = await startBackendFarm(['s1', 's2'], { expectProxy: true });
    t.after(() => farm.close());
    const port = await freeTcpPort();
    const lb = await startOrcalb(tcpConfig(port, farm.ports(), { serverOptions: 'send-proxy' }), { threads: 2, accept: mode });
    t.after(() => lb.stop());
    // orcalb falls back to reuseport when the fd-dup addon is missing: make sure the mode under test is the one running.
    assert.match(await lb.waitForStderr(/orcalb ready/, 1000), new RegExp(`accept=${mode}\\b`));

    const outcomes = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, i) => {
        const marker = `${mode}-client-${i}`;
        const c = await connectTagged(port);
        t.after(() => c.destroy());
        const sent = payloadFor(marker);
        const echoed = await c.exchange(sent);
        await c.end();
        return { marker, tag: c.tag, localPort: c.localPort, echoedOk: echoed.equals(sent) };
      }),
    );

    for (const o of outcomes) {
      assert.ok(o.echoedOk, `${o.marker}: echo differs from what was sent`);
      const rec = farm.dataConnections().find((r) => r.received.startsWith(`${o.marker}\n`));
      assert.ok(rec, `${o.marker}: no server recorded it`);
      assert.equal(rec.server, o.tag);
      assert.equal(rec.proxyLine, `PROXY TCP4 127.0.0.1 127.0.0.1 ${o.localPort} ${port}`);
      assert.equal(rec.receivedBytes, PAYLOAD_BYTES);
    }
    assert.equal(farm.dataConnections().length, CLIENTS);
    assert.deepEqual(farm.dataConnections().filter((r) => r.proxyError !== undefined), []);
  });

  test(`--accept ${mode}: after SIGUSR1 a live connection keeps working until the client closes, new ones are refused, then exit 0`, async (t) => {
    const farm = await startBackendFarm(['s1', 's2'], { expectProxy: true });
    t.after(() => farm.close());
    const port = await freeTcpPort();
    const lb = await startOrcalb(tcpConfig(port, farm.ports(), { serverOptions: 'send-proxy' }), { threads: 2, accept: mode });
    t.after(() => lb.stop());
    assert.match(await lb.waitForStderr(/orcalb ready/, 1000), new RegExp(`accept=${mode}\\b`));
    let exitCode: number | null | undefined;
    void lb.exited.then((code) => { exitCode = code; });

    const live = await connectTagged(port);
    t.after(() => live.destroy());
    assert.equal((await live.exchange('before\n')).toString(), 'before\n');

    lb.signal('SIGUSR1');
    // No event says "listeners closed" from outside: probe until refused, bounded to 5 s.
    let state: 'refused' | 'accepted' = 'accepted';
    await pollFor(async () => (state = await probeConnect(port)) === 'refused', 10_000, 50);
    assert.equal(state, 'refused', 'new connections are refused after SIGUSR1');

    assert.equal(exitCode, undefined, 'orcalb waits for the live connection');
    assert.equal((await live.exchange('during stop\n')).toString(), 'during stop\n');
    assert.equal(await probeConnect(port), 'refused');

    await live.end();
    const code = await within(lb.exited, 5000, 'orcalb to exit once the last connection is done');
    assert.equal(code, 0, 'orcalb exits 0 once the last connection is done');
  });
}
