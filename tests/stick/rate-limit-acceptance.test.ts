// Issue 11's acceptance test for stick-table rate limiting, run on every subject of SUBJECTS: `http-request
// track-sc0 src` then `http-request deny deny_status 429 if { sc_http_req_rate(0) gt 20 }` on a frontend with two
// threads lets exactly 20 requests of a burst through and refuses the rest, whichever thread each connection lands
// on, and lets requests through again once the rate's periods are over; on a keep-alive connection each request
// counts and a refusal does not close the connection. Written against haproxy 2.6 now; orcalb joins with one line
// once its sessions run track-sc, deny and ACL conditions (today it refuses this config).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RawHttpConnection, rawRequest } from '../support/http-client.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject } from '../support/lb-subject.js';
import { delay } from '../support/wait.js';

const SUBJECTS: readonly LbSubject[] = [
  HAPROXY_SUBJECT,
  ORCALB_SUBJECT,
];

const PERIOD_MS = 3000;
const LIMIT = 20;
const BURST = 30;

function config(port: number, backendPort: number): string {
  return [
    'global',
    '  nbthread 2',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 5s',
    '  timeout server 5s',
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    `  stick-table type ip size 1k expire 30s store http_req_rate(${PERIOD_MS})`,
    '  http-request track-sc0 src',
    `  http-request deny deny_status 429 if { sc_http_req_rate(0) gt ${LIMIT} }`,
    '  default_backend be',
    'backend be',
    `  server s 127.0.0.1:${backendPort}`,
    '',
  ].join('\n');
}

/** One request on a fresh connection (so that connections spread over the subject's threads): its status. */
async function status(port: number): Promise<number> {
  const res = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
  return res.status;
}

for (const subject of SUBJECTS) {
  describe(`stick-table rate limiting: ${subject.name}`, () => {
    let backends: HttpBackends;
    let lb: LbProcess;
    let port: number;
    before(async () => {
      backends = await startHttpBackends(['s']);
      port = await freeTcpPort();
      lb = await subject.start(config(port, backends.ports()[0] ?? 0), port);
    });
    after(async () => {
      await lb.stop();
      await backends.close();
    });

    test(`a burst of ${BURST} requests gets exactly ${LIMIT} through and 429 for the rest, then passes again after the period`, async () => {
      const started = Date.now();
      const statuses: number[] = [];
      // One at a time: each request's own count decides it, as the config means (20 allowed per period).
      for (let i = 0; i < BURST; i++) statuses.push(await status(port));
      assert.deepEqual(statuses, [...Array<number>(LIMIT).fill(200), ...Array<number>(BURST - LIMIT).fill(429)]);
      assert.equal(backends.requests.length, LIMIT, 'the refused requests never reached the server');
      // Two periods after the first request, nothing of the burst is left in the rate.
      await delay(Math.max(0, started + 2 * PERIOD_MS + 200 - Date.now()));
      assert.equal(await status(port), 200);
      assert.equal(backends.requests.length, LIMIT + 1);
    });

    test('on one keep-alive connection every request counts, and a refused one leaves the connection open', async (t) => {
      // Another client address, so another entry than the burst above.
      const c = await RawHttpConnection.open(port, '127.0.0.2');
      t.after(() => c.destroy());
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 2; i++) {
        c.write('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
        statuses.push((await c.response()).status);
      }
      assert.deepEqual(statuses, [...Array<number>(LIMIT).fill(200), 429, 429]);
      assert.equal(c.closed, false);
    });
  });
}
