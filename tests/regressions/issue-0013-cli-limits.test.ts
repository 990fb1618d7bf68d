// Issue 13, the runtime API's limits and bad input, side by side with haproxy 2.6.12 where it has a behaviour: a
// client that sends nothing is cut after `stats timeout`; a line that does not fit tune.bufsize (1 MB without a
// newline, or 16384 bytes with it) drops the connection without an answer, one byte less is answered; `stats
// maxconn` clients are served at once and the others wait their turn (then are served); a socket path that is a
// file refuses the start with file:line; bad `stats` lines are config errors. Then the hostile pass: 100 CLI
// clients at once while wrk runs through a forwarder (wrk sees no error, every client its whole answer), a line
// flooded with commands, binary garbage, half-closed and idle clients past maxconn. Test-runner thread.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runWrk, wrkAvailable } from '../../native-bench/load/wrk-run.js';
import { ProcessGroup } from '../../native-bench/process-group.js';
import { cliCommand, cliExchange, openCliSession } from '../support/cli-client.js';
import { freeTcpPort, startHaproxy, type HaproxyProcess } from '../support/haproxy-process.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { runOrcalbCli, startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { pollUntil } from '../support/wait.js';

let farm: HttpBackends;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orcalb-cli-limits-'));
  farm = await startHttpBackends(['ok']);
});

after(async () => {
  await farm?.close();
  rmSync(dir, { recursive: true, force: true });
});

function configText(sock: string, fePort: number, extra: readonly string[] = []): string {
  return [
    'global', `  stats socket ${sock} level admin`, ...extra,
    'defaults', '  mode http', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s',
    'frontend fe', `  bind 127.0.0.1:${fePort}`, '  default_backend be',
    'backend be', `  server s1 127.0.0.1:${farm.ports()[0] ?? 0}`,
  ].join('\n') + '\n';
}

/** What the server did with one raw input: the bytes it answered and whether it closed (reset or FIN). */
function rawExchange(path: string, input: Buffer, timeoutMs = 10_000): Promise<{ answer: string; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = connect(path);
    let answer = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ answer, closed: false });
    }, timeoutMs);
    sock.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    // EPIPE/ECONNRESET: the server dropped the connection while we were still writing.
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ answer, closed: true });
    });
    sock.write(input);
  });
}

/** A client that connects and sends nothing: resolves with what it got when the server closed. */
function silentClient(path: string, timeoutMs = 15_000): Promise<{ answer: string; closed: boolean }> {
  return rawExchange(path, Buffer.alloc(0), timeoutMs);
}

test('orcalb: a line of exactly tune.bufsize bytes with its LF drops the connection (haproxy 2.6.12 answers it or not by how it arrives)', async (t) => {
  const sock = join(dir, 'b.sock');
  const lb = await startOrcalb(configText(sock, await freeTcpPort(), ['  stats timeout 30s']), { threads: 1 });
  t.after(() => lb.stop());
  const line = Buffer.from(`get weight ${'x'.repeat(16384 - 'get weight '.length - 1)}\n`);
  assert.deepEqual(await rawExchange(sock, line), { answer: '', closed: true });
});

test('side by side: a client that sends nothing is cut after stats timeout (1s), without a word', async (t) => {
  const [hs, os] = [join(dir, 'ht.sock'), join(dir, 'ot.sock')];
  const [hp, op] = [await freeTcpPort(), await freeTcpPort()];
  const h = await startHaproxy(configText(hs, hp, ['  stats timeout 1s']), { readyPort: hp });
  t.after(() => h.stop());
  const o = await startOrcalb(configText(os, op, ['  stats timeout 1s']), { threads: 1 });
  t.after(() => o.stop());
  assert.deepEqual(await silentClient(hs), { answer: '', closed: true });
  assert.deepEqual(await silentClient(os), { answer: '', closed: true });
});

// orcalb's idle cut is 30 s here: a connection these tests see closed within their 10 s was closed by the line limit.
describe('side by side with haproxy 2.6.12 (orcalb: stats timeout 30s)', () => {
  let haproxy: HaproxyProcess;
  let orcalb: OrcalbProcess;
  const socks: Record<string, string> = {};

  before(async () => {
    socks['haproxy'] = join(dir, 'h.sock');
    socks['orcalb'] = join(dir, 'o.sock');
    const [hp, op] = [await freeTcpPort(), await freeTcpPort()];
    // haproxy 2.6.12 drops an oversized line at once or only at its idle cut, depending on how the bytes arrive
    // (both seen): its cut is short so that either lands within the tests' bound. orcalb's is 30 s.
    haproxy = await startHaproxy(configText(socks['haproxy'], hp, ['  stats timeout 2s']), { readyPort: hp });
    orcalb = await startOrcalb(configText(socks['orcalb'], op, ['  stats timeout 30s']), { threads: 1 });
  });
  after(async () => {
    await Promise.all([haproxy?.stop(), orcalb?.stop()]);
  });

  for (const name of ['haproxy', 'orcalb']) {
    test(`${name}: 1 MB without a newline drops the connection without an answer`, async () => {
      const r = await rawExchange(socks[name] ?? '', Buffer.alloc(1 << 20, 'a'));
      // haproxy never answers it; whether it closes within the bound depends on how the bytes arrive (CI once saw it
      // still open after 10 s under load), so only orcalb's close is asserted.
      if (name === 'haproxy') assert.equal(r.answer, '');
      else assert.deepEqual(r, { answer: '', closed: true });
    });

    test(`${name}: a line of 16383 bytes with its LF is answered, 17000 drops the connection`, async () => {
      const line = (n: number): Buffer => Buffer.from(`get weight ${'x'.repeat(n - 'get weight '.length - 1)}\n`);
      assert.equal(line(16383).length, 16383);
      assert.deepEqual(await rawExchange(socks[name] ?? '', line(16383)), { answer: "Require 'backend/server'.\n\n", closed: true });
      // As for 1 MB above: haproxy's close of an oversized line comes at once or only at its idle cut, depending on
      // how the bytes arrive (CI saw it still open after 10 s); only orcalb's close is asserted.
      const over = await rawExchange(socks[name] ?? '', line(17000));
      if (name === 'haproxy') assert.equal(over.answer, '');
      else assert.deepEqual(over, { answer: '', closed: true });
    });

    test(`${name}: binary garbage on a line is an unknown command; the next client is served`, async () => {
      const garbage = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 37 + 11) % 256).filter((b) => b !== 10));
      const r = await rawExchange(socks[name] ?? '', Buffer.concat([garbage, Buffer.from('\n')]));
      assert.ok(r.closed);
      assert.match(r.answer, /^Unknown command/);
      assert.equal(await cliCommand(socks[name] ?? '', 'get weight be/s1'), '1 (initial 1)\n\n');
    });
  }
});

test('stats maxconn 2: two clients are served at once, a third waits its turn and is then served', async (t) => {
  const sock = join(dir, 'm.sock');
  const lb = await startOrcalb(configText(sock, await freeTcpPort(), ['  stats maxconn 2', '  stats timeout 30s']), { threads: 1 });
  t.after(() => lb.stop());
  const a = await openCliSession(sock);
  const b = await openCliSession(sock);
  // The third client: connected and its line sent; `answered` turns true with the first byte of an answer.
  const third = connect(sock);
  let answered = '';
  third.on('data', (d: Buffer) => (answered += d.toString('latin1')));
  const thirdClosed = new Promise<void>((resolve) => third.once('close', () => resolve()));
  await new Promise<void>((resolve) => third.once('connect', () => resolve()));
  third.end('show backend\n');
  // Two round trips on b after that: the stats thread has seen the third connection and its line by now.
  assert.equal(await b.ask('show backend'), '# name\nbe\n\n');
  assert.equal(await b.ask('get weight be/s1'), '1 (initial 1)\n\n');
  assert.equal(answered, '', 'the third client is not served while two are');
  a.close();
  await thirdClosed;
  assert.equal(answered, '# name\nbe\n\n');
  b.close();
});

test('a stats socket path that exists and is not a socket: [ALERT] with file:line, exit 1', async () => {
  const file = join(dir, 'not-a-socket');
  writeFileSync(file, 'keep me\n');
  const cfg = join(dir, 'bad.cfg');
  writeFileSync(cfg, configText(file, await freeTcpPort()));
  const r = await runOrcalbCli(['-f', cfg]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\[ALERT\].*Binding \[.*bad\.cfg:2\] for frontend GLOBAL: cannot bind UNIX socket \(File exists\)/);
});

test('without the fd-dup addon a UNIX stats socket refuses the start (it could not get its mode before it exists)', async () => {
  const cfg = join(dir, 'noaddon.cfg');
  writeFileSync(cfg, configText(join(dir, 'noaddon.sock'), await freeTcpPort()));
  const r = await runOrcalbCli(['-f', cfg], { ORCALB_FD_DUP_ADDON: '/nonexistent/fd_dup.node' });
  assert.equal(r.code, 1);
  assert.match(r.stdout + r.stderr, /Binding \[.*noaddon\.cfg:2\] for frontend GLOBAL: UNIX socket \[.*noaddon\.sock\] needs the fd-dup addon/);
});

test('bad stats lines are config errors with haproxy\'s words; TLS on a stats socket is refused (fail closed)', async () => {
  const cases: [string, RegExp][] = [
    ['  stats socket /tmp/x.sock level bogus', /''level' only supports 'user', 'operator', and 'admin' \(got 'bogus'\)'/],
    ['  stats timeout 0', /'stats timeout' expects a positive value/],
    ['  stats maxconn 0', /'stats maxconn' expects a positive value/],
    ['  stats socket /tmp/x.sock ssl crt /tmp/c.pem', /does not implement 'stats socket \.\.\. ssl'/],
    ['  stats socket /tmp/x.sock mode 9', /invalid mode '9'/],
  ];
  for (const [line, re] of cases) {
    const cfg = join(dir, 'c.cfg');
    writeFileSync(cfg, `global\n${line}\n`);
    const r = await runOrcalbCli(['-c', '-f', cfg]);
    assert.equal(r.code, 1, line);
    assert.match(r.stdout + r.stderr, re, line);
    assert.match(r.stdout + r.stderr, /c\.cfg:2/, line);
  }
  // expose-fd listeners (seamless reloads: issue 15) is accepted with a warning: it only lends the listening fds to
  // a new process, so running without it exposes and permits nothing more.
  const cfg = join(dir, 'w.cfg');
  writeFileSync(cfg, 'global\n  stats socket /tmp/x.sock expose-fd listeners level admin\n');
  const r = await runOrcalbCli(['-c', '-f', cfg]);
  assert.notEqual(r.code, 1, r.stderr);
  assert.match(r.stdout + r.stderr, /'stats socket \.\.\. expose-fd' is not implemented yet/);
});

test('a stats socket alone is a listener: -c says valid (exit 0), as haproxy 2.6.12', async () => {
  const cfg = join(dir, 'only.cfg');
  writeFileSync(cfg, `global\n  stats socket ${join(dir, 'only.sock')} level admin\nbackend b\n  server s 127.0.0.1:1\n`);
  const r = await runOrcalbCli(['-c', '-f', cfg]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /Configuration file is valid/);
});

describe('hostile pass', () => {
  let lb: OrcalbProcess;
  let sock: string;
  let fePort: number;

  before(async () => {
    sock = join(dir, 'hostile.sock');
    fePort = await freeTcpPort();
    lb = await startOrcalb(configText(sock, fePort, ['  stats timeout 2s']), { threads: 2 });
  });
  after(() => lb?.stop());

  test('100 CLI clients at once while wrk runs through a forwarder: wrk sees no error, every client its answer', async (t) => {
    assert.ok(wrkAvailable(), 'wrk is installed');
    const group = new ProcessGroup();
    t.after(() => group.stopAll());
    const load = runWrk(group, { port: fePort, conns: 10, durationS: 3, threads: 2, close: false, cpus: undefined, timeoutS: 10 });
    const answers = await Promise.all(
      Array.from({ length: 100 }, async () => {
        const out: string[] = [];
        for (let i = 0; i < 3; i++) out.push(await cliCommand(sock, 'show stat;show info;show servers state', 30_000));
        return out;
      }),
    );
    const report = await load;
    t.diagnostic(`wrk ${report.reqPerS} req/s, ${report.errors} errors, 300 CLI answers`);
    assert.equal(report.errors, 0);
    for (const a of answers.flat()) {
      assert.match(a, /^# pxname,/);
      assert.match(a, /\nName: orcalb\n/);
      assert.ok(a.includes('\n3 be 1 s1 127.0.0.1 ') && a.endsWith('\n\n'), 'every answer whole');
    }
  });

  test('a line flooded with commands is answered whole, bounded by the line limit', async () => {
    const line = Array.from({ length: 900 }, () => 'get weight be/s1').join(';');
    assert.ok(line.length < 16_383);
    const answer = await cliCommand(sock, line, 30_000);
    assert.equal(answer, '1 (initial 1)\n\n'.repeat(900));
  });

  test('a line of 16000 empty commands: 16001 help texts streamed as the client reads (haproxy 2.6.12 sends as many)', async () => {
    const answer = await cliExchange(sock, `${';'.repeat(16_000)}\n`, 60_000);
    assert.equal(answer.split('Unknown command. Please enter one of the following commands only:\n').length - 1, 16_001);
    assert.ok(answer.endsWith('quit                                    : disconnect\n\n'));
  });

  test('a client that asks for answers and never reads them is cut after stats timeout; the others are served meanwhile', async () => {
    const slow = connect(sock);
    let reset = false;
    slow.on('error', () => (reset = true));
    await new Promise<void>((resolve) => slow.once('connect', () => resolve()));
    // Never read: the answers pile up in the socket buffers until the server waits on a drain that never comes.
    slow.pause();
    // 400 answers of ~2 KB: far more than the socket buffers hold.
    slow.write(`prompt\n${'show stat\n'.repeat(400)}`);
    assert.equal(await cliCommand(sock, 'show backend'), '# name\nbe\n\n');
    // A paused socket sees the server's reset only when it writes: probe with a byte at each poll (bounded).
    await pollUntil(() => {
      if (!slow.destroyed) slow.write('\n');
      return reset || slow.destroyed;
    }, 15_000, 'the server cuts the client that does not read', 50);
    assert.equal(await cliCommand(sock, 'get weight be/s1'), '1 (initial 1)\n\n');
  });

  test('half-closed clients get their answers; idle ones past maxconn are cut and the others served after them', async () => {
    // 30 silent clients (maxconn 10): the first ten are cut after stats timeout, then the next ten… all are closed.
    const silent = Array.from({ length: 30 }, () => silentClient(sock, 30_000));
    // A client behind them: served once the silent ones have made room.
    const late = cliExchange(sock, 'show backend\n', 30_000);
    const results = await Promise.all(silent);
    assert.deepEqual(results.filter((r) => !r.closed || r.answer !== ''), []);
    assert.equal(await late, '# name\nbe\n\n');
  });
});
