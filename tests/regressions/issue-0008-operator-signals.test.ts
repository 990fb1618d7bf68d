// Issue 8, items 2 and 6: every signal HAProxy 2.6 gives meaning to means the same in orcalb, side by side with the
// real /usr/sbin/haproxy on the same configuration: SIGHUP dumps the server states (same lines on stderr and syslog),
// SIGUSR2, SIGPIPE, SIGALRM, SIGHUP and SIGQUIT leave traffic alone (most used to kill orcalb), SIGTERM and SIGINT are hard
// stops, SIGUSR1 the soft stop (same "Proxy X stopped" lines; hard-stop-after the same "hard-stopped" lines).
// Test-runner thread; both balancers run as child processes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryDumpLines } from '../../core/diagnostics/memory-usage.js';
import { connectTagged, startBackendFarm, type BackendFarm } from '../support/backend-farm.js';
import { freeTcpPort, isListening } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess } from '../support/lb-subject.js';
import { pollFor, within } from '../support/wait.js';
import { startSyslogReceiver, type SyslogReceiver } from '../support/syslog-receiver.js';

/** One balancer under test, with the ports of its two proxies. */
interface Running {
  readonly name: string;
  readonly lb: LbProcess;
  readonly front: number;
  readonly other: number;
}

/**
 * The same proxies for both: a frontend, a backend with an UP, a DOWN (checked, nothing listens), a backup and a
 * disabled server, and a listen section; `log` to a syslog receiver when given.
 */
async function configFor(farm: BackendFarm, dead: number, opts: { syslog?: number; global?: string }): Promise<{ text: string; front: number; other: number }> {
  const front = await freeTcpPort();
  const other = await freeTcpPort();
  const s1 = farm.port('s1');
  const text = `
global
    maxconn 200
${opts.syslog === undefined ? '' : `    log 127.0.0.1:${opts.syslog} local0`}
${opts.global ?? ''}
defaults
    mode tcp
${opts.syslog === undefined ? '' : '    log global'}
    timeout connect 2s
    timeout client 1m
    timeout server 1m
frontend fe
    bind 127.0.0.1:${front}
    default_backend be
backend be
    server s1 127.0.0.1:${s1} check inter 200ms
    server s2 127.0.0.1:${dead} check inter 200ms
    server s3 127.0.0.1:${s1} backup
    server s4 127.0.0.1:${s1} disabled
listen other
    bind 127.0.0.1:${other}
    server o1 127.0.0.1:${s1}
`;
  return { text, front, other };
}

/** Starts haproxy and orcalb side by side (one syslog receiver each when asked); both wait until s2 is DOWN. */
async function startBoth(
  t: { after(fn: () => unknown): void },
  opts: { syslog?: boolean; global?: string } = {},
): Promise<{ runs: Running[]; syslogs: SyslogReceiver[] }> {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const dead = await freeTcpPort();
  const runs: Running[] = [];
  const syslogs: SyslogReceiver[] = [];
  for (const subject of [HAPROXY_SUBJECT, ORCALB_SUBJECT]) {
    const syslog = opts.syslog === true ? await startSyslogReceiver() : undefined;
    if (syslog !== undefined) {
      syslogs.push(syslog);
      t.after(() => syslog.close());
    }
    const cfg = await configFor(farm, dead, { ...(syslog === undefined ? {} : { syslog: syslog.port }), ...(opts.global === undefined ? {} : { global: opts.global }) });
    const lb = await subject.start(cfg.text, cfg.front);
    t.after(() => lb.stop());
    await lb.waitForStderr(/Server be\/s2 is DOWN/, 5000);
    runs.push({ name: subject.name, lb, front: cfg.front, other: cfg.other });
  }
  return { runs, syslogs };
}

/** The lines after `[LEVEL]  (pid) : ` that match `re`, without haproxy's internal proxies (orcalb has none). */
function linesOf(lb: LbProcess, re: RegExp): string[] {
  return lb
    .stderr()
    .split('\n')
    .map((l) => /^\[\w+\] +\(\d+\) : (.*)$/.exec(l)?.[1] ?? '')
    .filter((l) => re.test(l) && !/<HTTPCLIENT>|Proxy GLOBAL /.test(l));
}

/** Polls until nothing listens on `port` (no event says so from outside); bounded to 5 s. */
async function untilRefused(port: number): Promise<boolean> {
  return pollFor(() => !isListening(port), 5000, 50);
}

test('SIGHUP: the same server-state lines as haproxy 2.6.12, on stderr and on syslog, and traffic carries on', async (t) => {
  const { runs, syslogs } = await startBoth(t, { syslog: true });
  const dumps: string[][] = [];
  for (const [i, r] of runs.entries()) {
    const live = await connectTagged(r.front);
    t.after(() => live.destroy());
    r.lb.signal('SIGHUP');
    await r.lb.waitForStderr(/SIGHUP: Proxy other /, 5000);
    dumps.push(linesOf(r.lb, /SIGHUP/));
    assert.equal((await live.exchange('after SIGHUP\n')).toString(), 'after SIGHUP\n', r.name);
    const fresh = await connectTagged(r.front);
    assert.equal(fresh.tag, 's1', r.name);
    await fresh.end();
    await live.end();
    const syslog = syslogs[i] as SyslogReceiver;
    await syslog.waitFor((all) => all.some((m) => m.text.startsWith('SIGHUP: Proxy other ')), 5000, `${r.name} SIGHUP syslog lines`);
  }
  assert.deepEqual(dumps[1], dumps[0]);
  assert.deepEqual(dumps[0], [
    'SIGHUP received, dumping servers states.',
    'SIGHUP: Proxy fe has no servers. Conn: act(FE+BE): 1+0, 0 pend (0 unass), tot(FE+BE): 1+0.',
    'SIGHUP: Server be/s1 is UP. Conn: 1 act, 0 pend, 1 tot.',
    'SIGHUP: Server be/s2 is DOWN. Conn: 0 act, 0 pend, 0 tot.',
    'SIGHUP: Server be/s3 is UP. Conn: 0 act, 0 pend, 0 tot.',
    'SIGHUP: Server be/s4 is DOWN. Conn: 0 act, 0 pend, 0 tot.',
    'SIGHUP: Proxy be has 1 active servers and 1 backup servers available. Conn: act(FE+BE): 0+1, 0 pend (0 unass), tot(FE+BE): 0+1.',
    'SIGHUP: Server other/o1 is UP. Conn: 0 act, 0 pend, 0 tot.',
    'SIGHUP: Proxy other has 1 active servers and 0 backup servers available. Conn: act(FE+BE): 0+0, 0 pend (0 unass), tot(FE+BE): 0+0.',
  ]);
  // Syslog: each proxy's own targets get a header line for it, then its lines, at notice (local0 → 16 × 8 + 5).
  const sighup = (s: SyslogReceiver): string[] =>
    s.messages().filter((m) => m.text.includes('SIGHUP') && !m.text.includes('<HTTPCLIENT>')).map((m) => `<${m.pri}> ${m.text}`);
  const [hSyslog, oSyslog] = syslogs.map(sighup);
  assert.deepEqual(oSyslog, hSyslog);
  assert.equal(hSyslog?.[0], '<133> SIGHUP received, dumping servers states for proxy fe.');
});

test('SIGUSR2, SIGPIPE, SIGALRM, SIGHUP and SIGQUIT leave live and new connections alone in both; orcalb reloads the unchanged file and logs a memory dump', async (t) => {
  const { runs } = await startBoth(t);
  for (const r of runs) {
    const live = await connectTagged(r.front);
    t.after(() => live.destroy());
    for (const sig of ['SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGQUIT', 'SIGHUP'] as const) r.lb.signal(sig);
    // Pending signals are taken together; the SIGHUP dump says the others were handled too (or had killed it).
    await r.lb.waitForStderr(/SIGHUP: Proxy other /, 5000);
    // orcalb's dump counts connections when the threads have answered: let it finish before the next one opens.
    if (r.name === ORCALB_SUBJECT.name) await r.lb.waitForStderr(/SIGQUIT: total of /, 5000);
    assert.equal((await live.exchange('still served\n')).toString(), 'still served\n', r.name);
    const fresh = await connectTagged(r.front);
    assert.equal(fresh.tag, 's1', r.name);
    await fresh.end();
    await live.end();
  }
  const orcalb = runs[1]?.lb as LbProcess;
  // SIGUSR2 reloads the unchanged file in place (issue 15): nothing to apply.
  await orcalb.waitForStderr(/reload done: 0 server\(s\) added, 0 removed \(draining: 0\), 0 changed/, 5000);
  assert.match(orcalb.stderr(), /\[NOTICE\] +\(\d+\) : SIGUSR2 received: reloading the configuration from \S+\n/);
  const dump = linesOf(orcalb, /^SIGQUIT/);
  assert.equal(dump[0], 'SIGQUIT received, dumping memory usage.');
  assert.match(dump[1] ?? '', /^SIGQUIT: process: rss \d+ bytes, 5 threads, 1 live connections\.$/);
  const heap = String.raw`heap \d+ used / \d+ total, external \d+, array buffers \d+ bytes`;
  for (const name of ['main', 'acceptor', 'health-checker']) {
    assert.ok(dump.some((l) => new RegExp(`^SIGQUIT: thread ${name}: ${heap}\\.$`).test(l)), `${name}: ${dump.join('\n')}`);
  }
  const forwarders = dump.map((l) => new RegExp(`^SIGQUIT: thread forwarder \\d: ${heap}, (\\d+) live connections\\.$`).exec(l)).filter((m) => m !== null);
  assert.equal(forwarders.length, 2, dump.join('\n'));
  assert.equal(forwarders.reduce((n, m) => n + Number(m[1]), 0), 1, 'the one live connection is on some forwarder');
});

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  test(`${sig} is a hard stop in both: the live connection is cut at once and the process ends killed by ${sig}`, async (t) => {
    const { runs } = await startBoth(t);
    for (const r of runs) {
      const live = await connectTagged(r.front);
      t.after(() => live.destroy());
      r.lb.signal(sig);
      await within(live.closed, 5000, `${r.name}: the live connection cut after ${sig}`);
      assert.deepEqual(await within(r.lb.ended, 5000, `${r.name}: end after ${sig}`), { code: null, signal: sig }, r.name);
      assert.equal(isListening(r.front), false, r.name);
    }
  });
}

test('SIGUSR1 is a soft stop in both, with the same "Proxy X stopped" lines; a second SIGUSR1 changes nothing', async (t) => {
  const { runs } = await startBoth(t);
  const stopped: string[][] = [];
  for (const r of runs) {
    const live = await connectTagged(r.front);
    t.after(() => live.destroy());
    r.lb.signal('SIGUSR1');
    await r.lb.waitForStderr(/Proxy be stopped/, 5000);
    r.lb.signal('SIGUSR1');
    assert.ok(await untilRefused(r.front), `${r.name}: still listening after SIGUSR1`);
    assert.equal(isListening(r.other), false, r.name);
    assert.equal((await live.exchange('during soft stop\n')).toString(), 'during soft stop\n', r.name);
    await live.end();
    assert.deepEqual(await within(r.lb.ended, 5000, `${r.name}: exit after the last connection`), { code: 0, signal: null }, r.name);
    stopped.push(linesOf(r.lb, /^Proxy .* stopped/));
  }
  assert.deepEqual(stopped[1], stopped[0]);
  assert.deepEqual(stopped[0], [
    'Proxy fe stopped (cumulated conns: FE: 1, BE: 0).',
    'Proxy other stopped (cumulated conns: FE: 0, BE: 0).',
    'Proxy be stopped (cumulated conns: FE: 0, BE: 1).',
  ]);
});

test('hard-stop-after: the same "hard-stopped" lines as haproxy, the live connection cut, exit 0', async (t) => {
  const { runs } = await startBoth(t, { global: '    hard-stop-after 300ms' });
  const lines: string[][] = [];
  for (const r of runs) {
    const live = await connectTagged(r.front);
    t.after(() => live.destroy());
    r.lb.signal('SIGUSR1');
    await within(live.closed, 5000, `${r.name}: the live connection cut by hard-stop-after`);
    assert.deepEqual(await within(r.lb.ended, 5000, `${r.name}: exit after hard-stop-after`), { code: 0, signal: null }, r.name);
    lines.push(linesOf(r.lb, /hard-stop/));
  }
  assert.deepEqual(lines[1], lines[0]);
  assert.deepEqual(lines[0], [
    'soft-stop running for too long, performing a hard-stop.',
    'Proxy fe hard-stopped (1 remaining conns will be closed).',
  ]);
});

test('the SIGQUIT dump names a thread that did not answer and totals only the others', () => {
  const f = { heapUsed: 10, heapTotal: 20, external: 3, arrayBuffers: 1 };
  assert.deepEqual(
    memoryDumpLines({
      rss: 1000,
      liveConns: 2,
      waitedMs: 1000,
      threads: [
        { name: 'main', figures: f },
        { name: 'forwarder 0', figures: f, liveConns: 0 },
        { name: 'forwarder 1', figures: undefined, liveConns: 2 },
      ],
    }),
    [
      'SIGQUIT received, dumping memory usage.',
      'SIGQUIT: process: rss 1000 bytes, 3 threads, 2 live connections.',
      'SIGQUIT: thread main: heap 10 used / 20 total, external 3, array buffers 1 bytes.',
      'SIGQUIT: thread forwarder 0: heap 10 used / 20 total, external 3, array buffers 1 bytes, 0 live connections.',
      'SIGQUIT: thread forwarder 1: no answer within 1000 ms, 2 live connections.',
      'SIGQUIT: total of 2 threads: heap 20 used / 40 total, external 6, array buffers 2 bytes.',
    ],
  );
});
