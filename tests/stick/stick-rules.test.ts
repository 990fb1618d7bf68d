// The stick model's rules compiled for a session (core/stick/stick-rules.ts), from a real configuration's model,
// run over FetchContexts as a forwarder fills them: track-sc keys from the client address and from a header,
// conditions, the first rule of a counter winning; `stick on src` matching after a store, an unusable server skipped.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompileEnv } from '../../core/acl/descriptor.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import { initStickRegion } from '../../core/shared/stick-store.js';
import { topologyOf } from '../../core/shared/topology.js';
import { PendingStores } from '../../core/stick/persistence.js';
import { StickCounters } from '../../core/stick/stick-counters.js';
import { NO_SAMPLE, stickFetch, type StickFetch } from '../../core/stick/stick-fetches.js';
import { RuleOutcome, bareScope, compileStickRules, compileTrackRules } from '../../core/stick/stick-rules.js';
import { StickTables } from '../../core/stick/stick-tables.js';
import { backendNamed, frontendNamed, load, validConfig } from '../support/config-load.js';
import { testContext } from '../support/acl-context.js';

const CONFIG = [
  'defaults',
  '  mode http',
  '  timeout connect 1s',
  '  timeout client 1s',
  '  timeout server 1s',
  'frontend f',
  '  bind 127.0.0.1:18000',
  '  http-request track-sc0 src table st',
  '  http-request track-sc0 req.hdr(x-user) table users',
  '  http-request track-sc1 req.hdr(x-user) table users if { path_beg /api }',
  '  default_backend b',
  'backend st',
  '  stick-table type ip size 1k store http_req_cnt,conn_cur',
  'backend users',
  '  stick-table type string len 32 size 1k store http_req_cnt',
  'backend b',
  '  stick-table type ip size 1k expire 30m',
  '  stick on src',
  '  server s1 127.0.0.1:18001',
  '  server s2 127.0.0.1:18002',
  '  server s3 127.0.0.1:18003',
  '',
].join('\n');

test('track rules and stick rules compiled from the model run as a session and dispatch call them', async () => {
  const config = validConfig(await load(CONFIG));
  const topology = topologyOf(config, 2);
  const state = SharedState.allocate(topology.counts);
  initStickRegion(state, topology.stick, () => 7);
  const tables = new StickTables(state, topology.stick, 0);
  const env: CompileEnv = { world: config, proxyName: 'f', frontend: 0, backend: -1, cache: new Map() };
  const track = compileTrackRules(frontendNamed(config, 'f').trackRules ?? [], bareScope(env));
  assert.ok(Array.isArray(track), JSON.stringify(track));
  const count = (name: string, table: string): StickFetch => {
    const f = stickFetch(name)?.compile([table], { proxyName: 'f', tableIndex: (n) => tables.indexOf(n) });
    assert.equal(typeof f, 'function');
    return f as StickFetch;
  };

  const request = (path: string, user: string): number[] => {
    const ctx = testContext({ request: `GET ${path} HTTP/1.1\r\nHost: x\r\nX-User: ${user}\r\n\r\n`, src: '10.0.0.5' });
    const counters = new StickCounters(tables);
    ctx.stickTables = tables;
    ctx.stickCounters = counters;
    const outcomes = track.map((r) => r.run(ctx, counters, tables));
    counters.endStream();
    return outcomes;
  };
  // sc0 by src (the second sc0 rule is skipped: the first track-sc0 wins), sc1 by user only under /api.
  assert.deepEqual(request('/api/x', 'bob'), [RuleOutcome.DONE, RuleOutcome.SKIPPED, RuleOutcome.DONE]);
  assert.deepEqual(request('/home', 'bob'), [RuleOutcome.DONE, RuleOutcome.SKIPPED, RuleOutcome.SKIPPED]);
  const facts = { stickCounters: undefined, stickTables: tables, srcFamily: 4 as const, src: Uint8Array.from([10, 0, 0, 5]) };
  assert.equal(count('src_http_req_cnt', 'st')(facts, 0), 2);
  assert.equal(count('table_cnt', 'users')(facts, 0), 1);
  assert.equal(count('src_http_req_cnt', 'users')(facts, 0), 0, "the address's text is not a key there");
  assert.notEqual(count('src_http_req_cnt', 'st')(facts, 0), NO_SAMPLE);

  const be = backendNamed(config, 'b');
  const stick = compileStickRules(be.stickRules ?? [], bareScope({ ...env, proxyName: 'b', frontend: -1, backend: 2 }));
  assert.ok(!('error' in stick));
  const ctx = testContext({ request: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', src: '10.0.0.9' });
  const up = (): boolean => true;
  assert.equal(stick.match(ctx, tables, 3, up), -1, 'nothing stored yet: balance as usual');
  const pending = new PendingStores(tables);
  stick.collectStores(ctx, tables, pending);
  pending.commit(2);
  assert.equal(stick.match(ctx, tables, 3, up), 2, 'the client sticks to the server that served it');
  assert.equal(stick.match(ctx, tables, 3, (s) => s !== 2), -1, 'a server that cannot take it is not used');
});
