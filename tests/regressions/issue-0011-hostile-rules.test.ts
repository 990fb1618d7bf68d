// Issue 11's hostile pass on the L7 rule wiring, side by side with haproxy 2.6.12: rules that match everything under a
// storm of pipelined keep-alive requests (every request answered, in order, nothing wedged), a tarpit storm (the
// held clients cost one fd each, nothing more; a hard stop ends the process at once while they are held), and a
// 429 storm across two threads (every request either served or refused, never more served than the limit allows,
// the server seeing exactly the served ones). Bounded loops, real sockets on 127.0.0.1.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RawHttpConnection } from '../support/http-client.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject } from '../support/lb-subject.js';
import { openFds } from '../support/process-fds.js';
import { pollUntil } from '../support/wait.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];

const TARPITS = 150;
const STORM_CONNS = 20;
const PIPELINE = 25;
const RATE_CLIENTS = 60;
const LIMIT = 20;

function config(port: number, backendPort: number): string {
  return [
    'global',
    '  nbthread 2',
    '  maxconn 2000',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 20s',
    '  timeout server 5s',
    '  timeout tarpit 20s',
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  stick-table type ip size 1k expire 30s store http_req_rate(30s)',
    // Everything below matches every request of its kind: the rules' worst case.
    '  acl any path -m reg .*',
    '  acl all_hosts hdr(host) -m found',
    '  http-request set-header X-Seen %[path,lower] if any all_hosts',
    '  http-request track-sc0 src if { path_beg /rate }',
    `  http-request deny deny_status 429 if { path_beg /rate } { sc_http_req_rate(0) gt ${LIMIT} }`,
    '  http-request tarpit if { path_beg /tarpit }',
    '  http-request deny if { path_beg /deny } any',
    '  use_backend %[req.hdr(x-nosuch)] if any',
    '  default_backend be',
    'backend be',
    `  server s 127.0.0.1:${backendPort}`,
    '',
  ].join('\n');
}

for (const subject of SUBJECTS) {
  describe(`hostile rules: ${subject.name}`, () => {
    let backends: HttpBackends;
    let lb: LbProcess;
    let port: number;
    before(async () => {
      backends = await startHttpBackends(['s']);
      port = await freeTcpPort();
      lb = await subject.start(config(port, backends.ports()[0] ?? 0), port);
    });
    after(async () => {
      // A failed start leaves no process: the backends still close, so the file ends.
      try {
        await lb?.stop();
      } finally {
        await backends?.close();
      }
    });

    test(`${STORM_CONNS} connections each pipelining ${PIPELINE} requests, every second one denied: all answered in order`, async () => {
      const conns = await Promise.all(Array.from({ length: STORM_CONNS }, () => RawHttpConnection.open(port)));
      try {
        const expected: number[] = [];
        for (let i = 0; i < PIPELINE; i++) expected.push(i % 2 === 0 ? 200 : 403);
        const results = await Promise.all(
          conns.map(async (c, n) => {
            let burst = '';
            for (let i = 0; i < PIPELINE; i++) burst += `GET /${i % 2 === 0 ? 'ok' : 'deny'}/${n}/${i} HTTP/1.1\r\nHost: t\r\n\r\n`;
            c.write(burst);
            const statuses: number[] = [];
            for (let i = 0; i < PIPELINE; i++) statuses.push((await c.response(10_000)).status);
            return statuses;
          }),
        );
        for (const statuses of results) assert.deepEqual(statuses, expected);
        // The served ones reached the server with the rule's header; none of the denied ones did.
        const seen = backends.requests.filter((r) => r.head.includes('/ok/'));
        assert.equal(seen.length, STORM_CONNS * Math.ceil(PIPELINE / 2));
        assert.ok(seen.every((r) => /\nx-seen: \/ok\//i.test(r.head)));
        assert.equal(backends.requests.filter((r) => r.head.includes('/deny/')).length, 0);
      } finally {
        for (const c of conns) c.destroy();
      }
    });

    test(`a storm of ${RATE_CLIENTS} concurrent requests from one address across threads: at most ${LIMIT} served, the rest 429`, async () => {
      const before = backends.requests.length;
      const statuses = await Promise.all(
        Array.from({ length: RATE_CLIENTS }, async () => {
          const c = await RawHttpConnection.open(port, '127.0.0.5');
          try {
            c.write('GET /rate HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
            return (await c.response(10_000)).status;
          } finally {
            c.destroy();
          }
        }),
      );
      const served = statuses.filter((s) => s === 200).length;
      const refused = statuses.filter((s) => s === 429).length;
      assert.equal(served + refused, RATE_CLIENTS, `statuses: ${statuses.join(',')}`);
      assert.ok(served <= LIMIT && served > 0, `served ${served}`);
      assert.equal(backends.requests.length - before, served);
    });
  });

  // Its own process: the fd count it compares starts from an idle balancer (no connection of another test lingering).
  describe(`tarpit storm: ${subject.name}`, () => {
    let backends: HttpBackends;
    let lb: LbProcess;
    let port: number;
    before(async () => {
      backends = await startHttpBackends(['s']);
      port = await freeTcpPort();
      lb = await subject.start(config(port, backends.ports()[0] ?? 0), port);
    });
    after(async () => {
      // A failed start leaves no process: the backends still close, so the file ends.
      try {
        await lb?.stop();
      } finally {
        await backends?.close();
      }
    });

    test(`${TARPITS} tarpitted clients hold about one fd each; a hard stop ends the process while they wait`, async () => {
      const base = openFds(lb.pid);
      const conns = await Promise.all(Array.from({ length: TARPITS }, () => RawHttpConnection.open(port)));
      for (const c of conns) c.write('GET /tarpit HTTP/1.1\r\nHost: t\r\n\r\n');
      // Every client is held: no answer came, and the process holds its connection (and not much more).
      await pollUntil(() => openFds(lb.pid) >= base + TARPITS, 30_000, 'the tarpitted connections are accepted');
      assert.ok(openFds(lb.pid) <= base + TARPITS + 20, `fds ${openFds(lb.pid)} (base ${base})`);
      const stopped = lb.stop();
      const ended = await lb.ended;
      await stopped;
      assert.notEqual(ended.code === null && ended.signal === null, true);
      const closed = await Promise.all(conns.map((c) => c.readUntil(5000)));
      assert.ok(closed.every((r) => r.closed && !r.bytes.startsWith('HTTP/1.1 200')));
    });
  });
}
