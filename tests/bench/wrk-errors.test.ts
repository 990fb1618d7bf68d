// A bench run whose answers are errors must not count (issue 10): a proxy that fails fast would otherwise show a
// flattering CPU per request. runWrk rejects a run with more non-2xx answers or socket errors than the share it is
// given, and keeps one within it. Real wrk against a real server on 127.0.0.1; test-runner thread.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { runWrk } from '../../native-bench/load/wrk-run.js';
import { ProcessGroup } from '../../native-bench/process-group.js';

/** A raw HTTP responder answering every request with `status` (keep-alive). */
async function answering(status: string): Promise<{ server: Server; port: number }> {
  const body = 'x';
  const reply = Buffer.from(`HTTP/1.1 ${status}\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 'latin1');
  const server = createServer((sock) => {
    sock.on('error', () => undefined);
    let pending = '';
    sock.on('data', (c: Buffer) => {
      pending += c.toString('latin1');
      // Bounded: one reply per complete head in this chunk.
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        pending = pending.slice(end + 4);
        sock.write(reply);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  return { server, port: a !== null && typeof a === 'object' ? a.port : 0 };
}

test('runWrk rejects a run made of error answers when given an error share, and reports requests and bytes', async (t) => {
  const group = new ProcessGroup();
  t.after(() => group.stopAll());
  const failing = await answering('503 Service Unavailable');
  t.after(() => failing.server.close());
  await assert.rejects(
    runWrk(group, { port: failing.port, conns: 4, durationS: 1, threads: 1, close: false, cpus: undefined, maxErrorShare: 0.01 }),
    /errors \(socket errors or non-2xx\)/,
  );
  const ok = await answering('200 OK');
  t.after(() => ok.server.close());
  const r = await runWrk(group, { port: ok.port, conns: 4, durationS: 1, threads: 1, close: false, cpus: undefined, maxErrorShare: 0.01 });
  assert.ok(r.requests > 0 && r.errors === 0, JSON.stringify(r));
  assert.ok(r.bytesRead > 0);
  assert.deepEqual(group.leftovers(), []);
});
