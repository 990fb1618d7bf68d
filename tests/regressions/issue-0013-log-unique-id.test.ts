// Issue 13, `unique-id-format` / `unique-id-header` (manual §4.2) and %ID, side by side with haproxy 2.6.12: the
// manual's example format (%{+X}o: addresses, ports, %Ts and %pid in hexadecimal) in defaults; an HTTP request
// carries the id to its server in the named header, after the client's own field of that name and before
// X-Forwarded-For, and its line prints the same id; a TCP session's line prints its id; a <BADREQ> prints `-`; an
// id is cut to 127 characters; an HTTP-only variable in a TCP frontend's unique-id-format or log-format is an error.
// Test-runner thread; both balancers run as child processes, the server is tests/support/http-tagged-backends.ts.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempConfigDir } from '../support/config-load.js';
import { freeTcpPort, runHaproxyCli } from '../support/haproxy-process.js';
import { runOrcalbCli } from '../support/orcalb-process.js';
import { RawHttpConnection } from '../support/http-client.js';
import { startTaggedHttpFarm } from '../support/http-tagged-backends.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';
import { startSyslogReceiver } from '../support/syslog-receiver.js';

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

interface Seen {
  /** The request's header lines as the server got them, the id masked as ID. */
  readonly head: string[];
  /** The log lines, ids masked as ID. */
  readonly lines: string[];
}

async function run(t: { after(fn: () => unknown): void }, subject: LbSubject): Promise<Seen> {
  const farm = await startTaggedHttpFarm(['s1']);
  t.after(() => farm.close());
  const syslog = await startSyslogReceiver();
  t.after(() => syslog.close());
  const [http, tcp] = [await freeTcpPort(), await freeTcpPort()];
  const config = [
    'global',
    `  log 127.0.0.1:${syslog.port} local2`,
    'defaults',
    '  log global',
    '  timeout connect 2s',
    '  timeout client 5s',
    '  timeout server 5s',
    '  unique-id-format %{+X}o\\ %ci:%cp_%fi:%fp_%Ts:%pid_%ft',
    'frontend fu',
    '  mode http',
    '  option forwardfor',
    '  unique-id-header X-Unique-ID',
    '  log-format "ID=%ID %{+Q}ID %r"',
    `  bind 127.0.0.1:${http}`,
    '  default_backend b',
    'frontend ftu',
    '  mode tcp',
    '  log-format "ID=%ID %ci"',
    `  bind 127.0.0.1:${tcp}`,
    '  default_backend b',
    'backend b',
    '  mode http',
    `  server s1 127.0.0.1:${farm.byName('s1').port}`,
    '',
  ].join('\n');
  const lb = await subject.start(config, http);
  t.after(() => lb.stop());
  const idOf = (port: number, clientPort: number, frontend: string): RegExp =>
    new RegExp(`7F000001:${hex(clientPort, 4)}_7F000001:${hex(port, 4)}_[0-9A-F]{8}:[0-9A-F]+_${frontend}`, 'g');

  const c = await RawHttpConnection.open(http);
  const httpId = idOf(http, c.socket.localPort ?? 0, 'fu');
  c.write('GET /a HTTP/1.1\r\nHost: h\r\nX-Unique-ID: client\r\nConnection: close\r\n\r\n');
  assert.equal((await c.response()).status, 200);
  c.destroy();
  const t2 = await RawHttpConnection.open(tcp);
  const tcpId = idOf(tcp, t2.socket.localPort ?? 0, 'ftu');
  t2.write('GET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
  assert.equal((await t2.response()).status, 200);
  t2.destroy();
  const bad = await RawHttpConnection.open(http);
  bad.socket.end('GET /x HT');
  await bad.readUntil(5000);
  await syslog.waitFor((m) => m.filter((x) => x.text.startsWith('ID=')).length >= 3, 8000, `${subject.name}: three lines`);
  const lines = syslog.messages().filter((m) => m.text.startsWith('ID=')).map((m) => m.text.replace(httpId, 'HTTP-ID').replace(tcpId, 'TCP-ID'));
  const head = (farm.byName('s1').headLog[0] ?? '').split('\r\n').slice(1).map((l) => l.replace(httpId, 'HTTP-ID'));
  return { head, lines: lines.sort() };
}

test('unique-id-format, unique-id-header and %ID: the same ids, header and lines as haproxy 2.6.12', async (t) => {
  const h = await run(t, HAPROXY_SUBJECT);
  const o = await run(t, ORCALB_SUBJECT);
  const raw = `haproxy:\n${JSON.stringify(h, null, 1)}\norcalb:\n${JSON.stringify(o, null, 1)}`;
  assert.deepEqual(o, h, raw);
  assert.deepEqual(o.lines, ['ID=- "" <BADREQ>', 'ID=HTTP-ID "HTTP-ID" GET /a HTTP/1.1', 'ID=TCP-ID 127.0.0.1'], raw);
  const named = o.head.filter((l) => /^(x-unique-id|x-forwarded-for):/i.test(l));
  assert.deepEqual(named, ['x-unique-id: client', 'x-unique-id: HTTP-ID', 'x-forwarded-for: 127.0.0.1'], raw);
});

test('a unique id is cut to 127 characters, as haproxy 2.6.12 cuts it', async (t) => {
  const got: string[] = [];
  for (const subject of [HAPROXY_SUBJECT, ORCALB_SUBJECT]) {
    const farm = await startTaggedHttpFarm(['s1']);
    t.after(() => farm.close());
    const port = await freeTcpPort();
    const config = [
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 5s',
      '  timeout server 5s',
      'frontend f',
      `  bind 127.0.0.1:${port}`,
      '  unique-id-format %r',
      '  unique-id-header X-Unique-ID',
      '  default_backend b',
      'backend b',
      `  server s1 127.0.0.1:${farm.byName('s1').port}`,
      '',
    ].join('\n');
    const lb = await subject.start(config, port);
    t.after(() => lb.stop());
    const c = await RawHttpConnection.open(port);
    c.write(`GET /${'a'.repeat(300)} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
    assert.equal((await c.response()).status, 200);
    c.destroy();
    got.push((farm.byName('s1').headLog[0] ?? '').split('\r\n').find((l) => l.startsWith('x-unique-id:')) ?? '');
  }
  assert.equal(got[1], got[0]);
  assert.equal(got[1], `x-unique-id: GET /${'a'.repeat(122)}`);
});

test('an HTTP-only variable in a TCP frontend\'s unique-id-format or log-format: haproxy 2.6.12\'s error, at its line', async (t) => {
  const base = (mode: string, lines: readonly string[]): string =>
    ['defaults', '  mode tcp', ...lines, '  timeout connect 1s', '  timeout client 1s', '  timeout server 1s', 'frontend f', `  mode ${mode}`, '  bind 127.0.0.1:1', '  default_backend b', 'backend b', `  mode ${mode}`, '  server s 127.0.0.1:2', ''].join('\n');
  const dir = await tempConfigDir(t, {
    'uid.cfg': base('tcp', ['  unique-id-format %ci_%r']),
    'fmt.cfg': base('tcp', ['  log-format "%ci %HU"']),
    'http.cfg': base('http', ['  unique-id-format %r']),
  });
  for (const [file, alert] of [
    ['uid.cfg', "uid.cfg:3]: failed to parse unique-id : format variable 'r' is reserved for HTTP mode."],
    ['fmt.cfg', "fmt.cfg:3]: failed to parse log-format : format variable 'HU' is reserved for HTTP mode."],
  ] as const) {
    const h = await runHaproxyCli(['-c', '-f', join(dir, file)]);
    const o = await runOrcalbCli(['-c', '-f', join(dir, file)]);
    assert.equal(h.code, 1, h.stderr);
    assert.equal(o.code, 1, o.stdout + o.stderr);
    assert.ok(h.stderr.includes(alert), h.stderr);
    assert.ok((o.stdout + o.stderr).includes(alert.replace(']: ', '] : ')), o.stdout + o.stderr);
  }
  // The same format in an HTTP frontend (the defaults' mode tcp overridden) is valid for both.
  assert.equal((await runHaproxyCli(['-c', '-f', join(dir, 'http.cfg')])).code, 0);
  assert.equal((await runOrcalbCli(['-c', '-f', join(dir, 'http.cfg')])).code, 0);
});
