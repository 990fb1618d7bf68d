// Issue 15: what a reload does with the file it reads (workers/reload.ts). A broken file: the running configuration
// keeps serving, the log carries the [ALERT] lines `orcalb -c` prints for the same file, and -Ws frames it with
// RELOADING=1 / READY=1. A change that needs a restart is refused whole, named. Re-weighting and re-addressing apply
// in place; a removed server drains (its live session carries on, new ones go elsewhere) and its slot is freed once
// it is empty. SIGHUP reloads under -W and dumps the server states without it. TCP mode against tagged echo servers,
// orcalb CLI as a child process. Test-runner thread.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { test } from 'node:test';
import { connectTagged, type BackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { statsCommand } from '../support/haproxy-stats.js';
import { threadNames } from '../support/process-fds.js';
import { runOrcalbCli } from '../support/orcalb-process.js';
import { count, startOnFile, tags } from '../support/reload-file.js';
import { makeTlsCerts } from '../support/tls-certs.js';
import { tcpConfig } from '../support/tcp-config.js';
import { startUnixDgramSink } from '../support/unix-dgram-sink.js';
import { delay, pollUntil, within } from '../support/wait.js';

test('a broken file on reload: the old configuration keeps serving, the log has the [ALERT] lines of -c, -Ws frames it', async (t) => {
  const sink = await startUnixDgramSink();
  t.after(() => sink.close());
  const one = (front: number, farm: BackendFarm): string => tcpConfig(front, [farm.port('s1')]);
  const r = await startOnFile(t, ['s1', 's2'], one, { args: ['-Ws'], env: { NOTIFY_SOCKET: sink.path } });
  await sink.waitFor((s) => s.includes('READY=1'), 5000, 'READY=1 at start');
  const broken = tcpConfig(r.front, [r.farm.port('s1'), r.farm.port('s2')], { serverOptions: 'wieght 2' });
  assert.match(await r.reload(broken), /reload refused: the configuration has errors/);
  const check = await runOrcalbCli(['-c', '-f', r.base, '-f', r.file]);
  assert.equal(check.code, 1);
  const alerts = check.stderr.split('\n').filter((l) => l.includes("'wieght'"));
  assert.ok(alerts.length > 0, check.stderr);
  // The same text after the level and PID: what -c says is what the reload logged.
  for (const a of alerts) assert.ok(r.lb.stderr().includes(a.replace(/^\[ALERT\]\s+\(\d+\) : /, '')), `reload log lacks: ${a}\n${r.lb.stderr()}`);
  const ready = `READY=1\nMAINPID=${r.lb.pid}\n`;
  await sink.waitFor((s) => s.length > ready.length, 5000, 'RELOADING=1 then READY=1');
  await sink.waitFor((s) => new RegExp(`^${ready}RELOADING=1\nMONOTONIC_USEC=\\d+\n${ready}$`).test(s), 5000, 'RELOADING=1 then READY=1');
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 4 }, 'the running configuration serves on');
  // Fixed, it applies: s2 takes its turn.
  assert.match(await r.reload(tcpConfig(r.front, [r.farm.port('s1'), r.farm.port('s2')])), /reload done: 1 server\(s\) added/);
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 2, s2: 2 });
});

test('a change that needs a restart is refused whole, named; nothing of the file is half-applied', async (t) => {
  const cfg = (front: number, ports: readonly number[], backend = ''): string => tcpConfig(front, ports, { backend });
  const r = await startOnFile(t, ['s1', 's2'], (front, farm) => cfg(front, [farm.port('s1')]));
  const both = [r.farm.port('s1'), r.farm.port('s2')];
  assert.match(await r.reload(cfg(r.front, both, '    option redispatch')), /reload refused: these changes need a restart/);
  assert.match(r.lb.stderr(), /reload: backend 'be': 'options\.redispatch' changed/);
  // s2 was in the same file: not added.
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 4 });
  // Nine servers more than the spare slots (8) hold.
  const many = Array.from({ length: 10 }, () => r.farm.port('s2'));
  assert.match(await r.reload(cfg(r.front, many)), /reload refused/);
  assert.match(r.lb.stderr(), /backend 'be': 9 server\(s\) added, 8 free server slot\(s\)/);
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 4 });
});

test('re-weighted and re-addressed in place: the next connections follow the new weights and the new address', async (t) => {
  const cfg = (front: number, farm: BackendFarm, w2: number, s2: string): string =>
    `${tcpConfig(front, [])}    server s1 127.0.0.1:${farm.port('s1')}\n    server s2 127.0.0.1:${farm.port(s2)} weight ${w2}\n`;
  const r = await startOnFile(t, ['s1', 's2', 's3'], (front, farm) => cfg(front, farm, 1, 's2'));
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 2, s2: 2 });
  assert.match(await r.reload(cfg(r.front, r.farm, 3, 's2')), /reload done: 0 server\(s\) added, 0 removed \(draining: 0\), 1 changed/);
  assert.deepEqual(count(await tags(r.front, 8)), { s1: 2, s2: 6 });
  assert.match(await r.reload(cfg(r.front, r.farm, 3, 's3')), /reload done/);
  assert.deepEqual(count(await tags(r.front, 8)), { s1: 2, s3: 6 }, "server s2's connections go to its new address");
});

test("a removed server drains: its live session carries on, new connections go elsewhere, its slot is freed once it closes", async (t) => {
  const sock = join(mkdtempSync(join(tmpdir(), 'orcalb-reload-cli-')), 'admin.sock');
  t.after(() => rmSync(dirname(sock), { recursive: true, force: true }));
  const withCli = (front: number, ports: readonly number[]): string => tcpConfig(front, ports, { global: `    stats socket ${sock} level admin` });
  const r = await startOnFile(t, ['s1', 's2'], (front, farm) => withCli(front, [farm.port('s1'), farm.port('s2')]));
  const states = async (): Promise<string[]> =>
    (await statsCommand(sock, 'show servers state be')).split('\n').filter((l) => /^\d+ be /.test(l)).map((l) => `${l.split(' ')[3]} ${l.split(' ')[5]}`);
  assert.deepEqual(await states(), ['s1 2', 's2 2'], 'both running (srv_op_state 2)');
  const first = await connectTagged(r.front);
  const second = await connectTagged(r.front);
  t.after(() => { first.destroy(); second.destroy(); });
  const onS2 = first.tag === 's2' ? first : second;
  assert.equal(onS2.tag, 's2');
  assert.match(await r.reload(withCli(r.front, [r.farm.port('s1')])), /reload done: 0 server\(s\) added, 1 removed \(draining: 1\)/);
  assert.deepEqual(await states(), ['s1 2', 's2 0'], 'the runtime API shows the drained server stopped (maintenance)');
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 4 });
  assert.equal((await onS2.exchange('still here')).toString(), 'still here');
  // Time is what this gives: the drain's grace (1 s) passes with the session still open.
  await delay(1500);
  assert.doesNotMatch(r.lb.stderr(), /s2 drained/, 'not freed while its session lives');
  await onS2.end();
  await r.lb.waitForStderr(/reload: server be\/s2 drained; its slot is free/, 5000);
  assert.deepEqual(await states(), ['s1 2'], 'gone from the runtime API once freed');
});

test('SIGHUP reloads under -W (a haproxy master reloads on it) and dumps the server states without it', async (t) => {
  const one = (front: number, farm: BackendFarm): string => tcpConfig(front, [farm.port('s1')]);
  const plain = await startOnFile(t, ['s1', 's2'], one);
  plain.lb.signal('SIGHUP');
  await plain.lb.waitForStderr(/SIGHUP received, dumping servers states/, 5000);
  assert.doesNotMatch(plain.lb.stderr(), /reloading/);
  const mw = await startOnFile(t, ['s1', 's2'], one, { args: ['-W'] });
  assert.match(await mw.reload(tcpConfig(mw.front, [mw.farm.port('s1'), mw.farm.port('s2')]), 'SIGHUP'), /reload done: 1 server\(s\) added/);
  assert.doesNotMatch(mw.lb.stderr(), /dumping servers states/);
  assert.deepEqual(count(await tags(mw.front, 4)), { s1: 2, s2: 2 });
  // Global `master-worker` is -W written in the file.
  const inFile = (front: number, ports: readonly number[]): string => tcpConfig(front, ports, { global: '    master-worker' });
  const gw = await startOnFile(t, ['s1', 's2'], (front, farm) => inFile(front, [farm.port('s1')]));
  assert.match(await gw.reload(inFile(gw.front, [gw.farm.port('s1'), gw.farm.port('s2')]), 'SIGHUP'), /reload done: 1 server\(s\) added/);
});

test('hostile reloads: a burst of 20 signals is coalesced, a vanished file is an error, a reload during a soft stop is ignored', async (t) => {
  const both = (front: number, farm: BackendFarm): string => tcpConfig(front, [farm.port('s1'), farm.port('s2')]);
  const r = await startOnFile(t, ['s1', 's2'], both);
  const live = await connectTagged(r.front);
  t.after(() => live.destroy());
  const overs = (): number => r.lb.stderr().match(/reload (done|refused|applied)/g)?.length ?? 0;
  for (let i = 0; i < 20; i++) r.lb.signal('SIGUSR2');
  const starts = (): number => r.lb.stderr().match(/received: reloading/g)?.length ?? 0;
  await pollUntil(() => overs() >= 1 && overs() === starts(), 10_000, 'the burst over', 20);
  // One reload runs and at most one more queued behind it: never one per signal.
  assert.ok(overs() <= 3, `${overs()} reloads for 20 signals`);
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 2, s2: 2 });
  rmSync(r.file);
  const before = overs();
  r.lb.signal('SIGUSR2');
  await pollUntil(() => overs() > before, 10_000, 'the reload of a vanished file', 20);
  assert.match(r.lb.stderr(), /\[ALERT\][^\n]*haproxy\.cfg[^\n]*\n[^\n]*reload refused: the configuration has errors/);
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 2, s2: 2 });
  assert.equal((await live.exchange('alive')).toString(), 'alive');
  // A soft stop waits for `live`: a reload meanwhile changes nothing.
  r.lb.signal('SIGUSR1');
  await r.lb.waitForStderr(/SIGUSR1 received: soft stop/, 5000);
  r.lb.signal('SIGUSR2');
  await r.lb.waitForStderr(/SIGUSR2 received: stopping, no reload/, 5000);
  await live.end();
  assert.equal(await r.lb.exited, 0);
});

test('servers a reload adds with `check` are checked from then on, the health thread started for them if it was not', async (t) => {
  const r = await startOnFile(t, ['s1', 's2'], (front, farm) => tcpConfig(front, [farm.port('s1')]));
  const threads = (): string[] => threadNames(r.lb.pid);
  assert.ok(!threads().includes('health-checker'), 'no check, no health thread at start');
  const closed = await freeTcpPort();
  const text = `${tcpConfig(r.front, [r.farm.port('s1')])}    server s2 127.0.0.1:${r.farm.port('s2')} check inter 200ms\n` +
    `    server dead 127.0.0.1:${closed} check inter 200ms\n`;
  assert.match(await r.reload(text), /reload done: 2 server\(s\) added/);
  // Started UP as at start, the dead one is taken down by its first failed check.
  await r.lb.waitForStderr(/Server be\/dead is DOWN/, 5000);
  assert.deepEqual(count(await tags(r.front, 6)), { s1: 3, s2: 3 });
  assert.doesNotMatch(r.lb.stderr(), /Server be\/s2 is DOWN/);
  assert.ok(threads().includes('health-checker'), threads().join(' '));
});

test('`backup` and `disabled` added or taken away by a reload apply to the next connections', async (t) => {
  const cfg = (front: number, farm: BackendFarm, o1: string, o2: string): string =>
    `${tcpConfig(front, [])}    server s1 127.0.0.1:${farm.port('s1')} ${o1}\n    server s2 127.0.0.1:${farm.port('s2')} ${o2}\n`;
  const r = await startOnFile(t, ['s1', 's2'], (front, farm) => cfg(front, farm, '', ''));
  assert.match(await r.reload(cfg(r.front, r.farm, '', 'backup')), /reload done: 0 server\(s\) added, 0 removed \(draining: 0\), 1 changed/);
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 4 });
  assert.match(await r.reload(cfg(r.front, r.farm, 'disabled', 'backup')), /reload done/);
  assert.deepEqual(count(await tags(r.front, 4)), { s2: 4 }, 'the backup serves once the only active server is disabled');
  assert.match(await r.reload(cfg(r.front, r.farm, '', '')), /reload done: 0 server\(s\) added, 0 removed \(draining: 0\), 2 changed/);
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 2, s2: 2 });
});

test('new `timeout` lines apply in place: an idle connection opened after the reload is cut at the new limit', async (t) => {
  const cfg = (front: number, farm: BackendFarm, defaults = ''): string => tcpConfig(front, [farm.port('s1')], { defaults });
  const r = await startOnFile(t, ['s1'], (front, farm) => cfg(front, farm));
  const before = await connectTagged(r.front);
  t.after(() => before.destroy());
  // Time is what this gives: longer than the new limit, far below the old one (1 min).
  await delay(700);
  assert.equal((await before.exchange('idle for 700 ms')).toString(), 'idle for 700 ms');
  before.destroy();
  const line = await r.reload(cfg(r.front, r.farm, '    timeout client 300ms\n    timeout server 300ms'));
  assert.match(line, /reload done: .*; new timeouts for 2 proxy section\(s\)/);
  const after = await connectTagged(r.front);
  t.after(() => after.destroy());
  await within(after.closed, 3000, 'the idle connection cut at the new 300 ms limit');
});

test('a server with ssl added by a reload is dialled over TLS; one with a TLS setting OpenSSL refuses is a config error', async (t) => {
  // A TLS echo server (the bundle PEM holds its certificate and key); it counts its handshakes.
  const pem = readFileSync((await makeTlsCerts(t)).rsa);
  let handshakes = 0;
  const backend = tls.createServer({ cert: pem, key: pem }, (s) => {
    handshakes++;
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => backend.close());
  const backendPort = (backend.address() as net.AddressInfo).port;
  const r = await startOnFile(t, ['s1'], (front, farm) => tcpConfig(front, [farm.port('s1')]));
  const withTls = (words: string): string => `${tcpConfig(r.front, [])}    server s2 127.0.0.1:${backendPort} ssl ${words}\n`;
  // A ciphers list OpenSSL refuses: an error of the file, as `-c` says; nothing applied.
  assert.match(await r.reload(withTls('verify none ciphers NO-SUCH-CIPHER')), /reload refused: the configuration has errors/);
  assert.match(r.lb.stderr(), /'server be\/s2' : unable to set SSL cipher list/);
  assert.deepEqual(count(await tags(r.front, 2)), { s1: 2 }, 'nothing of the refused file applied');
  // s1 out (drained), s2 in, over TLS: the echo comes back through the backend's handshake.
  assert.match(await r.reload(withTls('verify none')), /reload done: 1 server\(s\) added, 1 removed/);
  const c = net.connect(r.front, '127.0.0.1');
  t.after(() => c.destroy());
  const got = await within(new Promise<string>((resolve, reject) => {
    c.once('error', reject);
    c.once('data', (d: Buffer) => resolve(d.toString()));
    c.write('over tls');
  }), 5000, 'the echo through the TLS server');
  assert.equal(got, 'over tls');
  assert.ok(handshakes >= 1, 'the server saw a TLS handshake');
});

test('a frontend maxconn written by a reload limits the next connections; one above the start\'s global maxconn is refused', async (t) => {
  const cfg = (front: number, farm: BackendFarm, frontend = ''): string => tcpConfig(front, [farm.port('s1')], { frontend });
  const r = await startOnFile(t, ['s1'], (front, farm) => cfg(front, farm));
  // tcpConfig's global maxconn is 200: the ceiling.
  assert.match(await r.reload(cfg(r.front, r.farm, '    maxconn 300')), /reload refused/);
  assert.match(r.lb.stderr(), /maxconn 300 is above the 200 the process was started with/);
  assert.match(await r.reload(cfg(r.front, r.farm, '    maxconn 1')), /reload done: .*; new maxconn limits/);
  const first = await connectTagged(r.front);
  t.after(() => first.destroy());
  // The second waits in the kernel's queue while the first holds the frontend's only place.
  await assert.rejects(connectTagged(r.front, 700), /no tag/);
  const third = connectTagged(r.front, 5000);
  await first.end();
  const served = await third;
  t.after(() => served.destroy());
  assert.equal(served.tag, 's1');
});

test("a server's health carries over a reload that changes it: a DOWN server re-weighted stays DOWN, no client sent to it", async (t) => {
  const closed = await freeTcpPort();
  const cfg = (front: number, farm: BackendFarm, w: number): string =>
    `${tcpConfig(front, [farm.port('s1')])}    server dead 127.0.0.1:${closed} check inter 200ms weight ${w}\n`;
  const r = await startOnFile(t, ['s1'], (front, farm) => cfg(front, farm, 1));
  await r.lb.waitForStderr(/Server be\/dead is DOWN/, 5000);
  assert.match(await r.reload(cfg(r.front, r.farm, 5)), /reload done: 0 server\(s\) added, 0 removed \(draining: 0\), 1 changed/);
  assert.deepEqual(count(await tags(r.front, 6)), { s1: 6 });
  assert.equal(r.lb.stderr().match(/Server be\/dead is (DOWN|UP)/g)?.join(), 'Server be/dead is DOWN', 'no new transition');
});

test('a draining server the runtime API puts back in service is no longer drained: never freed under the balancer', async (t) => {
  const sock = join(mkdtempSync(join(tmpdir(), 'orcalb-reload-cli-')), 'admin.sock');
  t.after(() => rmSync(dirname(sock), { recursive: true, force: true }));
  const withCli = (front: number, ports: readonly number[]): string => tcpConfig(front, ports, { global: `    stats socket ${sock} level admin` });
  const r = await startOnFile(t, ['s1', 's2'], (front, farm) => withCli(front, [farm.port('s1'), farm.port('s2')]));
  const first = await connectTagged(r.front);
  const second = await connectTagged(r.front);
  t.after(() => { first.destroy(); second.destroy(); });
  assert.match(await r.reload(withCli(r.front, [r.farm.port('s1')])), /1 removed \(draining: 1\)/);
  await statsCommand(sock, 'set server be/s2 state ready');
  await r.lb.waitForStderr(/reload: server be\/s2 put back in service by the runtime API: no longer drained/, 5000);
  first.destroy();
  second.destroy();
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 2, s2: 2 });
  assert.doesNotMatch(r.lb.stderr(), /s2 drained/);
});
