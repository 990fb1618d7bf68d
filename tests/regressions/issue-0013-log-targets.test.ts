// Issue 13, log targets and the log writer: a UNIX datagram target (what `log /dev/log` is) and stderr targets side by
// side with haproxy 2.6.12; two targets and `no log`; lines to a sink that stalls or does not exist are dropped and
// counted in `show info` DroppedLogs (read through the Prometheus exporter's haproxy_process_dropped_logs_total)
// while the traffic carries on. Traffic lines are the frontends' `option httplog` lines.

import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import test, { type TestContext } from 'node:test';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { httpExchange } from '../support/http-exchange.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { startSyslogReceiver } from '../support/syslog-receiver.js';
import { startUnixDgramSink } from '../support/unix-dgram-sink.js';
import { pollUntil } from '../support/wait.js';

const HOOKS = { ORCALB_TEST_HOOKS: '1' };

/** A dead server whose checks fail: both programs log its DOWN (alert) and the backend's emptiness (emerg). */
const DOWN_BACKEND = `
backend be
    server s1 127.0.0.1:1 check inter 100 fall 1 rise 1
`;

/** `global` + `defaults` (tcp, `log global`) around `logLines`, with the dead backend and a listener. */
async function healthConfig(logLines: string): Promise<string> {
  return `global
    log-tag gt
${logLines}
defaults
    mode tcp
    log global
    timeout connect 1s
    timeout client 5s
    timeout server 5s
${DOWN_BACKEND}
listen front
    bind 127.0.0.1:${await freeTcpPort()}
    server s1 127.0.0.1:1
`;
}

const mask = (text: string, pid: number): string[] =>
  text
    .split('\n')
    .filter((l) => /Server \w+\/s1 is DOWN|has no server available/.test(l))
    .map((l) => l.replace(/[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d/, 'DATE').replace(`[${pid}]`, '[PID]').replace(/duration: \d+ms/, 'duration: Nms'));

test('log /path (UNIX datagram, the /dev/log form): the same datagrams as haproxy 2.6.12', async (t) => {
  const out: string[][] = [];
  for (const subject of ['haproxy', 'orcalb'] as const) {
    const sink = await startUnixDgramSink();
    t.after(() => sink.close());
    const text = await healthConfig(`    log ${sink.path} local2`);
    const proc = subject === 'haproxy' ? await startHaproxy(text) : await startOrcalb(text, { threads: 1 });
    t.after(() => proc.stop());
    await sink.waitFor((s) => s.includes('has no server available'), 10_000, `${subject}: emerg line`);
    await proc.stop();
    out.push(mask(sink.text(), proc.pid));
  }
  assert.equal(out[0]?.length, 2);
  assert.deepEqual(out[1], out[0]);
});

test('log stderr format raw and log fd@2 format short: the lines haproxy 2.6.12 writes on stderr', async (t) => {
  const out: string[][] = [];
  for (const subject of ['haproxy', 'orcalb'] as const) {
    const text = await healthConfig('    log stderr format raw local2\n    log fd@2 format short local3');
    const proc = subject === 'haproxy' ? await startHaproxy(text) : await startOrcalb(text, { threads: 1 });
    t.after(() => proc.stop());
    await proc.waitForStderr(/^<0>backend be has no server available!$/m, 10_000);
    await proc.stop();
    out.push(proc.stderr().split('\n').filter((l) => /^(<\d>)?(Server be\/s1 is DOWN|backend be has no server)/.test(l)).map((l) => l.replace(/duration: \d+ms/, 'duration: Nms')));
  }
  assert.deepEqual(out[0], [
    'Server be/s1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    '<1>Server be/s1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    'backend be has no server available!',
    '<0>backend be has no server available!',
  ]);
  assert.deepEqual(out[1], out[0]);
});

test("health state changes go to the backend's own targets with its log-tag, none without `log`, as haproxy 2.6.12", async (t) => {
  const out: string[][][] = [];
  for (const subject of ['haproxy', 'orcalb'] as const) {
    const [g, b] = [await startSyslogReceiver(), await startSyslogReceiver()];
    t.after(() => g.close());
    t.after(() => b.close());
    const text = `global
    log 127.0.0.1:${g.port} local2
    log-tag gtag
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
backend own
    log 127.0.0.1:${b.port} local3
    log-tag btag
    server s1 127.0.0.1:1 check inter 100 fall 1 rise 1
backend silent
    server s1 127.0.0.1:1 check inter 100 fall 1 rise 1
listen front
    bind 127.0.0.1:${await freeTcpPort()}
    server s1 127.0.0.1:1
`;
    const proc = subject === 'haproxy' ? await startHaproxy(text) : await startOrcalb(text, { threads: 1 });
    t.after(() => proc.stop());
    await b.waitForDatagrams((all) => all.some((d) => d.includes('backend own has no server available!')), 10_000, `${subject}: own's emerg`);
    // silent's lines are written on stderr at the same time: once both are there, nothing more is coming for it.
    await proc.waitForStderr(/backend 'silent' has no server available!/, 10_000);
    await proc.stop();
    out.push([g, b].map((r) => mask(r.datagrams().join(''), proc.pid).filter((l) => l.includes(' own') || l.includes('silent'))));
  }
  assert.deepEqual(out[0], [[], [
    '<153>DATE btag[PID]: Server own/s1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    '<152>DATE btag[PID]: backend own has no server available!',
  ]]);
  assert.deepEqual(out[1], out[0]);
});

/** An HTTP config answering 200 itself, the global targets in `globalLog`, proxy lines in `frontLog`. */
async function httpConfig(globalLog: string, frontLog: string, extra = ''): Promise<{ text: string; front: number; quiet: number; prom: number }> {
  const [front, quiet, prom] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
  const text = `global
${globalLog}
defaults
    mode http
    log global
    option httplog
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend front
    bind 127.0.0.1:${front}
${frontLog}
    http-request return status 200
frontend quiet
    bind 127.0.0.1:${quiet}
    no log
    http-request return status 200
frontend prom
    bind 127.0.0.1:${prom}
    no log
    http-request use-service prometheus-exporter
${extra}`;
  return { text, front, quiet, prom };
}

/** `n` keep-alive GETs on `conns` connections; every answer must be a 200. */
async function requests(t: TestContext, port: number, n: number, conns = 4): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: conns });
  t.after(() => agent.destroy());
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      const a = await httpExchange(port, 'GET', '/', { agent });
      assert.equal(a.status, 200);
    }
  };
  await Promise.all(Array.from({ length: conns }, worker));
}

async function droppedLogs(prom: number): Promise<number> {
  const page = await httpExchange(prom, 'GET', '/metrics');
  const m = /^haproxy_process_dropped_logs_total (\d+)$/m.exec(page.body);
  assert.ok(m !== null, 'haproxy_process_dropped_logs_total in /metrics');
  return Number(m[1]);
}

test('two targets get every line, a `no log` frontend sends none (same line counts as haproxy 2.6.12 httplog)', async (t) => {
  const counts: number[][] = [];
  for (const subject of ['haproxy', 'orcalb'] as const) {
    const [a, b] = [await startSyslogReceiver(), await startSyslogReceiver()];
    t.after(() => a.close());
    t.after(() => b.close());
    const cfg = await httpConfig(`    log 127.0.0.1:${a.port} local0`, `    log 127.0.0.1:${b.port} local1`);
    const proc = subject === 'haproxy' ? await startHaproxy(cfg.text) : await startOrcalb(cfg.text, { threads: 2, env: HOOKS });
    t.after(() => proc.stop());
    await requests(t, cfg.quiet, 10, 2);
    await requests(t, cfg.front, 20, 2);
    for (const r of [a, b]) await r.waitForDatagrams((all) => all.filter((d) => d.includes('GET /')).length >= 20, 5000, `${subject}: 20 lines`);
    await proc.stop();
    counts.push([a, b].map((r) => r.datagrams().filter((d) => d.includes('GET /')).length));
    // local0 and local1 at info: <134> and <142>.
    assert.ok(a.datagrams().filter((d) => d.includes('GET /')).every((d) => d.startsWith('<134>')));
    assert.ok(b.datagrams().filter((d) => d.includes('GET /')).every((d) => d.startsWith('<142>')));
  }
  assert.deepEqual(counts[0], [20, 20]);
  assert.deepEqual(counts[1], counts[0]);
});

test('a UNIX sink that stops reading: lines are dropped and counted in DroppedLogs, traffic carries on, lines resume', async (t) => {
  const sink = await startUnixDgramSink();
  t.after(() => sink.close());
  const cfg = await httpConfig(`    log ${sink.path} local0`, '');
  const lb = await startOrcalb(cfg.text, { threads: 2, env: HOOKS });
  t.after(() => lb.stop());
  await requests(t, cfg.front, 5);
  await sink.waitFor((s) => s.split('\n').length > 5, 5000, 'the first lines');
  assert.equal(await droppedLogs(cfg.prom), 0);
  sink.pause();
  // The socket queues net.unix.max_dgram_qlen datagrams (10 by default), then every send is EAGAIN.
  await requests(t, cfg.front, 2000, 8);
  // The log writer may still be working through the rings when the last answer arrives (991 seen once on a loaded
  // CI machine): the drops are counted as it meets them.
  await pollUntil(async () => (await droppedLogs(cfg.prom)) >= 1000, 5000, '1000 of 2000 lines counted dropped', 20);
  assert.match(lb.stderr(), /\[ALERT\].*failed in logger .*log\.sock: EAGAIN/);
  sink.resume();
  const before = sink.text().length;
  await requests(t, cfg.front, 5);
  await sink.waitFor((s) => s.length > before && s.slice(before).includes('"GET / HTTP/1.1"'), 5000, 'lines again after the stall');
  // Every line is accounted for exactly once: received, or counted dropped (2010 requests in all).
  const received = (): number => sink.text().split('"GET / HTTP/1.1"').length - 1;
  await pollUntil(async () => received() + (await droppedLogs(cfg.prom)) === 2010, 5000, 'received + DroppedLogs = 2010', 20);
});

test('a target path that does not exist: every line is counted dropped, one alert, traffic unaffected', async (t) => {
  const cfg = await httpConfig('    log /nonexistent-orcalb-dir/log.sock local0', '');
  const lb = await startOrcalb(cfg.text, { threads: 2, env: HOOKS });
  t.after(() => lb.stop());
  await requests(t, cfg.front, 300);
  // The writer drains within milliseconds of the last request; the count is read until it has.
  await pollUntil(async () => (await droppedLogs(cfg.prom)) >= 300, 5000, 'DroppedLogs reaches 300', 20);
  assert.equal(lb.stderr().split('\n').filter((l) => l.includes('failed in logger /nonexistent-orcalb-dir/log.sock: ENOENT')).length, 1);
});
