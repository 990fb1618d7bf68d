// Issue 13, hostile: a storm of 500 connections with bad PROXY headers on an `accept-proxy` frontend that logs, to a
// UNIX syslog socket that has stopped reading (a stalled daemon): every other client is still answered while the storm
// runs, and each of the 500 connection error lines is either received or counted in DroppedLogs, none blocks a
// forwarder. orcalb alone (the lines themselves are compared with haproxy in issue-0013-log-errors.test.ts).
// Test-runner thread; orcalb is a child process.

import assert from 'node:assert/strict';
import net from 'node:net';
import { test, type TestContext } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { httpExchange } from '../support/http-exchange.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { droppedLogs } from '../support/dropped-logs.js';
import { startUnixDgramSink } from '../support/unix-dgram-sink.js';
import { pollFor, within } from '../support/wait.js';

const STORM = 500;
const TEXT = 'Received something which does not look like a PROXY protocol header';

/** One hostile client: an HTTP request where the PROXY header should be; resolves when the balancer closes it. */
function badHeader(port: number): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => c.write('GET / HTTP/1.1\r\nHost: storm\r\n\r\n'));
    c.on('error', () => {});
    c.on('close', () => resolve());
    c.resume();
  });
  return within(closed, 10_000, 'a storm client closed');
}

/** `n` requests of `conns` well-behaved clients to `port`: how many were answered 200. */
async function goodClients(port: number, n: number, conns: number): Promise<number> {
  let next = 0;
  let ok = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      if ((await httpExchange(port, 'GET', '/ok')).status === 200) ok++;
    }
  };
  await Promise.all(Array.from({ length: conns }, worker));
  return ok;
}

test('500 bad PROXY headers to a stalled log socket: other clients are served, every error line is sent or counted', async (t: TestContext) => {
  const sink = await startUnixDgramSink();
  t.after(() => sink.close());
  const [storm, good, prom] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
  const config = `defaults
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend storm
    mode tcp
    bind 127.0.0.1:${storm} accept-proxy
    log ${sink.path} local0
    option tcplog
    default_backend nowhere
frontend good
    mode http
    bind 127.0.0.1:${good}
    http-request return status 200
frontend prom
    mode http
    bind 127.0.0.1:${prom}
    http-request use-service prometheus-exporter
backend nowhere
    mode tcp
    server s1 127.0.0.1:${await freeTcpPort()}
`;
  const lb = await startOrcalb(config, { threads: 2 });
  t.after(() => lb.stop());
  // The daemon stops reading: its queue (net.unix.max_dgram_qlen datagrams) fills, the writer's sends fail.
  sink.pause();
  let sent = 0;
  const stormDone = (async () => {
    const waves = STORM / 25;
    for (let w = 0; w < waves; w++) {
      await Promise.all(Array.from({ length: 25 }, () => badHeader(storm)));
      sent += 25;
    }
  })();
  const served = await goodClients(good, 200, 4);
  await stormDone;
  assert.equal(sent, STORM);
  assert.equal(served, 200, 'every well-behaved request answered during the storm');
  sink.resume();
  const count = (): number => sink.text().split(TEXT).length - 1;
  const settled = await pollFor(async () => count() + (await droppedLogs(prom)) === STORM, 10_000, 20);
  const dropped = await droppedLogs(prom);
  assert.ok(settled, `received ${count()} + dropped ${dropped} = ${STORM}`);
  assert.ok(dropped > 0, 'the stalled socket made the writer drop (and count) lines');
  // The balancer is still whole: a later error line arrives.
  const before = count();
  await badHeader(storm);
  await sink.waitFor((s) => s.split(TEXT).length - 1 === before + 1, 5000, 'a line after the storm');
});
