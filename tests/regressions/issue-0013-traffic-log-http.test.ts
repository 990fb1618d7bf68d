// Issue 13, traffic log lines in HTTP mode: the seed's haproxy-http.cfg (option httplog, dontlognull, log to a UDP
// syslog sink) with captures added to its frontend, run under haproxy 2.6.12 and orcalb --threads 2 with the same
// requests; the httplog lines must match field by field with the client port, dates and times masked: requests with
// captures ({…}), a POST (%U), a bad request from a client still there (PR, <BADREQ>), a connect-and-close (no line), a 503 with every server
// down (SC, <NOSRV>); then `option httplog clf` and a `log-format` with the variables, same comparison.
// Test-runner thread; both balancers run as child processes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { rawRequest } from '../support/http-client.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess } from '../support/lb-subject.js';
import { seedHttpConfig, type SeedHttpOverrides } from '../support/seed-http-config.js';
import { startSyslogReceiver, type SyslogReceiver } from '../support/syslog-receiver.js';
import { connectAndClose, httplogFields, type HttplogFields } from '../support/traffic-log-lines.js';

const NODES = ['node1', 'node2', 'node3', 'node4'] as const;

const CAPTURES = ['capture request header Host len 8', 'capture request header User-Agent len 5', 'capture response header X-Server len 4'];

interface Run {
  readonly name: string;
  readonly backends: HttpBackends;
  readonly syslog: SyslogReceiver;
  readonly lb: LbProcess;
  readonly port: number;
}

/** The traffic lines so far (not the start-up or health-check ones). */
function trafficLines(syslog: SyslogReceiver): string[] {
  return syslog
    .messages()
    .filter((m) => m.tag === 'haproxy' && !/^(Server|backend|Proxy|Health) /.test(m.text))
    .map((m) => `<${m.pri}> ${m.text}`);
}

async function line(run: Run, n: number, what: string): Promise<string> {
  await run.syslog.waitFor(() => trafficLines(run.syslog).length >= n, 8000, `${run.name}: ${what}`);
  return trafficLines(run.syslog)[n - 1] ?? '';
}

async function start(t: { after(fn: () => unknown): void }, subject: typeof HAPROXY_SUBJECT, extra: readonly string[], overrides: SeedHttpOverrides = {}): Promise<Run> {
  const backends = await startHttpBackends(NODES);
  t.after(() => backends.close());
  const syslog = await startSyslogReceiver();
  t.after(() => syslog.close());
  const port = await freeTcpPort();
  const config = await seedHttpConfig(port, backends.ports(), { inter: '200ms', syslogPort: syslog.port, frontendExtra: extra, ...overrides });
  const lb = await subject.start(config, port);
  t.after(() => lb.stop());
  const run = { name: subject.name, backends, syslog, lb, port };
  // A first request whose line is not compared: the start-up probe's connection (lb-subject) may still be counted
  // in %ac/%fc while it closes; after this exchange it is gone for both.
  assert.equal((await rawRequest(port, 'GET /warm-up HTTP/1.1\r\nHost: h\r\n\r\n')).status, 200);
  await line(run, 1, 'warm-up request');
  return run;
}

const GET = 'GET /a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: curl/8.1\r\n\r\n';
const POST = 'POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world';

/** The same requests for both; the lines they logged, in order. */
async function scenario(run: Run): Promise<string[]> {
  const out: string[] = [];
  assert.equal((await rawRequest(run.port, GET)).status, 200);
  out.push(await line(run, 2, 'GET with captures'));
  assert.equal((await rawRequest(run.port, POST)).status, 200);
  out.push(await line(run, 3, 'POST'));
  await connectAndClose(run.port);
  assert.equal((await rawRequest(run.port, 'GET /a"b#c\x01\xff HTTP/1.1\r\nHost: a\r\n\r\n')).status, 400);
  out.push(await line(run, 4, 'bad request'));
  for (const n of NODES) await run.backends.stop(n);
  for (const n of NODES) await run.lb.waitForStderr(new RegExp(`Server ddb_backend/${n} is DOWN`), 8000);
  assert.equal((await rawRequest(run.port, 'GET /down HTTP/1.1\r\nHost: h\r\n\r\n')).status, 503);
  out.push(await line(run, 5, '503 with every server down'));
  return out;
}

test('seed http config: httplog lines of haproxy 2.6.12 and orcalb match field by field (captures, %U, PR, SC, dontlognull)', async (t) => {
  const lines: Record<string, string[]> = {};
  for (const subject of [HAPROXY_SUBJECT, ORCALB_SUBJECT]) lines[subject.name] = await scenario(await start(t, subject, CAPTURES));
  const raw = `haproxy:\n${(lines[HAPROXY_SUBJECT.name] ?? []).join('\n')}\norcalb:\n${(lines[ORCALB_SUBJECT.name] ?? []).join('\n')}`;
  // %ac/%fc: an HTTP line goes when its transaction ends, with its connection still open; the previous request's
  // connection may still be closing on another forwarder then (a TCP line goes at the connection's end: the TCP test
  // compares them exactly). The rest of the counters must match.
  const fields = (l: string): HttplogFields => {
    const f = httplogFields(l);
    assert.match(f.counters, /^[1-9]\d*\/[1-9]\d*\//, l);
    return { ...f, counters: f.counters.replace(/^\d+\/\d+\//, 'AC/FC/') };
  };
  const h = (lines[HAPROXY_SUBJECT.name] ?? []).map(fields);
  const o = (lines[ORCALB_SUBJECT.name] ?? []).map(fields);
  assert.deepEqual(o, h, raw);
  assert.deepEqual(o.map((f) => f.state), ['----', '----', 'PR--', 'SC--'], raw);
  assert.equal(o[0]?.rest, '{example.|curl/} {node} "GET /a/b?c=d HTTP/1.1"', raw);
  assert.equal(o[3]?.server, 'ddb_backend/<NOSRV>', raw);
});

/** Lines other than the named formats: every variable whose value does not depend on timing. */
const FORMAT =
  'log-format "%ci %ft %f %b %s %si %fi %ST %B %U %ts %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %hrl %hsl %r %HM %HU %HP %HPO %HQ %HV %ID %{+Q}r %{-Q}r %{+Q}b %{+X}ST %{+E}HU %CC %CS [%{+Q}o %ft %b %ST]"';

test('option httplog clf and a log-format with the variables: the same lines as haproxy 2.6.12 (dates and times masked)', async (t) => {
  for (const [what, extra, overrides] of [
    ['clf', CAPTURES, { defaultsExtra: ['option httplog clf'] }],
    ['log-format', [...CAPTURES, FORMAT], {}],
  ] as const) {
    const lines: string[][] = [];
    for (const subject of [HAPROXY_SUBJECT, ORCALB_SUBJECT]) {
      const run = await start(t, subject, extra, overrides);
      assert.equal((await rawRequest(run.port, GET)).status, 200);
      const get = await line(run, 2, `${what} GET`);
      assert.equal((await rawRequest(run.port, POST)).status, 200);
      lines.push([get, await line(run, 3, `${what} POST`)]);
      await run.lb.stop();
    }
    // clf: `[date]` and the trailing times; log-format: no time field at all. %ac/%fc too: the previous request's
    // connection may still be closing on another forwarder when this line is built (the first test compares them).
    const mask = (l: string): string =>
      l
        .replace(/ \d+\/\d+\/(\d+\/\d+\/\d+ \d+\/\d+ \{)/, ' AC/FC/$1')
        .replace(/ ---- \d+ \d+ (\d+ \d+ \d+ \d+ \d+ ")/, ' ---- AC FC $1')
        .replace(/\[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]/, '[DATE]')
        .replace(/" (\d+) (\d{3}) ("fh?[\w]*"|"ddb_fronted") /, '" PORT MS $3 ')
        .replace(/ (\d+|-1) (\d+|-1) (\d+|-1) (\d+|-1) (\d+|-1) (-{2}|[A-Za-z]{2})(-{2}|[A-Za-z]{2}) /, ' T T T T T $6$7 ');
    assert.deepEqual(lines[1]?.map(mask), lines[0]?.map(mask), `${what}:\n${lines.flat().join('\n')}`);
  }
});
