// The tcp-request rule program compiled from real config text (issue 11): rule sets in line order with track-sc placed
// among the other actions, accept stopping a set, WAIT while a condition or a track key is short of bytes and a run
// from the first rule again, expect-proxy answering PROXY, switch-mode ending the content set, sc-inc-gpc0 counting
// on the tracked entry, and which frontends get no program at all (the rule-free path). Test-runner thread, in process.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TCP, TcpRuleProgram } from '../../core/forward/tcp-rules/tcp-rule-program.js';
import { StickCounters } from '../../core/stick/stick-counters.js';
import { StickTables } from '../../core/stick/stick-tables.js';
import type { Config } from '../../config/model.js';
import { testContext } from '../support/acl-context.js';
import { seededState } from '../support/check-target.js';
import { load, TIMEOUTS, validConfig } from '../support/config-load.js';

async function compiled(lines: readonly string[], mode = 'tcp'): Promise<{ config: Config; program: TcpRuleProgram | undefined }> {
  const config = validConfig(
    await load(`frontend f\n  mode ${mode}\n  bind 127.0.0.1:1\n${TIMEOUTS}\n${lines.map((l) => `  ${l}`).join('\n')}\n  default_backend b\nbackend b\n  mode ${mode}\n${TIMEOUTS}\n  server s 127.0.0.1:2\n`),
  );
  const p = TcpRuleProgram.compile(config, 0);
  if (p !== undefined && 'error' in p) throw new Error(p.error);
  return { config, program: p };
}

test('a frontend without tcp-request or (in mode tcp) use_backend rules gets no program: the rule-free path', async () => {
  assert.equal((await compiled([])).program, undefined);
  assert.equal((await compiled(['acl x src 10.0.0.1'])).program, undefined);
  assert.ok((await compiled(['use_backend b if { src 10.0.0.1 }'])).program?.switcher !== undefined);
});

test('rule order: the first accept stops the set; a reject after it never runs; no rule means pass', async () => {
  const { program } = await compiled([
    'tcp-request connection accept if { src 10.0.0.1 }',
    'tcp-request connection reject',
  ]);
  assert.ok(program !== undefined);
  assert.equal(program.run('connection', testContext({ src: '10.0.0.1' }), undefined, undefined), TCP.PASS);
  assert.equal(program.run('connection', testContext({ src: '10.0.0.2' }), undefined, undefined), TCP.REJECT);
  assert.equal(program.run('session', testContext(), undefined, undefined), TCP.PASS);
});

test('expect-proxy answers PROXY unless a later rule rejects; silent-drop answers DROP', async () => {
  const { program } = await compiled([
    'tcp-request connection expect-proxy layer4 if { src 127.0.0.1 }',
    'tcp-request connection silent-drop if { src 127.0.0.1 } { dst_port 9 }',
  ]);
  assert.ok(program !== undefined);
  assert.equal(program.run('connection', testContext({ src: '127.0.0.1' }), undefined, undefined), TCP.PROXY);
  assert.equal(program.run('connection', testContext({ src: '127.0.0.1', dstPort: 9 }), undefined, undefined), TCP.DROP);
  assert.equal(program.run('connection', testContext({ src: '10.0.0.9' }), undefined, undefined), TCP.PASS);
});

test('content rules wait while a condition is short of bytes, decide on final bytes, and switch-mode ends the set', async () => {
  const { program } = await compiled([
    'tcp-request inspect-delay 5s',
    'tcp-request content switch-mode http if HTTP',
    'tcp-request content reject if { req.payload(0,4) -m str EVIL }',
  ]);
  assert.ok(program !== undefined);
  assert.equal(program.inspectDelay, 5000);
  assert.equal(program.run('content', testContext({ payload: 'GE', final: false }), undefined, undefined), TCP.WAIT);
  assert.equal(program.run('content', testContext({ payload: 'GET / HTTP/1.1\r\nhost: h\r\n\r\n', final: false }), undefined, undefined), TCP.SWITCH);
  // 'EVIL' could still become a request line: the HTTP rule waits before the reject is reached (haproxy's order).
  assert.equal(program.run('content', testContext({ payload: 'EVIL', final: false }), undefined, undefined), TCP.WAIT);
  assert.equal(program.run('content', testContext({ payload: 'EVIL\0', final: false }), undefined, undefined), TCP.REJECT);
  // Final: the partial bytes are not HTTP, not EVIL: the set passes.
  assert.equal(program.run('content', testContext({ payload: 'EV', final: true }), undefined, undefined), TCP.PASS);
});

test('track-sc runs in its place among the actions: sc-inc-gpc0 after it counts, a reject on the count follows', async () => {
  const { config, program } = await compiled([
    'stick-table type ip size 10 expire 30s store gpc0,conn_cur',
    'tcp-request connection track-sc0 src',
    'tcp-request connection sc-inc-gpc0(0)',
    'tcp-request connection reject if { sc0_get_gpc0 gt 2 }',
  ]);
  assert.ok(program !== undefined && program.tracks);
  const { state, topology } = seededState(config, 1);
  const tables = new StickTables(state, topology.stick, 0);
  const verdicts: number[] = [];
  const open: StickCounters[] = [];
  for (let i = 0; i < 4; i++) {
    const counters = new StickCounters(tables);
    const ctx = testContext({ src: '10.1.1.1' });
    ctx.stickTables = tables;
    ctx.stickCounters = counters;
    verdicts.push(program.run('connection', ctx, counters, tables));
    open.push(counters);
  }
  assert.deepEqual(verdicts, [TCP.PASS, TCP.PASS, TCP.REJECT, TCP.REJECT]);
  for (const c of open) c.endSession();
});

test('the program knows when a rule reads the HTTP request (the head is then parsed from the bytes)', async () => {
  assert.equal((await compiled(['tcp-request content reject if { req.len gt 3 }'])).program?.needsHead, false);
  assert.equal((await compiled(['tcp-request content reject if { path /x }'])).program?.needsHead, true);
  assert.equal((await compiled(['tcp-request content reject if METH_GET'])).program?.needsHead, true);
  assert.equal((await compiled(['use_backend b if { hdr(host) x }'])).program?.needsHead, true);
});
