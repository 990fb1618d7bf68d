// The stick fetches through the ACL engine (core/acl/fetch-stick.ts in the registry): issue 11's rate-limiting rule
// `http-request track-sc0 src` + `deny if { sc_http_req_rate(0) gt 20 }` run in-process the way two forwarder
// threads would run it (one shared table, each thread its own views and counters), with the production condition
// parse → compile → evaluate path: exactly 20 requests pass in a period, and requests pass again after it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompileEnv } from '../../core/acl/descriptor.js';
import { StickCounters } from '../../core/stick/stick-counters.js';
import { setAddressKey } from '../../core/stick/stick-key.js';
import { COND, TEST_WORLD, conditionVerdict, testContext } from '../support/acl-context.js';
import { stickBuffer, stores, tableSpec } from '../support/stick-state.js';
import { delay } from '../support/wait.js';

const PERIOD = 300;

test('sc_http_req_rate(0) gt 20 after track-sc0 src: 20 of 30 requests pass across two threads, then pass again after the period', async () => {
  const buf = stickBuffer([tableSpec('web', { expire: 10_000, store: stores(`http_req_rate(${PERIOD})`) })], 2);
  const threads = [buf.view(0), buf.view(1)];
  const env: CompileEnv = { world: { ...TEST_WORLD, stickTables: [{ name: 'web' }] }, proxyName: 'web', frontend: 0, backend: -1, cache: new Map() };
  const client = Uint8Array.from([10, 1, 2, 3]);
  /** One request on thread t: track-sc0 src, then the deny rule's verdict. */
  const request = (t: number): boolean => {
    const tables = threads[t % 2];
    assert.ok(tables !== undefined);
    const ctx = testContext({ src: '10.1.2.3' });
    const counters = new StickCounters(tables);
    ctx.stickTables = tables;
    ctx.stickCounters = counters;
    setAddressKey(tables.store(0), client, 0, 4);
    assert.equal(counters.trackHttpRequest(0, 0), true);
    const denied = conditionVerdict('{ sc_http_req_rate(0) gt 20 }', ctx, [], false, env) === COND.TRUE;
    counters.endStream();
    return !denied;
  };
  const started = Date.now();
  const passed = Array.from({ length: 30 }, (_, i) => request(i));
  assert.deepEqual(passed, [...Array<boolean>(20).fill(true), ...Array<boolean>(10).fill(false)]);
  await delay(Math.max(0, started + 2 * PERIOD + 50 - Date.now()));
  assert.equal(request(0), true);
  assert.equal(request(1), true);
});

test('an untracked counter gives no sample (the condition is false), src_* and table_cnt read the table', () => {
  const buf = stickBuffer([tableSpec('web', { store: stores('http_req_cnt', 'gpc0') })], 1);
  const tables = buf.view(0);
  const env: CompileEnv = { world: { ...TEST_WORLD, stickTables: [{ name: 'web' }] }, proxyName: 'web', frontend: 0, backend: -1, cache: new Map() };
  const ctx = testContext({ src: '10.9.9.9' });
  ctx.stickTables = tables;
  ctx.stickCounters = new StickCounters(tables);
  assert.equal(conditionVerdict('{ sc_http_req_rate(0) ge 0 }', ctx, [], false, env), COND.FALSE);
  assert.equal(conditionVerdict('{ sc0_tracked }', ctx, [], false, env), COND.FALSE);
  assert.equal(conditionVerdict('{ src_inc_gpc0 eq 1 }', ctx, [], false, env), COND.TRUE);
  assert.equal(conditionVerdict('{ src_get_gpc0 eq 1 } { table_cnt eq 1 }', ctx, [], false, env), COND.TRUE);
  assert.equal(conditionVerdict('{ src_http_req_cnt eq 0 }', ctx, [], false, env), COND.TRUE);
});
