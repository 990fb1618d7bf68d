// Issue 13, the line of a connection that fails before its first stream (HAProxy 2.6 session_kill_embryonic): a bad,
// cut or missing PROXY header behind `accept-proxy` (HTTP and TCP frontends), and a failed TLS handshake; HAProxy's
// default `ci:cp [accept date] frontend/bind: text`, `option dontlognull` (silent for a client that sent nothing),
// `option log-separate-errors` (level err), and `error-log-format` with its variables and %[fc_err] %[fc_err_str].
// Side by side with haproxy 2.6.12 on one UDP sink each, ports and dates masked. Test-runner thread; both balancers
// are child processes (tests/support/log-side-by-side.ts).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import tls from 'node:tls';
import { tempConfigDir } from '../support/config-load.js';
import { freeTcpPort, runHaproxyCli } from '../support/haproxy-process.js';
import { runOrcalbCli } from '../support/orcalb-process.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';
import { startLogRun } from '../support/log-side-by-side.js';
import type { SyslogReceiver } from '../support/syslog-receiver.js';
import { makeTlsCerts, type TlsCertSet } from '../support/tls-certs.js';
import { within } from '../support/wait.js';

/** Connects, writes `data` (if any), ends after `endAfterMs` (null: never), and waits for the balancer's close. */
function client(port: number, data: string | undefined, endAfterMs: number | null = 100): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => {
      if (data !== undefined) c.write(data);
      if (endAfterMs !== null) setTimeout(() => c.end(), endAfterMs);
    });
    c.on('error', () => {});
    c.on('close', () => resolve());
    c.resume();
  });
  return within(closed, 5000, `client of port ${port}`);
}

/** A TLS client (`opts` its certificate, its versions) whose handshake the balancer refuses; waits for the close. */
function tlsClient(port: number, opts: tls.ConnectionOptions): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    const c = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...opts });
    c.on('error', () => {});
    c.on('close', () => resolve());
    c.resume();
  });
  return within(closed, 5000, `TLS client of port ${port}`);
}

/** The lines as `pri text`, client ports, ports of the config and dates masked, sorted (two threads send them). */
function masked(syslog: SyslogReceiver, ports: readonly number[]): string[] {
  return syslog
    .messages()
    .map((m) => {
      let text = m.text.replace(/\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}/g, 'DATE').replace(/^127\.0\.0\.1:\d+ /, '127.0.0.1:PORT ');
      for (const p of ports) text = text.replaceAll(`:${p}`, ':LBPORT');
      return `${m.pri} ${text}`;
    })
    .sort();
}

/**
 * With two threads the last connection's line (another thread's ring) can reach the sink before an error line made a
 * moment earlier on the other thread: waits up to 2 s more for `expect` lines besides it (haproxy's count), then
 * lets the comparison show what is missing.
 */
async function allIn(syslog: SyslogReceiver, last: string, expect: number | undefined): Promise<void> {
  if (expect === undefined) return;
  await syslog.waitFor((all) => all.filter((m) => !m.text.includes(last)).length >= expect, 2000, 'every error line').catch(() => undefined);
}

/** The PROXY header cases, against an HTTP frontend (`fh`, its bind named) and a TCP one (`ft`, `timeout client` 300 ms). */
async function proxyCases(t: TestContext, subject: LbSubject, options: readonly string[], expect?: number): Promise<string[]> {
  const [http, tcp, other] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
  const { syslog } = await startLogRun(t, subject, http, (sink) => [`  log 127.0.0.1:${sink} local2`, ...options], () => [
    'frontend fh',
    '  mode http',
    `  bind 127.0.0.1:${http} accept-proxy name web`,
    '  option httplog',
    '  default_backend bh',
    'frontend ft',
    '  mode tcp',
    `  bind 127.0.0.1:${other}`,
    `  bind 127.0.0.1:${tcp} accept-proxy`,
    '  option tcplog',
    '  timeout client 300ms',
    '  default_backend bt',
  ]);
  await client(http, undefined); // connect and close
  await client(http, 'GET / H'); // fewer than 16 bytes that are no header
  await client(http, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'); // more
  await client(http, 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n'); // a bad v1 line
  await client(tcp, undefined, null); // silent until `timeout client`
  await client(tcp, 'PROX'); // a header cut short
  await client(tcp, '\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c', null); // a v2 header cut short, then silence
  await client(tcp, 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nx'); // a good header: a session, not an error line
  // The last connection's tcplog line (it reached the server) ends the wait: every error line is in by then.
  await syslog.waitFor((all) => all.some((m) => m.text.includes('bt/s1')), 8000, `${subject.name}: the tcplog line`);
  await allIn(syslog, 'bt/s1', expect);
  return masked(syslog, [http, tcp]).filter((l) => !l.includes('bt/s1'));
}

test('a bad, cut or missing PROXY header gets the connection error line haproxy 2.6.12 sends', async (t) => {
  const h = await proxyCases(t, HAPROXY_SUBJECT, []);
  const o = await proxyCases(t, ORCALB_SUBJECT, [], h.length);
  const raw = `haproxy:\n${h.join('\n')}\norcalb:\n${o.join('\n')}`;
  assert.deepEqual(o, h, raw);
  // local2.info; the HTTP frontend's bind is named, the TCP frontend's second bind is its listener number 2.
  assert.ok(o.includes('150 127.0.0.1:PORT [DATE] fh/web: Connection closed while waiting for PROXY protocol header'), raw);
  assert.ok(o.includes('150 127.0.0.1:PORT [DATE] fh/web: Received something which does not look like a PROXY protocol header'), raw);
  assert.ok(o.includes('150 127.0.0.1:PORT [DATE] fh/web: Received an invalid PROXY protocol header'), raw);
  assert.ok(o.includes('150 127.0.0.1:PORT [DATE] ft/2: Timeout while waiting for PROXY protocol header'), raw);
  assert.equal(o.filter((l) => l.endsWith('Truncated PROXY protocol header received')).length, 3, raw);
});

test('dontlognull silences the clients that sent nothing; log-separate-errors sends the rest at level err', async (t) => {
  const options = ['  option dontlognull', '  option log-separate-errors'];
  const h = await proxyCases(t, HAPROXY_SUBJECT, options);
  const o = await proxyCases(t, ORCALB_SUBJECT, options, h.length);
  const raw = `haproxy:\n${h.join('\n')}\norcalb:\n${o.join('\n')}`;
  assert.deepEqual(o, h, raw);
  assert.equal(o.length, 5, raw);
  // local2.err
  assert.ok(o.every((l) => l.startsWith('147 ')), raw);
  assert.ok(!o.some((l) => l.includes('closed while') || l.includes('Timeout')), raw);
});

/** Failed handshakes on an ssl bind that requires a client certificate (`timeout client` 300 ms). */
async function tlsCases(t: TestContext, subject: LbSubject, certs: TlsCertSet, format: string | undefined, expect?: number): Promise<string[]> {
  const [port, plain] = [await freeTcpPort(), await freeTcpPort()];
  const { syslog } = await startLogRun(t, subject, port, (sink) => [`  log 127.0.0.1:${sink} local2`], () => [
    'frontend fs',
    '  mode http',
    `  bind 127.0.0.1:${port} ssl crt ${certs.rsa} ca-file ${certs.ca} verify required`,
    '  option httplog',
    ...(format === undefined ? [] : [`  error-log-format "${format}"`]),
    '  timeout client 300ms',
    '  default_backend bh',
    'frontend fp',
    '  mode http',
    `  bind 127.0.0.1:${plain}`,
    '  option httplog',
    '  default_backend bh',
  ]);
  const intruder = { cert: readFileSync(certs.otherClientCert), key: readFileSync(certs.otherClientKey) };
  await client(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'); // not TLS
  await client(port, undefined); // connect and close
  await client(port, undefined, null); // silent until `timeout client`
  await tlsClient(port, {}); // no client certificate
  await tlsClient(port, intruder); // a certificate the CA does not vouch for (TLS 1.3)
  await tlsClient(port, { ...intruder, maxVersion: 'TLSv1.2' });
  await client(plain, 'GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', null);
  await syslog.waitFor((all) => all.some((m) => m.text.includes('/last')), 8000, `${subject.name}: the last request's line`);
  await allIn(syslog, '/last', expect);
  return masked(syslog, [port, plain]).filter((l) => !l.includes('/last'));
}

test('a failed TLS handshake gets the connection error line haproxy 2.6.12 sends', async (t) => {
  const certs = await makeTlsCerts(t);
  const h = await tlsCases(t, HAPROXY_SUBJECT, certs, undefined);
  const o = await tlsCases(t, ORCALB_SUBJECT, certs, undefined, h.length);
  const raw = `haproxy:\n${h.join('\n')}\norcalb:\n${o.join('\n')}`;
  assert.deepEqual(o, h, raw);
  assert.equal(o.filter((l) => l.endsWith('fs/1: SSL handshake failure')).length, 2, raw);
  assert.equal(o.filter((l) => l.endsWith('fs/1: SSL client certificate not trusted')).length, 2, raw);
  assert.ok(o.some((l) => l.endsWith('fs/1: Timeout during SSL handshake')), raw);
});

test('error-log-format shapes the line, with %[fc_err] and %[fc_err_str], as haproxy 2.6.12 fills it', async (t) => {
  const certs = await makeTlsCerts(t);
  const format = 'E %ci %fi:%fp %ft %f %b %s %ts %ST %B %U %bc %sc %rc %t %H %ID %{+Q}[fc_err_str] [%[fc_err]] %[fc_err_str]';
  const h = await tlsCases(t, HAPROXY_SUBJECT, certs, format);
  const o = await tlsCases(t, ORCALB_SUBJECT, certs, format, h.length);
  const raw = `haproxy:\n${h.join('\n')}\norcalb:\n${o.join('\n')}`;
  assert.deepEqual(o, h, raw);
  assert.ok(o.some((l) => l.includes('fs~ fs fs <NOSRV> PR 0 0 0 0 0 0 ') && l.endsWith('"SSL handshake failure" [34] SSL handshake failure')), raw);
});

test('a FIN ends a TLS handshake at once, yet a client that half-closes after its request still gets its answer', async (t) => {
  const certs = await makeTlsCerts(t);
  const port = await freeTcpPort();
  const { syslog } = await startLogRun(t, ORCALB_SUBJECT, port, (sink) => [`  log 127.0.0.1:${sink} local2`], () => [
    'frontend fs',
    '  mode http',
    `  bind 127.0.0.1:${port} ssl crt ${certs.rsa}`,
    '  option httplog',
    '  default_backend bh',
  ]);
  // The handshake's FIN: the line comes at once, not after `timeout client` (5 s here, the bound of the wait).
  await client(port, undefined, 0);
  await syslog.waitFor((all) => all.some((m) => m.text.endsWith('fs/1: Connection closed during SSL handshake')), 3000, 'the closed line');
  // After the handshake the session is half-open again: the answer comes after the client's close_notify and FIN.
  const answer = await within(
    new Promise<string>((resolve) => {
      let text = '';
      const c = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
        c.write('GET /half HTTP/1.1\r\nHost: x\r\n\r\n');
        c.end();
      });
      c.setEncoding('utf8');
      c.on('data', (d: string) => (text += d));
      c.on('error', () => {});
      c.on('close', () => resolve(text));
    }),
    5000,
    'the half-closed client',
  );
  assert.match(answer, /^HTTP\/1\.1 200/);
});

test("an HTTP-only variable in a TCP frontend's error-log-format: haproxy 2.6.12's error, at its line", async (t) => {
  const base = (mode: string): string =>
    ['defaults', `  mode ${mode}`, '  error-log-format "%ci [%tr] %[fc_err_str]"', '  timeout connect 1s', '  timeout client 1s', '  timeout server 1s', 'frontend f', '  bind 127.0.0.1:1', '  default_backend b', 'backend b', '  server s 127.0.0.1:2', ''].join('\n');
  const dir = await tempConfigDir(t, { 'tcp.cfg': base('tcp'), 'http.cfg': base('http') });
  const alert = "tcp.cfg:3]: failed to parse error-log-format : format variable 'tr' is reserved for HTTP mode.";
  const h = await runHaproxyCli(['-c', '-f', join(dir, 'tcp.cfg')]);
  const o = await runOrcalbCli(['-c', '-f', join(dir, 'tcp.cfg')]);
  assert.equal(h.code, 1, h.stderr);
  assert.equal(o.code, 1, o.stdout + o.stderr);
  assert.ok(h.stderr.includes(alert), h.stderr);
  assert.ok((o.stdout + o.stderr).includes(alert.replace(']: ', '] : ')), o.stdout + o.stderr);
  // In an HTTP frontend the same format is valid for both, and orcalb no longer warns about the keyword.
  assert.equal((await runHaproxyCli(['-c', '-f', join(dir, 'http.cfg')])).code, 0);
  const ok = await runOrcalbCli(['-c', '-f', join(dir, 'http.cfg')]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.ok(!(ok.stdout + ok.stderr).includes('error-log-format'), ok.stdout + ok.stderr);
});
