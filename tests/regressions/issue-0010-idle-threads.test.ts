// Issue 10, idle RSS: a thread with nothing to do is not started. The health-check thread (a whole V8 isolate,
// ~12 MiB of RSS idle) starts with orcalb only when the config gives it work (checks, dolphindb-load readings, stick
// tables: core/health/health-thread-need.ts); otherwise on the first admin action, which it still applies as the
// single writer of server state. Thread names read from /proc/<pid>/task/*/comm. Test-runner thread; orcalb is a
// child process.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { healthThreadNeededAtStart } from '../../core/health/health-thread-need.js';
import { startBackendFarm } from '../support/backend-farm.js';
import { load, validConfig } from '../support/config-load.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { statRow } from '../support/haproxy-stats.js';
import { httpExchange } from '../support/http-exchange.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { threadNames } from '../support/process-fds.js';
import { tcpConfig } from '../support/tcp-config.js';
import { pollUntil } from '../support/wait.js';

const AUTH = { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };

function statsListen(port: number): string {
  return ['listen stats', '    mode http', `    bind 127.0.0.1:${port}`, '    stats enable', '    stats uri /st',
    '    stats auth admin:admin', '    stats admin if TRUE', ''].join('\n');
}

test('without checks, load readings or stick tables, no health-check thread runs; the first admin action starts it and is applied', async (t) => {
  const farm = await startBackendFarm(['s1', 's2']);
  t.after(() => farm.close());
  const port = await freeTcpPort();
  const st = await freeTcpPort();
  const lb = await startOrcalb(`${tcpConfig(port, farm.ports())}\n${statsListen(st)}`, { threads: 1 });
  t.after(() => lb.stop());
  const names = threadNames(lb.pid);
  assert.ok(names.some((n) => /^forwarder \d+$/.test(n)) && names.includes('acceptor') && names.includes('stats'), names.join(','));
  assert.ok(!names.includes('health-checker'), `no health thread at idle: ${names.join(',')}`);

  const post = await httpExchange(st, 'POST', '/st', { headers: AUTH, body: 's=s2&action=maint&b=be', contentType: 'application/x-www-form-urlencoded' });
  assert.equal(post.status, 303);
  assert.match(String(post.headers['location']), /;st=DONE/);
  assert.ok(threadNames(lb.pid).includes('health-checker'));
  await pollUntil(async () => statRow((await httpExchange(st, 'GET', '/st;csv', { headers: AUTH })).body, 'be', 's2')['status'] === 'MAINT', 5000, 's2 in MAINT');
});

test('hostile: 40 admin actions at once on an orcalb without a health thread start one, and every action is applied', async (t) => {
  const farm = await startBackendFarm(['s1', 's2']);
  t.after(() => farm.close());
  const port = await freeTcpPort();
  const st = await freeTcpPort();
  const lb = await startOrcalb(`${tcpConfig(port, farm.ports())}\n${statsListen(st)}`, { threads: 1 });
  t.after(() => lb.stop());
  const actions = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 'maint' : 'ready'));
  actions.push('maint');
  const answers = await Promise.all(actions.map((a, i) =>
    httpExchange(st, 'POST', '/st', { headers: AUTH, body: `s=s${(i % 2) + 1}&action=${a}&b=be`, contentType: 'application/x-www-form-urlencoded' })));
  for (const a of answers) assert.match(String(a.headers['location']), /;st=DONE/);
  assert.equal(threadNames(lb.pid).filter((n) => n === 'health-checker').length, 1);
  // s1 got maint (and the last action, maint again); s2 only ready: the single writer applied each in turn.
  await pollUntil(async () => {
    const csv = (await httpExchange(st, 'GET', '/st;csv', { headers: AUTH })).body;
    return statRow(csv, 'be', 's1')['status'] === 'MAINT' && statRow(csv, 'be', 's2')['status'] === 'no check';
  }, 5000, "s1 MAINT, s2 ready ('no check', as haproxy shows a server without checks)");
});

test('a config with checks starts the health-check thread with orcalb', async (t) => {
  const farm = await startBackendFarm(['s1']);
  t.after(() => farm.close());
  const port = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(port, farm.ports(), { serverOptions: 'check inter 1s' }), { threads: 1 });
  t.after(() => lb.stop());
  assert.ok(threadNames(lb.pid).includes('health-checker'));
});

test('healthThreadNeededAtStart: checks of servers that are not disabled, load readings, stick tables', async () => {
  const need = async (backend: string): Promise<boolean> =>
    healthThreadNeededAtStart(validConfig(await load(`${tcpConfig(1, [2, 3], { backend })}`)));
  assert.equal(await need(''), false);
  assert.equal(await need('    server c1 127.0.0.1:4 check'), true);
  assert.equal(await need('    server c1 127.0.0.1:4 check disabled'), false);
  assert.equal(await need('    disabled\n    server c1 127.0.0.1:4 check'), false);
  assert.equal(await need('    stick-table type ip size 1k expire 10s'), true);
});
