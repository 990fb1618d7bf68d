// Log headers side by side with haproxy 2.6.12 (manual §3.1 "log", "log-tag", "log-send-hostname"): one config with
// a `log` line per format/facility/level/minlevel/len/sample, each to its own UDP receiver; both programs log the same
// health-check state changes (a server on a closed port), and each target's datagrams must be byte-identical once
// dates and pids are masked. Issue 13, log targets.

import assert from 'node:assert/strict';
import test, { type TestContext } from 'node:test';
import { startHaproxy, freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { startSyslogReceiver, type SyslogReceiver } from '../support/syslog-receiver.js';

/** The target options under test, one `log` line each (the address is added). */
const TARGETS = [
  'local0',
  'format rfc3164 local1',
  'format rfc5424 local2',
  'format short local3',
  'format raw local4',
  'format priority local5',
  'format timed local6',
  'format iso local7',
  'format local user',
  'len 80 daemon',
  'local2 emerg',
  'local2 debug debug',
  'sample 2:2 local2 alert',
] as const;

/** The two state-change lines both programs send (alert, then emerg); orcalb's own notices are left out. */
const WANTED = /Server be\/s1 is DOWN|backend be has no server available!/;

/** Dates and pids out: rfc3164 and ISO timestamps, `tag[pid]` and rfc5424's ` tag pid `. */
function mask(datagram: string, pid: number, tag: string): string {
  return datagram
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d/g, 'ISO')
    .replace(/[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d/g, 'DATE')
    .replace(`${tag}[${pid}]`, `${tag}[PID]`)
    .replace(` ${tag} ${pid} `, ` ${tag} PID `)
    // The check's duration is the prober's, not the log's.
    .replace(/check duration: \d+ms/, 'check duration: Nms');
}

function configText(ports: readonly number[], front: number, globalExtra: string): string {
  return `global
${TARGETS.map((t, i) => `    log 127.0.0.1:${ports[i] ?? 0} ${t}`).join('\n')}
${globalExtra}
defaults
    mode tcp
    log global
    timeout connect 1s
    timeout client 5s
    timeout server 5s
backend be
    server s1 127.0.0.1:1 check inter 100 fall 1 rise 1
listen front
    bind 127.0.0.1:${front}
    server s1 127.0.0.1:1
`;
}

/** Runs `subject` on the config and returns each target's wanted datagrams, masked. */
async function linesOf(t: TestContext, subject: 'haproxy' | 'orcalb', globalExtra: string, tag: string): Promise<string[][]> {
  const receivers: SyslogReceiver[] = [];
  for (let i = 0; i < TARGETS.length; i++) {
    const r = await startSyslogReceiver();
    t.after(() => r.close());
    receivers.push(r);
  }
  const text = configText(receivers.map((r) => r.port), await freeTcpPort(), globalExtra);
  const proc = subject === 'haproxy' ? await startHaproxy(text) : await startOrcalb(text, { threads: 1 });
  t.after(() => proc.stop());
  // The emerg line comes last; every target that takes it (all but the sampled one, which takes only it) has it.
  for (const r of receivers) {
    await r.waitForDatagrams((all) => all.some((d) => d.includes('has no server available')), 10_000, `${subject}: the emerg line`);
  }
  await proc.stop();
  return receivers.map((r) => r.datagrams().filter((d) => WANTED.test(d)).map((d) => mask(d, proc.pid, tag)));
}

/** len: both cut at the same byte count; the masked pid may be one digit shorter in one of them. */
function compareTarget(option: string, orcalb: readonly string[], haproxy: readonly string[]): void {
  if (!option.startsWith('len ')) {
    assert.deepEqual(orcalb, haproxy, option);
    return;
  }
  assert.equal(orcalb.length, haproxy.length, option);
  for (const [i, h] of haproxy.entries()) {
    const o = orcalb[i] ?? '';
    assert.ok(o.endsWith('\n') && h.endsWith('\n'), `${option}: the cut line ends with LF`);
    const n = Math.min(o.length, h.length) - 1;
    assert.equal(o.slice(0, n - 2), h.slice(0, n - 2), option);
  }
}

for (const [name, extra, tag] of [
  ['defaults (tag haproxy, no host name)', '', 'haproxy'],
  ['log-tag and log-send-hostname', '    log-tag gt\n    log-send-hostname myhost', 'gt'],
] as const) {
  test(`every format/facility/level/minlevel/len/sample header as haproxy 2.6.12: ${name}`, async (t) => {
    const haproxy = await linesOf(t, 'haproxy', extra, tag);
    const orcalb = await linesOf(t, 'orcalb', extra, tag);
    for (const [i, option] of TARGETS.entries()) compareTarget(option, orcalb[i] ?? [], haproxy[i] ?? []);
    // The table above is not vacuous: each target got its lines (two, one for emerg-only and the sampled one).
    assert.deepEqual(haproxy.map((l) => l.length), TARGETS.map((o) => (o === 'local2 emerg' || o.startsWith('sample') ? 1 : 2)));
  });
}
