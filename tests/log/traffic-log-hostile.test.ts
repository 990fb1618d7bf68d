// Hostile clients against the traffic log line (issue 13), side by side with haproxy 2.6.12: bytes a log line must
// not carry raw (`"` in the URI, `{|}"#`, TAB and 8-bit bytes in captured headers: HAProxy's `#XX`), a 7000-byte header
// captured with `len 8` (cut), rules that log everything under a burst of requests (every answer still right, the
// balancer still up), and option dontlog-normal with log-separate-errors (only the 503 logged, at level err).
// Test-runner thread; both balancers run as child processes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startHttpBackends } from '../support/http-backends.js';
import { rawRequest } from '../support/http-client.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject } from '../support/lb-subject.js';
import { startSyslogReceiver, type SyslogReceiver } from '../support/syslog-receiver.js';
import { httplogFields, trafficLine as line, trafficLines } from '../support/traffic-log-lines.js';

interface Run {
  readonly name: string;
  readonly syslog: SyslogReceiver;
  readonly lb: LbProcess;
  readonly port: number;
}

/** A frontend logging with httplog and captures to its own sink; `extra` lines go into the frontend. */
async function start(t: { after(fn: () => unknown): void }, subject: LbSubject, extra: readonly string[] = []): Promise<Run> {
  const backends = await startHttpBackends(['s1']);
  t.after(() => backends.close());
  const dead = await freeTcpPort();
  const syslog = await startSyslogReceiver();
  t.after(() => syslog.close());
  const port = await freeTcpPort();
  const config = `
global
    log 127.0.0.1:${syslog.port} local2
defaults
    mode http
    log global
    option httplog
    option http-server-close
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:${port}
    capture request header Host len 8
    capture request header User-Agent len 5
    capture response header X-Server len 4
${extra.map((l) => `    ${l}`).join('\n')}
    use_backend down if { path_beg /down }
    default_backend be
backend be
    server s1 127.0.0.1:${backends.ports()[0] ?? 0}
backend down
    server d1 127.0.0.1:${dead}
`;
  const lb = await subject.start(config, port);
  t.after(() => lb.stop());
  return { name: subject.name, syslog, lb, port };
}

const HOSTILE: readonly string[] = [
  'GET /a"b HTTP/1.1\r\nHost: x\r\n\r\n',
  // Control bytes in a value go no further than the backend's parser (node refuses them): a TAB and 8-bit do.
  'GET /a{b}|c HTTP/1.1\r\nHost: {a|"#}\r\nUser-Agent: \xe9\tz\r\n\r\n',
  `GET /big HTTP/1.1\r\nHost: ${'A'.repeat(7000)}\r\nUser-Agent: ${'B'.repeat(100)}\r\n\r\n`,
];

test('hostile request lines and captured headers are escaped and cut as haproxy 2.6.12 logs them', async (t) => {
  const lines: string[][] = [];
  for (const subject of [HAPROXY_SUBJECT, ORCALB_SUBJECT]) {
    const run = await start(t, subject);
    const got: string[] = [];
    for (const [i, req] of HOSTILE.entries()) {
      assert.equal((await rawRequest(run.port, Buffer.from(req, 'latin1'))).status, 200, `${run.name}: ${JSON.stringify(req.slice(0, 40))}`);
      got.push(httplogFields(await line(run, i + 1, `hostile request ${i}`)).rest);
    }
    lines.push(got);
  }
  assert.deepEqual(lines[1], lines[0]);
  assert.deepEqual(lines[1], [
    '{x|} {s1} "GET /a#22b HTTP/1.1"',
    '{#7Ba#7C#22#23#7D|#E9#09z} {s1} "GET /a{b}|c HTTP/1.1"',
    '{AAAAAAAA|BBBBB} {s1} "GET /big HTTP/1.1"',
  ]);
});

test('dontlog-normal with log-separate-errors: only the failed transaction is logged, at level err', async (t) => {
  const lines: string[] = [];
  for (const subject of [HAPROXY_SUBJECT, ORCALB_SUBJECT]) {
    const run = await start(t, subject, ['option dontlog-normal', 'option log-separate-errors']);
    assert.equal((await rawRequest(run.port, 'GET /ok HTTP/1.1\r\nHost: h\r\n\r\n')).status, 200);
    assert.equal((await rawRequest(run.port, 'GET /down HTTP/1.1\r\nHost: h\r\n\r\n')).status, 503);
    const l = httplogFields(await line(run, 1, '503 line'));
    lines.push(`${l.pri} ${l.state} ${l.status} ${l.rest}`);
  }
  assert.equal(lines[1], lines[0]);
  // local2 (18) × 8 + err (3): the line of the 503; the 200 before it left none.
  assert.equal(lines[1], '147 SC-- 503 {h|} {} "GET /down HTTP/1.1"');
});

test('a burst of logged requests: every answer right, every line well formed, the balancer still up', async (t) => {
  const run = await start(t, ORCALB_SUBJECT);
  const CLIENTS = 20;
  const PER_CLIENT = 100;
  let ok = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      // Bounded: PER_CLIENT requests per client, each on its own connection (a new session and line each).
      for (let i = 0; i < PER_CLIENT; i++) {
        const r = await rawRequest(run.port, `GET /burst/${c}/${i} HTTP/1.1\r\nHost: h${c}\r\n\r\n`);
        if (r.status === 200) ok++;
      }
    }),
  );
  assert.equal(ok, CLIENTS * PER_CLIENT);
  // UDP may drop under the burst; what arrives must be whole lines of the right shape.
  await run.syslog.waitFor(() => trafficLines(run.syslog).length > 0, 8000, 'some burst lines');
  for (const l of trafficLines(run.syslog)) assert.match(httplogFields(l).rest, /^\{h\d+\|\} \{s1\} "GET \/burst\/\d+\/\d+ HTTP\/1\.1"$/);
  assert.equal((await rawRequest(run.port, 'GET /after HTTP/1.1\r\nHost: h\r\n\r\n')).status, 200);
});
