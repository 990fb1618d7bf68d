// Issue 15: a reload that adds or removes a frontend's bind lines (config/config-diff.ts bindChanges,
// workers/reload.ts, the acceptor's ListenerSet.add/remove). The added bind answers on its port; the removed one
// refuses new connections while the sessions it accepted go on; the unchanged one keeps its listening socket (inode)
// and, under wrk keep-alive traffic, loses no request. A bind that cannot be opened, or one whose socket settings
// change, refuses the whole reload. Certificates re-read by a reload serve the next handshakes (TlsFronts.rebuild)
// while a session secured before goes on; an ssl bind can be added. Real sockets, orcalb as a child process. Test-runner thread.

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { ProcessGroup } from '../../native-bench/process-group.js';
import { runWrk, wrkAvailable } from '../../native-bench/load/wrk-run.js';
import { connectTagged, probeConnect } from '../support/backend-farm.js';
import { freeTcpPort, listeningInodes } from '../support/haproxy-process.js';
import { startHttpBackends } from '../support/http-backends.js';
import { count, startOnFile, tags } from '../support/reload-file.js';
import { tcpConfig } from '../support/tcp-config.js';
import { makeTlsCerts } from '../support/tls-certs.js';
import { sClient } from '../support/tls-client.js';
import { pollUntil, within } from '../support/wait.js';

/** The bind lines beyond tcpConfig's own (which binds `front`). */
const binds = (ports: readonly number[], opts = ''): string => ports.map((p) => `    bind 127.0.0.1:${p}${opts}`).join('\n');

test('a bind added by a reload answers on its port; removed, it refuses new connections while its session goes on', async (t) => {
  const extra = await freeTcpPort();
  const r = await startOnFile(t, ['s1'], (front, farm) => tcpConfig(front, [farm.port('s1')]));
  const cfg = (ports: readonly number[]): string => tcpConfig(r.front, [r.farm.port('s1')], { frontend: binds(ports) });
  const frontInodes = listeningInodes(r.front);
  assert.equal(await probeConnect(extra), 'refused');

  assert.match(await r.reload(cfg([extra])), /reload done: .*binds: 1 opened, 0 closed/);
  assert.deepEqual(count(await tags(extra, 3)), { s1: 3 }, 'the new bind serves the frontend');
  assert.deepEqual(listeningInodes(r.front), frontInodes, 'the unchanged bind keeps its socket');
  const held = await connectTagged(extra);
  t.after(() => held.destroy());
  assert.equal((await held.exchange('before')).toString(), 'before');

  assert.match(await r.reload(cfg([])), /reload done: .*binds: 0 opened, 1 closed/);
  assert.equal(await probeConnect(extra), 'refused', 'the removed bind accepts no new connection');
  assert.equal((await held.exchange('after')).toString(), 'after', 'a session accepted on the removed bind goes on');
  assert.deepEqual(count(await tags(r.front, 2)), { s1: 2 });
  assert.deepEqual(listeningInodes(r.front), frontInodes);

  // Put back, it is a new socket on the same port.
  assert.match(await r.reload(cfg([extra])), /reload done: .*binds: 1 opened, 0 closed/);
  assert.deepEqual(count(await tags(extra, 2)), { s1: 2 });
});

test('a bind that cannot be opened or whose socket settings change refuses the reload whole', async (t) => {
  const r = await startOnFile(t, ['s1', 's2'], (front, farm) => tcpConfig(front, [farm.port('s1')]));
  const both = [r.farm.port('s1'), r.farm.port('s2')];
  // A port another process holds without SO_REUSEPORT: the bind fails, and s2 (same file) is not added either.
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  t.after(() => squatter.close());
  const taken = (squatter.address() as net.AddressInfo).port;
  assert.match(await r.reload(tcpConfig(r.front, both, { frontend: binds([taken]) })), /reload refused: a new bind cannot be opened/);
  assert.match(r.lb.stderr(), /cannot bind socket \(Address already in use\) for \[127\.0\.0\.1:\d+\]/);
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 4 }, 'nothing of the refused file applied');
  // The same socket with accept-proxy: its settings, not a new socket.
  const front = `bind 127.0.0.1:${r.front}`;
  assert.match(await r.reload(tcpConfig(r.front, both).replace(front, `${front} accept-proxy`)), /reload refused: these changes need a restart/);
  assert.match(r.lb.stderr(), /frontend 'fe': 'bind .*': 'acceptProxy' changed/);
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 4 });
});

test('bind lines changed while the listeners are paused (SIGTTOU) are refused; after SIGTTIN they apply', async (t) => {
  const extra = await freeTcpPort();
  const r = await startOnFile(t, ['s1'], (front, farm) => tcpConfig(front, [farm.port('s1')]));
  const more = tcpConfig(r.front, [r.farm.port('s1')], { frontend: binds([extra]) });
  r.lb.signal('SIGTTOU');
  await r.lb.waitForStderr(/Paused frontend fe\./, 5000);
  assert.match(await r.reload(more), /reload refused: these changes need a restart/);
  assert.match(r.lb.stderr(), /frontend 'fe': bind lines changed while the listeners are paused \(SIGTTOU\)/);
  assert.equal(await probeConnect(extra), 'refused');
  r.lb.signal('SIGTTIN');
  await r.lb.waitForStderr(/Resumed frontend fe\./, 5000);
  assert.match(await r.reload(more), /reload done: .*binds: 1 opened/);
  assert.deepEqual(count(await tags(extra, 2)), { s1: 2 });
});

test('binds are refused in place when every forwarder accepts for itself (--accept reuseport)', async (t) => {
  const extra = await freeTcpPort();
  const r = await startOnFile(t, ['s1'], (front, farm) => tcpConfig(front, [farm.port('s1')]), { accept: 'reuseport' });
  assert.match(await r.reload(tcpConfig(r.front, [r.farm.port('s1')], { frontend: binds([extra]) })), /reload refused: a new bind cannot be opened/);
  assert.match(r.lb.stderr(), /--accept reuseport/);
  assert.equal(await probeConnect(extra), 'refused');
});

test('wrk keep-alive traffic on an unchanged bind sees no error while reloads add and remove another bind', { timeout: 60_000 }, async (t) => {
  assert.ok(wrkAvailable(), 'wrk is installed (/usr/bin/wrk)');
  const web = await startHttpBackends(['h1', 'h2']);
  t.after(() => web.close());
  const extra = await freeTcpPort();
  const http = (front: number, withExtra: boolean): string =>
    tcpConfig(front, web.ports(), { defaults: '    mode http\n    option http-keep-alive', frontend: withExtra ? binds([extra]) : '' }).replace('mode tcp', 'mode http');
  const r = await startOnFile(t, ['s1'], (front) => http(front, false));
  const inodes = listeningInodes(r.front);
  const group = new ProcessGroup();
  t.after(() => group.stopAll());
  const run = runWrk(group, { port: r.front, conns: 10, durationS: 4, threads: 1, close: false, cpus: undefined, timeoutS: 5 });
  run.catch(() => undefined);
  for (let i = 1; i <= 6; i++) {
    assert.match(await r.reload(http(r.front, i % 2 === 1)), /reload done/);
    assert.equal(await probeConnect(extra), i % 2 === 1 ? 'accepted' : 'refused');
  }
  const report = await run;
  t.diagnostic(`wrk across 6 bind reloads: ${report.requests} requests, socket errors ${JSON.stringify(report.socket)}, non-2xx ${report.non2xx}`);
  assert.ok(report.requests > 100, 'wrk ran');
  assert.equal(report.errors, 0);
  assert.deepEqual(listeningInodes(r.front), inodes, 'the unchanged bind was never closed and opened again');
});

test('certificates re-read by a reload serve the next handshakes; a secured session goes on; an ssl bind can be added', async (t) => {
  const certs = await makeTlsCerts(t);
  const crt = join(certs.dir, 'served.pem');
  copyFileSync(certs.rsa, crt);
  const [tlsPort, added] = [await freeTcpPort(), await freeTcpPort()];
  const ssl = (ports: readonly number[]): string => binds(ports, ` ssl crt ${crt}`);
  const r = await startOnFile(t, ['s1'], (front, farm) => tcpConfig(front, [farm.port('s1')], { frontend: ssl([tlsPort]) }));
  const cfg = (ports: readonly number[]): string => tcpConfig(r.front, [r.farm.port('s1')], { frontend: ssl(ports) });
  assert.equal((await sClient(tlsPort, [])).subjectCn, 'a.example');
  const held = tls.connect({ port: tlsPort, host: '127.0.0.1', rejectUnauthorized: false });
  t.after(() => held.destroy());
  const lines: string[] = [];
  held.on('data', (d: Buffer) => lines.push(d.toString()));
  await pollUntil(() => lines.join('') === 's1\n', 5000, 'the TLS session reads its tag');
  const inodes = listeningInodes(tlsPort);

  copyFileSync(certs.ecdsa, crt);
  assert.match(await r.reload(cfg([tlsPort])), /reload done: .*binds: 0 opened, 0 closed, 1 with new TLS contexts/);
  assert.equal((await sClient(tlsPort, [])).subjectCn, 'b.example', 'the next handshake presents the new certificate');
  assert.deepEqual(listeningInodes(tlsPort), inodes, 'the bind keeps its socket');
  held.write('still here');
  await pollUntil(() => lines.join('') === 's1\nstill here', 5000, 'the session secured before the reload echoes');

  assert.match(await r.reload(cfg([tlsPort, added])), /reload done: .*binds: 1 opened, 0 closed/);
  assert.equal((await sClient(added, [])).subjectCn, 'b.example');
});

test('an ssl bind added to a process started without any: its handshakes run', async (t) => {
  const certs = await makeTlsCerts(t);
  const added = await freeTcpPort();
  const r = await startOnFile(t, ['s1'], (front, farm) => tcpConfig(front, [farm.port('s1')]));
  assert.match(await r.reload(tcpConfig(r.front, [r.farm.port('s1')], { frontend: binds([added], ` ssl crt ${certs.rsa}`) })), /reload done: .*binds: 1 opened/);
  assert.equal((await sClient(added, [])).subjectCn, 'a.example');
  const s = tls.connect({ port: added, host: '127.0.0.1', rejectUnauthorized: false });
  t.after(() => s.destroy());
  const tag = await new Promise<string>((resolve, reject) => {
    s.once('data', (d: Buffer) => resolve(d.toString()));
    s.once('error', reject);
  });
  assert.equal(tag, 's1\n', 'the TLS session reaches the server');
  assert.deepEqual(count(await tags(r.front, 2)), { s1: 2 });
});

test('an acceptor restarted after bind reloads accepts on the binds of now: the added one, not the removed one', async (t) => {
  const [added, removed] = [await freeTcpPort(), await freeTcpPort()];
  const r = await startOnFile(t, ['s1'], (front, farm) => tcpConfig(front, [farm.port('s1')], { frontend: binds([removed]) }), {
    env: { ORCALB_TEST_HOOKS: '1' },
  });
  assert.match(await r.reload(tcpConfig(r.front, [r.farm.port('s1')], { frontend: binds([added]) })), /reload done: .*binds: 1 opened, 1 closed/);
  r.lb.send('crash-acceptor');
  await r.lb.waitForStderr(/acceptor restarted/, 5000);
  assert.deepEqual(count(await tags(added, 2)), { s1: 2 });
  assert.deepEqual(count(await tags(r.front, 2)), { s1: 2 });
  assert.equal(await probeConnect(removed), 'refused');
});

test("a frontend's new timeout client bounds the next TLS handshakes of its ssl bind", async (t) => {
  const certs = await makeTlsCerts(t);
  const tlsPort = await freeTcpPort();
  const cfg = (front: number, server: number, client: string): string =>
    tcpConfig(front, [server], { frontend: `${binds([tlsPort], ` ssl crt ${certs.rsa}`)}\n    timeout client ${client}` });
  const r = await startOnFile(t, ['s1'], (front, farm) => cfg(front, farm.port('s1'), '1m'));
  assert.match(await r.reload(cfg(r.front, r.farm.port('s1'), '300ms')), /reload done: .*new timeouts for 1 proxy section/);
  // A client that opens the connection and never says hello: closed once the handshake's new bound has passed.
  const silent = net.connect(tlsPort, '127.0.0.1');
  t.after(() => silent.destroy());
  silent.on('error', () => undefined);
  await within(new Promise<void>((resolve) => silent.once('close', () => resolve())), 10_000, 'the silent TLS client closed (1m before the reload)');
  assert.equal((await sClient(tlsPort, [])).subjectCn, 'a.example');
});

test('a UNIX socket bind added by a reload answers on its path; removed, its path refuses', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-binds-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'fe.sock');
  const r = await startOnFile(t, ['s1'], (front, farm) => tcpConfig(front, [farm.port('s1')]));
  const cfg = (unix: boolean): string => tcpConfig(r.front, [r.farm.port('s1')], { frontend: unix ? `    bind ${path}` : '' });
  const tagOn = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const s = net.connect(path);
      s.once('data', (d: Buffer) => {
        s.destroy();
        resolve(d.toString());
      });
      s.once('error', (e: NodeJS.ErrnoException) => (e.code === undefined ? reject(e) : resolve(e.code)));
    });
  assert.match(await r.reload(cfg(true)), /reload done: .*binds: 1 opened, 0 closed/);
  assert.equal(await tagOn(), 's1\n');
  assert.match(await r.reload(cfg(false)), /reload done: .*binds: 0 opened, 1 closed/);
  assert.equal(await tagOn(), 'ECONNREFUSED', 'the socket file stays, as haproxy leaves it, but nothing listens on it');
  assert.deepEqual(count(await tags(r.front, 2)), { s1: 2 });
});
