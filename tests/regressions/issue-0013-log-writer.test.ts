// Issue 13, the log writer under stress: the writer (main thread) stalls and the forwarders keep serving, their full
// rings drop and count; a burst of thousands of lines to a UNIX sink is accounted for exactly (every line either
// received or counted in DroppedLogs). Traffic lines are the frontend's `option httplog` lines.

import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import test, { type TestContext } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { rawRequest } from '../support/http-client.js';
import { httpExchange } from '../support/http-exchange.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { droppedLogs } from '../support/dropped-logs.js';
import { startUnixDgramSink } from '../support/unix-dgram-sink.js';
import { pollFor } from '../support/wait.js';

const HOOK_LINE = '"GET / HTTP/1.1"';

async function config(logLine: string): Promise<{ text: string; front: number; prom: number }> {
  const [front, prom] = [await freeTcpPort(), await freeTcpPort()];
  const text = `global
    ${logLine}
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend front
    bind 127.0.0.1:${front}
    log global
    option httplog
    http-request return status 200
frontend prom
    bind 127.0.0.1:${prom}
    http-request use-service prometheus-exporter
`;
  return { text, front, prom };
}

/** `n` keep-alive GETs on `conns` connections; resolves with how many were answered 200. */
async function requests(t: TestContext, port: number, n: number, conns: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: conns });
  t.after(() => agent.destroy());
  let next = 0;
  let ok = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      if ((await httpExchange(port, 'GET', '/', { agent })).status === 200) ok++;
    }
  };
  await Promise.all(Array.from({ length: conns }, worker));
  return ok;
}

const received = (text: string): number => text.split(HOOK_LINE).length - 1;

test('the log writer (main thread) stalls: forwarders keep answering, their full rings drop and count, lines resume', async (t) => {
  const sink = await startUnixDgramSink();
  t.after(() => sink.close());
  const cfg = await config(`log ${sink.path} local0`);
  // A 4 KiB ring holds a handful of lines: the stall overflows it within the test's requests.
  const env = { ORCALB_TEST_HOOKS: '1', ORCALB_TEST_LOG_RING_BYTES: '4096' };
  const lb = await startOrcalb(cfg.text, { threads: 1, env });
  t.after(() => lb.stop());
  lb.send('stall-main 5000');
  await lb.waitForStderr(/test hook: main thread stalls/, 5000);
  // Answered while main runs nothing: no forwarder waits on the writer.
  assert.equal(await requests(t, cfg.front, 300, 4), 300);
  assert.ok(!/main thread stall over/.test(lb.stderr()), 'the requests were served during the stall');
  await lb.waitForStderr(/test hook: main thread stall over/, 10_000);
  const settled = await pollFor(async () => received(sink.text()) + (await droppedLogs(cfg.prom)) === 300, 5000, 20);
  const dropped = await droppedLogs(cfg.prom);
  assert.ok(settled, `received ${received(sink.text())} + dropped ${dropped} = 300`);
  assert.ok(dropped >= 250, `dropped ${dropped}`);
  await requests(t, cfg.front, 10, 2);
  await sink.waitFor((s) => received(s) >= 300 - dropped + 10, 5000, 'lines after the stall');
});

test('a burst of 5000 lines to a UNIX sink: every line is received or counted dropped, every request answered', async (t) => {
  const sink = await startUnixDgramSink();
  t.after(() => sink.close());
  const cfg = await config(`log ${sink.path} local0`);
  const lb = await startOrcalb(cfg.text, { threads: 2 });
  t.after(() => lb.stop());
  assert.equal(await requests(t, cfg.front, 5000, 16), 5000);
  const settled = await pollFor(async () => received(sink.text()) + (await droppedLogs(cfg.prom)) === 5000, 10_000, 20);
  assert.ok(settled, `received ${received(sink.text())} + dropped ${await droppedLogs(cfg.prom)} = 5000`);
});

test('a 4 KiB ring: a line longer than the ring is dropped and counted, a 3 KB line (written aside) arrives whole', async (t) => {
  const sink = await startUnixDgramSink();
  t.after(() => sink.close());
  const [front, prom] = [await freeTcpPort(), await freeTcpPort()];
  const text = `defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend front
    bind 127.0.0.1:${front}
    log ${sink.path} len 65535 local0
    option httplog
    capture request header X-Big len 8000
    http-request return status 200
frontend prom
    bind 127.0.0.1:${prom}
    http-request use-service prometheus-exporter
`;
  const lb = await startOrcalb(text, { threads: 1, env: { ORCALB_TEST_HOOKS: '1', ORCALB_TEST_LOG_RING_BYTES: '4096' } });
  t.after(() => lb.stop());
  const get = async (big: number): Promise<void> => {
    const header = big === 0 ? '' : `X-Big: ${'b'.repeat(big)}\r\n`;
    const res = await rawRequest(front, `GET /r${big} HTTP/1.1\r\nHost: a\r\n${header}Connection: close\r\n\r\n`);
    assert.equal(res.status, 200);
  };
  await get(0);
  await sink.waitFor((s) => s.includes('"GET /r0 HTTP/1.1"'), 5000, 'the small line');
  // 6000 bytes of capture: no ring of 4 KiB can hold that line.
  await get(6000);
  // 3000 bytes: the line fits the empty ring, but not beside a 16 KiB in-place reservation; it is written aside and
  // takes its bytes (the string path asked room for 3 bytes per char and dropped it).
  await get(3000);
  await sink.waitFor((s) => s.includes('"GET /r3000 HTTP/1.1"'), 5000, 'the 3 KB line');
  assert.ok(sink.text().includes(`{${'b'.repeat(3000)}}`), 'the capture whole');
  assert.ok(!sink.text().includes('/r6000'));
  assert.equal(await droppedLogs(prom), 1);
});
