// Issue 8: who waits where, and in which order. A request bound to a server (persistence cookie, hash key) waits in
// that server's queue even while another server is free; server `maxqueue` caps that queue (then `option redispatch`
// sends a cookie-bound request elsewhere, else 503); and queued requests are served in arrival order across threads.
// Side by side with HAProxy 2.6.12. Test-runner thread.

import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { connectTagged, startBackendFarm, type TaggedClient } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { RawHttpConnection, type RawResponse } from '../support/http-client.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';
import { startPacedHttpBackends, type PacedHttpBackends } from '../support/paced-http-backends.js';
import { delay } from '../support/wait.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];

function httpConfig(front: number, ports: readonly number[], lines: readonly string[], serverOpts: string): string {
  return [
    'defaults',
    '    mode http',
    '    timeout connect 1s',
    '    timeout queue 10s',
    '    timeout client 10s',
    '    timeout server 10s',
    'frontend fe',
    `    bind 127.0.0.1:${front}`,
    '    default_backend be',
    'backend be',
    ...lines.map((l) => `    ${l}`),
    ...ports.map((p, i) => `    server s${i + 1} 127.0.0.1:${p} ${serverOpts.replace('COOKIE', String.fromCharCode(97 + i))}`),
    '',
  ].join('\n');
}

/** Starts paced backends s1..sN and `subject`; cleanup closes `clients`, the balancer, then the backends. */
async function setup(
  t: TestContext,
  subject: LbSubject,
  servers: number,
  lines: readonly string[],
  serverOpts: string,
): Promise<{ farm: PacedHttpBackends; front: number; clients: RawHttpConnection[] }> {
  const farm = await startPacedHttpBackends(Array.from({ length: servers }, (_, i) => `s${i + 1}`));
  const front = await freeTcpPort();
  const clients: RawHttpConnection[] = [];
  const lb = await subject.start(httpConfig(front, farm.ports(), lines, serverOpts), front);
  t.after(async () => {
    clients.forEach((c) => c.destroy());
    await lb.stop();
    await farm.close();
  });
  return { farm, front, clients };
}

/**
 * One request on a fresh connection (pushed to `clients`) that closes after its response, so that only the queue
 * is under test here (keep-alive slots are issue-0008-maxconn-keepalive's); resolves with the response.
 */
async function send(front: number, clients: RawHttpConnection[], path: string, extra = ''): Promise<RawResponse> {
  const c = await RawHttpConnection.open(front);
  clients.push(c);
  c.write(`GET ${path} HTTP/1.1\r\nhost: t\r\nconnection: close\r\n${extra}\r\n`);
  return c.response(8000);
}

for (const subject of SUBJECTS) {
  describe(`server queues and queue order through ${subject.name}`, () => {
    for (const redispatch of [true, false]) {
      test(`cookie-bound requests wait for their full server; past maxqueue they are ${redispatch ? 'redispatched' : 'refused (503)'}`, async (t) => {
        const { farm, front, clients } = await setup(
          t,
          subject,
          2,
          ['balance roundrobin', 'cookie SRV insert indirect nocache', ...(redispatch ? ['option redispatch'] : [])],
          'cookie COOKIE maxconn 1 maxqueue 1',
        );
        const cookie = 'cookie: SRV=a\r\n';
        const holder = send(front, clients, '/holder?delay=2000', cookie); // long enough that a loaded machine answers /over first
        await farm.waitFor(() => farm.requests.length === 1, 5000, 'the holder is being served');
        const queued = send(front, clients, '/queued', cookie);
        await delay(150);
        // s1's queue holds one request (maxqueue 1): the next one cookie-bound to s1 cannot wait there.
        const over = await send(front, clients, '/over', cookie);
        assert.equal(farm.inFlight('s1'), 1, 'the holder still had s1 when the third request was answered');
        if (redispatch) {
          assert.equal(over.status, 200);
          assert.equal(over.body.toString(), 's2\n');
        } else {
          assert.equal(over.status, 503);
        }
        // The queued one waited for s1 although s2 was free: persistence holds while there is room in the queue.
        const q = await queued;
        assert.equal(q.status, 200);
        assert.equal(q.body.toString(), 's1\n');
        assert.equal((await holder).body.toString(), 's1\n');
      });
    }

    test('queued requests are served in arrival order, whichever thread took them', async (t) => {
      const { farm, front, clients } = await setup(t, subject, 1, [], 'maxconn 1');
      const holder = send(front, clients, '/holder?delay=1500');
      await farm.waitFor(() => farm.requests.length === 1, 5000, 'the holder is being served');
      const answers: Promise<RawResponse>[] = [];
      for (let i = 0; i < 5; i++) {
        answers.push(send(front, clients, `/q${i}?delay=20`));
        // Nothing outside says "queued": far enough apart that the arrival order is not in doubt on a loaded
        // machine (a request takes its place when its head is parsed, after the handoff to a forwarder).
        await delay(200);
      }
      await holder;
      for (const a of answers) assert.equal((await a).status, 200);
      assert.deepEqual(
        farm.requests.map((r) => r.head.split(' ')[1]?.split('?')[0]),
        ['/holder', '/q0', '/q1', '/q2', '/q3', '/q4'],
      );
    });

    test('balance source: a client waits for the server its address hashes to, even while another is free (TCP)', async (t) => {
      const farm = await startBackendFarm(['s1', 's2']);
      const front = await freeTcpPort();
      const text = [
        'defaults', '    mode tcp', '    timeout connect 1s', '    timeout queue 10s', '    timeout client 10s', '    timeout server 10s',
        'frontend fe', `    bind 127.0.0.1:${front}`, '    default_backend be',
        'backend be', '    balance source',
        `    server s1 127.0.0.1:${farm.port('s1')} maxconn 1`, `    server s2 127.0.0.1:${farm.port('s2')} maxconn 1`, '',
      ].join('\n');
      const lb = await subject.start(text, front);
      const clients: TaggedClient[] = [];
      t.after(async () => {
        clients.forEach((c) => c.destroy());
        await lb.stop();
        await farm.close();
      });
      const first = await connectTagged(front);
      clients.push(first);
      // The second connection comes from the same address: same hash, same (full) server.
      const second = connectTagged(front, 8000);
      await delay(300);
      assert.equal(farm.seq(), 1, 'the second connection is waiting, not sent to the free server');
      first.destroy();
      const got = await second;
      clients.push(got);
      assert.equal(got.tag, first.tag);
    });
  });
}
