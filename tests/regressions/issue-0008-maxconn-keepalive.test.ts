// Issue 8 item 1: `server … maxconn N` under the default http-keep-alive. HAProxy 2.6 counts a slot per request being
// served (srv->served), never per idle keep-alive server connection, so N keep-alive clients cannot lock the server
// for everyone else, two clients alternate on maxconn 1 each keeping its own server connection, and maxconn is never
// exceeded. The SUBJECTS table runs each assertion under HAProxy 2.6.12 and orcalb. Test-runner thread.

import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { ProcessGroup } from '../../native-bench/process-group.js';
import { runWrk, wrkAvailable } from '../../native-bench/load/wrk-run.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { RawHttpConnection } from '../support/http-client.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject } from '../support/lb-subject.js';
import { startPacedHttpBackends, type PacedHttpBackends } from '../support/paced-http-backends.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];

/** One backend, one server with `maxconn`; default HTTP mode (http-keep-alive), generous timeouts. */
function config(front: number, serverPort: number, maxconn: number): string {
  return [
    'defaults',
    '    mode http',
    '    timeout connect 2s',
    '    timeout queue 20s',
    '    timeout client 30s',
    '    timeout server 30s',
    'frontend fe',
    `    bind 127.0.0.1:${front}`,
    '    default_backend be',
    'backend be',
    `    server s1 127.0.0.1:${serverPort} maxconn ${maxconn}`,
    '',
  ].join('\n');
}

/**
 * A paced backend and `subject` in front of it (maxconn on its one server). Cleanup stops the balancer first: a
 * backend gone first would leave requests still queued to fail their connect retries one by one.
 */
async function startPair(t: TestContext, subject: LbSubject, maxconn: number): Promise<{ farm: PacedHttpBackends; front: number }> {
  const farm = await startPacedHttpBackends(['s1']);
  const front = await freeTcpPort();
  let lb: LbProcess;
  try {
    lb = await subject.start(config(front, farm.ports()[0] ?? 0, maxconn), front);
  } catch (e) {
    await farm.close();
    throw e;
  }
  t.after(async () => {
    await lb.stop();
    await farm.close();
  });
  return { farm, front };
}

/** Sends one keep-alive GET on `c` and returns the status; rejects after timeoutMs. */
async function get(c: RawHttpConnection, path: string, timeoutMs = 15_000): Promise<number> {
  c.write(`GET ${path} HTTP/1.1\r\nhost: test\r\n\r\n`);
  return (await c.response(timeoutMs)).status;
}

for (const subject of SUBJECTS) {
  describe(`server maxconn under http-keep-alive through ${subject.name}`, () => {
    test('N keep-alive clients on maxconn N do not lock the server: every later client and request is served', async (t) => {
      const { farm, front } = await startPair(t, subject, 2);
      const clients: RawHttpConnection[] = [];
      t.after(() => clients.forEach((c) => c.destroy()));
      // The first two clients each get one answer and keep their connection (and their server connection) open.
      for (let i = 0; i < 2; i++) {
        const c = await RawHttpConnection.open(front);
        clients.push(c);
        assert.equal(await get(c, `/first-${i}`), 200);
      }
      for (let i = 2; i < 8; i++) clients.push(await RawHttpConnection.open(front));
      // 8 clients × 5 requests, all on kept-alive connections: 40 answers, bounded by the per-request timeout.
      const statuses = await Promise.all(
        clients.map(async (c, i) => {
          const got: number[] = [];
          for (let k = 0; k < 5; k++) got.push(await get(c, `/c${i}/r${k}?delay=5`));
          return got;
        }),
      );
      assert.deepEqual(statuses.flat(), Array(40).fill(200));
      assert.ok(farm.peak('s1') <= 2, `the server served ${farm.peak('s1')} requests at once with maxconn 2`);
    });

    test('maxconn 1, two keep-alive clients alternating: both served, each on its own server connection', async (t) => {
      const { farm, front } = await startPair(t, subject, 1);
      const a = await RawHttpConnection.open(front);
      const b = await RawHttpConnection.open(front);
      t.after(() => [a, b].forEach((c) => c.destroy()));
      for (let round = 0; round < 3; round++) {
        assert.equal(await get(a, `/a${round}`, 5000), 200);
        assert.equal(await get(b, `/b${round}`, 5000), 200);
      }
      // An idle keep-alive server connection holds no slot, and its session reuses it when its server is picked.
      const connOf = (prefix: string): number[] => [
        ...new Set(farm.requests.filter((r) => r.head.split(' ')[1]?.startsWith(prefix)).map((r) => r.connection)),
      ];
      assert.equal(connOf('/a').length, 1, 'client a kept one server connection');
      assert.equal(connOf('/b').length, 1, 'client b kept one server connection');
      assert.notDeepEqual(connOf('/a'), connOf('/b'));
    });

    test('a queue storm never lets more requests through than maxconn', async (t) => {
      const { farm, front } = await startPair(t, subject, 2);
      const clients: RawHttpConnection[] = [];
      t.after(() => clients.forEach((c) => c.destroy()));
      // A connection per request (closed after it), so that only the queue is under test, not keep-alive slots.
      const statuses = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const got: number[] = [];
          for (let k = 0; k < 3; k++) {
            const c = await RawHttpConnection.open(front);
            clients.push(c);
            c.write(`GET /storm${i}-${k}?delay=10 HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n`);
            got.push((await c.response(15_000)).status);
          }
          return got;
        }),
      );
      assert.deepEqual(statuses.flat(), Array(120).fill(200));
      assert.equal(farm.peak('s1'), 2, 'maxconn 2: two requests served at once, never more');
    });

    test('wrk, 50 keep-alive connections on maxconn 2 for 2 s: requests keep completing, none fails', async (t) => {
      assert.ok(wrkAvailable(), 'wrk is installed (/usr/bin/wrk)');
      const { farm, front } = await startPair(t, subject, 2);
      const group = new ProcessGroup();
      t.after(() => group.stopAll());
      const report = await runWrk(group, { port: front, conns: 50, durationS: 2, threads: 2, close: false, cpus: undefined, timeoutS: 15 });
      t.diagnostic(`${subject.name}: ${report.reqPerS} req/s, p99 ${report.p99Ms} ms, ${report.errors} errors`);
      // The lock let exactly two answers through and then nothing: completion, not speed, is what is asserted.
      assert.ok(report.reqPerS * 2 > 100, `only ${report.reqPerS * 2} requests completed in 2 s`);
      assert.equal(report.errors, 0);
      assert.ok(farm.peak('s1') <= 2, `the server served ${farm.peak('s1')} requests at once with maxconn 2`);
    });
  });
}
