// Issue 10 (bench): the L7 figures are measured in HAProxy's default keep-alive mode, so the bench's one config text
// (native-bench/subjects/haproxy-config.ts) must keep server connections alive and reuse them, in haproxy and in
// orcalb alike. It said `option http-server-close` (a server connection per request, `Connection: close` added to
// every request), which measured another path than the "L7 small keep-alive". Real haproxy and orcalb side
// by side on 127.0.0.1; test-runner thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { haproxyConfigText } from '../../native-bench/subjects/haproxy-config.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { startHttpBackends } from '../support/http-backends.js';
import { RawHttpConnection } from '../support/http-client.js';
import { startOrcalb } from '../support/orcalb-process.js';

const REQUESTS = 5;

for (const subject of ['haproxy', 'orcalb'] as const) {
  test(`${subject} on the bench's mode http config carries ${REQUESTS} keep-alive requests over one server connection`, async (t) => {
    const backends = await startHttpBackends(['s1']);
    t.after(() => backends.close());
    const port = await freeTcpPort();
    const text = haproxyConfigText({ mode: 'http', servers: backends.ports(), threads: 1, maxconn: 4000 }, port);
    const proxy = subject === 'haproxy' ? await startHaproxy(text) : await startOrcalb(text);
    t.after(() => proxy.stop());
    const client = await RawHttpConnection.open(port);
    t.after(() => client.destroy());
    for (let i = 0; i < REQUESTS; i++) {
      client.write(`GET /r${i} HTTP/1.1\r\nHost: bench\r\n\r\n`);
      const r = await client.response();
      assert.equal(r.status, 200, r.head);
      assert.ok(!r.headers.some(([n, v]) => n === 'connection' && /close/i.test(v)), r.head);
    }
    assert.equal(backends.requests.length, REQUESTS);
    // One server connection for all of them, and none of the requests asked the server to close.
    assert.equal(backends.connections(), 1, backends.requests.map((r) => `${r.connection}: ${r.head}`).join('\n'));
    assert.equal(new Set(backends.requests.map((r) => r.connection)).size, 1);
    for (const r of backends.requests) assert.doesNotMatch(r.head, /^connection: close$/im, r.head);
    // option forwardfor stays: the client's address reaches the server.
    for (const r of backends.requests) assert.match(r.head, /^x-forwarded-for: 127\.0\.0\.1$/im, r.head);
  });
}
