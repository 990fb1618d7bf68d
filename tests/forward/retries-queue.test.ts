// Through a real orcalb process: `retries` with the turn-around timer, `option redispatch`, server `maxconn` with
// the backend queue and `timeout queue`, frontend `maxconn`. Backends are real tagged servers on 127.0.0.1.

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { connectTagged, requestTag, startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';

function config(front: number, backendLines: string, extra = ''): string {
  return `
global
    maxconn 100
defaults
    mode tcp
    timeout connect 200ms
    timeout client 10s
    timeout server 10s
${extra}
frontend fe
    bind 127.0.0.1:${front}
    default_backend be
backend be
    balance roundrobin
${backendLines}
`;
}

/** Resolves 'closed' if the peer closes before sending anything, or the first bytes as text. */
function firstBytesOrClose(port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, timeoutMs);
    s.once('data', (d) => {
      clearTimeout(timer);
      s.destroy();
      resolve(d.toString());
    });
    s.once('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    s.once('error', reject);
  });
}

test('option redispatch: a refusing server costs no client its session', async (t) => {
  const farm = await startBackendFarm(['alive']);
  const dead = await freeTcpPort();
  const front = await freeTcpPort();
  t.after(() => farm.close());
  const lb = await startOrcalb(
    config(front, `    retries 3\n    option redispatch\n    server dead 127.0.0.1:${dead}\n    server alive 127.0.0.1:${farm.port('alive')}`),
    { threads: 2 },
  );
  t.after(() => lb.stop());
  const tags = await Promise.all(Array.from({ length: 8 }, (_, i) => requestTag(front, `m${i}`)));
  assert.deepEqual(tags.map((x) => x.tag), Array(8).fill('alive'));
});

test('without redispatch, retries stay on the refusing server and its clients are closed without data', async (t) => {
  const farm = await startBackendFarm(['alive']);
  const dead = await freeTcpPort();
  const front = await freeTcpPort();
  t.after(() => farm.close());
  const lb = await startOrcalb(
    config(front, `    retries 2\n    server dead 127.0.0.1:${dead}\n    server alive 127.0.0.1:${farm.port('alive')}`),
    { threads: 1 },
  );
  t.after(() => lb.stop());
  const seen: string[] = [];
  for (let i = 0; i < 4; i++) seen.push(await firstBytesOrClose(front, 5000));
  // roundrobin alternates: dead, alive, dead, alive — and a dead pick never moves to the other server.
  assert.deepEqual(seen, ['closed', 'alive\n', 'closed', 'alive\n']);
});

test('server maxconn: the extra connection waits in the queue and is served when a slot frees', async (t) => {
  const farm = await startBackendFarm(['only']);
  const front = await freeTcpPort();
  t.after(() => farm.close());
  const lb = await startOrcalb(config(front, `    timeout queue 10s\n    server only 127.0.0.1:${farm.port('only')} maxconn 1`), {
    threads: 2,
  });
  t.after(() => lb.stop());
  const first = await connectTagged(front);
  assert.equal(first.tag, 'only');
  const second = firstBytesOrClose(front, 5000);
  // The second one is queued: the server has seen one client connection only.
  await assert.rejects(farm.waitFor(() => farm.dataConnections('only').length >= 2, 400, 'second connection'));
  await first.end();
  assert.equal(await second, 'only\n');
});

test('timeout queue: a connection queued too long is closed without reaching a server', async (t) => {
  const farm = await startBackendFarm(['only']);
  const front = await freeTcpPort();
  t.after(() => farm.close());
  const lb = await startOrcalb(config(front, `    timeout queue 300ms\n    server only 127.0.0.1:${farm.port('only')} maxconn 1`), {
    threads: 1,
  });
  t.after(() => lb.stop());
  const first = await connectTagged(front);
  t.after(() => first.destroy());
  await first.exchange('hold\n');
  assert.equal(await firstBytesOrClose(front, 5000), 'closed');
  assert.equal(farm.dataConnections('only').length, 1);
});

test('frontend maxconn: a connection over the limit is held unread until a slot frees', async (t) => {
  const farm = await startBackendFarm(['only']);
  const front = await freeTcpPort();
  t.after(() => farm.close());
  const lb = await startOrcalb(
    config(front, `    server only 127.0.0.1:${farm.port('only')}`).replace('bind 127.0.0.1', 'maxconn 2\n    bind 127.0.0.1'),
    { threads: 2 },
  );
  t.after(() => lb.stop());
  const a = await connectTagged(front);
  const b = await connectTagged(front);
  const third = firstBytesOrClose(front, 5000);
  await assert.rejects(farm.waitFor(() => farm.dataConnections('only').length >= 3, 400, 'third connection'));
  await a.end();
  assert.equal(await third, 'only\n');
  b.destroy();
});
