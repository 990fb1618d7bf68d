// Issue 8 item 1: a forwarder crash with server `maxconn` set must not wedge the backend. The dead thread's slots and
// queue places are given back by the main thread (ConnAccounting.reclaimThread), including the oldest-waiter marks
// the other threads defer to, so their queued requests and every later client are served. Drives the real CLI with
// ORCALB_TEST_HOOKS=1 (`crash-forwarder N` on stdin). Test-runner thread; orcalb runs as a child process.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { RawHttpConnection } from '../support/http-client.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { startPacedHttpBackends } from '../support/paced-http-backends.js';

test('crash-forwarder 0 in a queue storm on maxconn 2: the other thread\'s queue drains and later keep-alive clients are all served', async (t) => {
  const farm = await startPacedHttpBackends(['s1']);
  const front = await freeTcpPort();
  const config = [
    'defaults',
    '    mode http',
    '    timeout connect 1s',
    '    timeout queue 20s',
    '    timeout client 30s',
    '    timeout server 30s',
    'frontend fe',
    `    bind 127.0.0.1:${front}`,
    '    default_backend be',
    'backend be',
    `    server s1 127.0.0.1:${farm.ports()[0]} maxconn 2`,
    '',
  ].join('\n');
  const lb = await startOrcalb(config, { threads: 2, accept: 'acceptor', env: { ORCALB_TEST_HOOKS: '1' } });
  const clients: RawHttpConnection[] = [];
  t.after(async () => {
    clients.forEach((c) => c.destroy());
    await lb.stop();
    await farm.close();
  });

  // 12 keep-alive clients spread over both threads (least-loaded handoff), each answered once: idle, no slot held.
  for (let i = 0; i < 12; i++) {
    const c = await RawHttpConnection.open(front);
    clients.push(c);
    c.write(`GET /warm${i} HTTP/1.1\r\nhost: t\r\n\r\n`);
    assert.equal((await c.response(5000)).status, 200);
  }
  // Then all of them at once on slow requests: 2 served, 10 queued on both threads when forwarder 0 dies.
  const storm = clients.map((c, i) => {
    c.write(`GET /storm${i}?delay=300 HTTP/1.1\r\nhost: t\r\n\r\n`);
    // A client of the dead thread sees its connection cut; any other must get its answer (no timeout).
    return c.response(10_000).then(
      (r) => r.status,
      () => (c.closed ? 'cut' : 'no answer'),
    );
  });
  await farm.waitFor(() => farm.requests.length === 14, 5000, 'two storm requests being served');
  lb.send('crash-forwarder 0');
  await lb.waitForStderr(/forwarder 0 restarted/, 5000);
  const outcome = await Promise.all(storm);
  // The survivors' requests all completed: none waits behind a dead thread's slot or queue place.
  const survivors = outcome.filter((o) => o !== 'cut');
  assert.ok(survivors.length < outcome.length, 'forwarder 0 held some of the clients');
  assert.ok(survivors.length > 0, 'forwarder 1 held some of the clients');
  assert.deepEqual(survivors, Array(survivors.length).fill(200));

  // Fresh keep-alive clients after the crash: 8 × 3 requests, all served, never more than maxconn at once.
  farm.resetPeak();
  const fresh = await Promise.all(Array.from({ length: 8 }, () => RawHttpConnection.open(front)));
  clients.push(...fresh);
  const statuses = await Promise.all(
    fresh.map(async (c, i) => {
      const got: number[] = [];
      for (let k = 0; k < 3; k++) {
        c.write(`GET /after${i}-${k}?delay=5 HTTP/1.1\r\nhost: t\r\n\r\n`);
        got.push((await c.response(10_000)).status);
      }
      return got;
    }),
  );
  assert.deepEqual(statuses.flat(), Array(24).fill(200));
  assert.ok(farm.peak('s1') <= 2, `peak ${farm.peak('s1')} requests at once on maxconn 2`);
});
