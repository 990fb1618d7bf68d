// Issue 17, the start-up resync when the peer asked is resyncing itself: it answers "resync partial" (two processes
// started together ask each other, and the one asked first may not have heard the other's "finished" yet). orcalb
// asks that peer again a second later (RESYNC_RETRY_MS) instead of waiting out the 5 s resync deadline, and learns
// from it once it answers "finished". The peer here is a driver speaking the protocol: partial first, then finished.

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { CtrlType, MsgClass } from '../../core/peers/peer-wire.js';
import { RESYNC_TIMEOUT_MS } from '../../core/peers/peers-engine.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';

test('a peer that answers "partial" is asked again and learned from before the resync deadline', async (t) => {
  let requests = 0;
  const driver = net.createServer((s) => {
    s.on('error', () => undefined);
    let hello = '';
    let established = false;
    s.on('data', (d: Buffer) => {
      let rest = d;
      if (!established) {
        hello += d.toString('latin1');
        // The hello: three lines, answered 200.
        if (hello.split('\n').length < 4) return;
        established = true;
        s.write('200\n');
        rest = Buffer.from(hello.split('\n').slice(3).join('\n'), 'latin1');
      }
      // Only control messages matter here (orcalb's tables are empty): each resync request is answered.
      for (let at = 0; at + 1 < rest.length; at++) {
        if (rest[at] === MsgClass.CONTROL && rest[at + 1] === CtrlType.RESYNC_REQUEST) {
          requests++;
          s.write(Uint8Array.of(MsgClass.CONTROL, requests === 1 ? CtrlType.RESYNC_PARTIAL : CtrlType.RESYNC_FINISHED));
          at++;
        }
      }
    });
  });
  driver.listen(0, '127.0.0.1');
  await new Promise((r) => driver.once('listening', r));
  t.after(() => driver.close());
  const aPort = (driver.address() as net.AddressInfo).port;
  const started = Date.now();
  const orcalb = await startOrcalb([
    'peers mesh',
    `  peer a 127.0.0.1:${aPort}`,
    `  peer b 127.0.0.1:${await freeTcpPort()}`,
    'defaults',
    '  mode http',
    '  timeout client 5s',
    '  timeout server 5s',
    '  timeout connect 1s',
    'frontend fe',
    `  bind 127.0.0.1:${await freeTcpPort()}`,
    '  stick-table type ip size 1k expire 60s peers mesh store gpc0',
    '  http-request track-sc0 src',
    '  http-request return status 200',
    '',
  ].join('\n'), { threads: 1, args: ['-L', 'b'] });
  t.after(() => orcalb.stop());
  await orcalb.waitForStderr(/peers mesh: start-up resync done \(learned from 'a'\)/, RESYNC_TIMEOUT_MS + 2000);
  assert.equal(requests, 2, 'asked once, answered partial, asked again');
  assert.ok(Date.now() - started < RESYNC_TIMEOUT_MS, 'learned before the resync deadline');
});
