// Issue 13, `log-format-sd` (manual §4.2: RFC 5424 structured data, written by the targets whose format is rfc5424
// only) and `%rt` (§8.2.4: the process-wide request counter, one per HTTP request or TCP session, in hexadecimal
// `%{+X}rt` as 4 digits), side by side with haproxy 2.6.12 on one UDP sink: the datagrams of both, their times, pid
// and ports masked, are the same. log-format-sd comes from defaults (a TCP frontend's) or the frontend's own, where
// an HTTP-only variable (%r) in a TCP frontend's is haproxy's error; a frontend without a log target still counts
// its requests (its number is missing from the lines of the others); a request line with `"`, `]` and `\` goes
// into the structured data escaped as the line escapes it. orcalb runs 2 forwarder threads: the counter is shared.
// Test-runner thread; both balancers are child processes (tests/support/log-side-by-side.ts).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { tempConfigDir } from '../support/config-load.js';
import { freeTcpPort, runHaproxyCli } from '../support/haproxy-process.js';
import { runOrcalbCli } from '../support/orcalb-process.js';
import { RawHttpConnection, rawRequest } from '../support/http-client.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';
import { startLogRun } from '../support/log-side-by-side.js';

/** The lines each subject sends for the traffic below. */
const EXPECTED_LINES = 8;

/** Times, the pid and the client ports out of a datagram, so two programs' datagrams compare. */
function masked(datagram: string, ports: readonly number[]): string {
  let out = datagram
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d/g, 'TIME')
    .replace(/^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d /, '<$1>TIME ')
    .replace(/ haproxy \d+ /, ' haproxy PID ')
    .replace(/haproxy\[\d+\]:/, 'haproxy[PID]:');
  for (const p of ports) out = out.replaceAll(`:${p} `, ':PORT ');
  return out;
}

async function run(t: TestContext, subject: LbSubject): Promise<string[]> {
  const [http, quiet, tcp] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
  const { syslog } = await startLogRun(
    t,
    subject,
    http,
    (sink) => [`  log 127.0.0.1:${sink} local2`, '  log-format-sd [x@1\\ st=\\"%ST\\"\\ rt=\\"%rt\\"\\ b=\\"%b\\"]'],
    (sink) => {
      // A frontend whose lines also go to an rfc5424 target of its own (besides the defaults' rfc3164 one).
      const rfc5424 = (name: string, mode: string, port: number, format: string, backend: string): string[] =>
        [`frontend ${name}`, `  mode ${mode}`, `  bind 127.0.0.1:${port}`, `  log 127.0.0.1:${sink} format rfc5424 local1`, `  log-format "${format}"`, `  default_backend ${backend}`];
      return [
        ...rfc5424('f', 'http', http, 'L %rt %{+X}rt %ST %r', 'bh'),
        '  log-format-sd [x@1\\ st=\\"%ST\\"\\ r=\\"%r\\"\\ rt=\\"%rt\\"]',
        'frontend quiet',
        '  mode http',
        '  no log',
        `  bind 127.0.0.1:${quiet}`,
        '  default_backend bh',
        ...rfc5424('t', 'tcp', tcp, 'T %rt %ci', 'bt'),
      ];
    },
  );
  const ports: number[] = [];
  // Two requests on one keep-alive connection: %rt 0 and 1.
  const c = await RawHttpConnection.open(http);
  ports.push(c.socket.localPort ?? 0);
  c.write('GET /one HTTP/1.1\r\nHost: h\r\n\r\n');
  assert.equal((await c.response()).status, 200);
  c.write('GET /two HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
  assert.equal((await c.response()).status, 200);
  c.destroy();
  await syslog.waitForDatagrams((all) => all.length >= 4, 8000, `${subject.name}: the keep-alive lines`);
  // A frontend with no log target: %rt 2 is taken, no line.
  assert.equal((await rawRequest(quiet, 'GET /quiet HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')).status, 200);
  // A hostile request line: %rt 3, `"` escaped as #22 in the line and in the structured data alike.
  const h = await RawHttpConnection.open(http);
  ports.push(h.socket.localPort ?? 0);
  h.write('GET /a"b]\\x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
  assert.equal((await h.response()).status, 200);
  h.destroy();
  await syslog.waitForDatagrams((all) => all.length >= 6, 8000, `${subject.name}: the hostile request's lines`);
  // A TCP session: %rt 4.
  const s = await RawHttpConnection.open(tcp);
  ports.push(s.socket.localPort ?? 0);
  s.write('GET /tcp HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
  assert.equal((await s.response()).status, 200);
  await s.waitClosed();
  s.destroy();
  await syslog.waitForDatagrams((all) => all.length >= EXPECTED_LINES, 8000, `${subject.name}: ${EXPECTED_LINES} datagrams`);
  return syslog.datagrams().map((d) => masked(d, ports));
}

test('log-format-sd and %rt: the same datagrams as haproxy 2.6.12 (rfc5424 structured data, the shared request counter)', async (t) => {
  const h = await run(t, HAPROXY_SUBJECT);
  const o = await run(t, ORCALB_SUBJECT);
  const raw = `haproxy:\n${h.join('')}\norcalb:\n${o.join('')}`;
  // Each request's datagrams (global rfc3164 target, the frontend's rfc5424 one) may interleave with the next
  // request's only within one request: compare as sorted lists, then the counter's order explicitly.
  assert.deepEqual([...o].sort(), [...h].sort(), raw);
  const sd = o.filter((d) => d.startsWith('<14'));
  assert.deepEqual(sd, [
    '<142>1 TIME - haproxy PID - [x@1 st="200" r="GET /one HTTP/1.1" rt="0"] L 0 0000 200 GET /one HTTP/1.1\n',
    '<142>1 TIME - haproxy PID - [x@1 st="200" r="GET /two HTTP/1.1" rt="1"] L 1 0001 200 GET /two HTTP/1.1\n',
    '<142>1 TIME - haproxy PID - [x@1 st="200" r="GET /a#22b]\\x HTTP/1.1" rt="3"] L 3 0003 200 GET /a#22b]\\x HTTP/1.1\n',
    '<142>1 TIME - haproxy PID - [x@1 st="0" rt="4" b="bt"] T 4 127.0.0.1\n',
  ], raw);
  // The rfc3164 target of the same lines carries no structured data.
  assert.ok(o.includes('<150>TIME haproxy[PID]: L 1 0001 200 GET /two HTTP/1.1\n'), raw);
});

test("an HTTP-only variable in a TCP frontend's log-format-sd: haproxy 2.6.12's error", async (t) => {
  const config = (mode: string): string =>
    ['defaults', `  mode ${mode}`, '  log-format-sd [x@1\\ r=\\"%r\\"]', '  timeout connect 1s', '  timeout client 1s', '  timeout server 1s',
      'frontend f', '  bind 127.0.0.1:1', '  default_backend b', 'backend b', '  server s 127.0.0.1:2', ''].join('\n');
  const dir = await tempConfigDir(t, { 'tcp.cfg': config('tcp'), 'http.cfg': config('http') });
  const alert = "failed to parse log-format-sd : format variable 'r' is reserved for HTTP mode.";
  const h = await runHaproxyCli(['-c', '-f', join(dir, 'tcp.cfg')]);
  const o = await runOrcalbCli(['-c', '-f', join(dir, 'tcp.cfg')]);
  assert.equal(h.code, 1, h.stderr);
  assert.equal(o.code, 1, o.stdout + o.stderr);
  assert.ok(h.stderr.includes(alert), h.stderr);
  assert.ok((o.stdout + o.stderr).includes(alert), o.stdout + o.stderr);
  // In an HTTP proxy the same line is valid for both, and no longer a warning for orcalb.
  assert.equal((await runHaproxyCli(['-c', '-f', join(dir, 'http.cfg')])).code, 0);
  const ok = await runOrcalbCli(['-c', '-f', join(dir, 'http.cfg')]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.doesNotMatch(ok.stdout + ok.stderr, /log-format-sd/);
});
