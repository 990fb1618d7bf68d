// stick-table, track-sc* and stick lines become the typed model (config/model.ts StickTableConfig, TrackRule,
// StickRule) every thread lays its tables out from: tables in config order with their types, sizes and stores, rules
// pointing at them by index and placed on the side that runs them, their order among their stage's other rules,
// inheritance from named defaults, and orcalb's own limit on a table's preallocated memory. What stays unimplemented
// in sessions is still warned or refused by config/not-implemented.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { topologyOf } from '../../core/shared/topology.js';
import { backendNamed, frontendNamed, load, rendered, validConfig } from '../support/config-load.js';

const H = '  mode http\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s';

test('tables, track rules and stick rules land in the model with table indexes, in their stage order', async () => {
  const config = validConfig(
    await load(
      [
        'defaults web',
        H,
        '  http-request track-sc2 src table st',
        'frontend f from web',
        '  bind 127.0.0.1:18000',
        '  http-request set-header X-A 1',
        '  http-request track-sc0 src,ipmask(24) table st if TRUE',
        '  http-request track-sc1 req.hdr(x-user) table users',
        '  default_backend b',
        'defaults plain',
        H,
        'backend st from plain',
        H,
        '  stick-table type ip size 100k expire 30s store http_req_rate(10s),conn_cur,gpc(2) store gpc_rate(2,1m)',
        'backend users from plain',
        H,
        '  stick-table type string len 40 size 1k nopurge',
        'backend b from plain',
        H,
        '  stick-table type ipv6 size 10 expire 30m srvkey addr',
        '  stick on src',
        '  stick store-request req.hdr(x-sid) table users',
        '  server s 127.0.0.1:18001',
        '',
      ].join('\n'),
    ),
  );
  assert.deepEqual(
    config.stickTables?.map((t) => [t.name, t.keyType, t.keyLen, t.size, t.expire, t.nopurge, t.srvkey]),
    [
      ['st', 'ip', 4, 102400, 30000, false, 'name'],
      ['users', 'string', 40, 1024, 0, true, 'name'],
      ['b', 'ipv6', 16, 10, 1_800_000, false, 'addr'],
    ],
  );
  assert.deepEqual(config.stickTables?.[0]?.store, [
    { type: 'http_req_rate', count: 1, period: 10000 },
    { type: 'conn_cur', count: 1, period: 0 },
    { type: 'gpc', count: 2, period: 0 },
    { type: 'gpc_rate', count: 2, period: 60000 },
  ]);
  const fe = frontendNamed(config, 'f');
  // Defaults' rule first (order 0), then the frontend's, counted among all its http-request rules.
  assert.deepEqual(
    fe.trackRules?.map((r) => [r.stage, r.order, r.counter, r.key.text, r.table, r.condition?.text]),
    [
      ['http-request', 0, 2, 'src', 0, undefined],
      ['http-request', 2, 0, 'src,ipmask(24)', 0, 'TRUE'],
      ['http-request', 3, 1, 'req.hdr(x-user)', 1, undefined],
    ],
  );
  assert.deepEqual(fe.trackRules?.[1]?.key.converters, [{ name: 'ipmask', args: [{ kind: 'mask', prefix: 24 }] }]);
  assert.deepEqual(
    backendNamed(config, 'b').stickRules?.map((r) => [r.kind, r.key.fetch.name, r.table]),
    [
      ['match', 'src', 2],
      ['store-request', 'src', 2],
      ['store-request', 'req.hdr', 1],
    ],
  );
  // Every thread lays the three tables out from this model.
  const topo = topologyOf(config, 4);
  assert.equal(topo.stick.tables.length, 3);
  assert.equal(topo.counts.stickWords, topo.stick.words);
});

test("a listen section's tcp-request rules go to its frontend half, its http-request rules to its backend half", async () => {
  const config = validConfig(
    await load(`listen l\n  bind 127.0.0.1:18000\n${H}\n  stick-table type ip size 10\n  http-request track-sc0 src\n  server s 127.0.0.1:1\n`),
  );
  assert.equal(frontendNamed(config, 'l').trackRules, undefined);
  assert.deepEqual(backendNamed(config, 'l').trackRules?.map((r) => r.stage), ['http-request']);
});

test('HTTP sessions run tables, tracking and stick rules; TCP stick rules stay warned; tcp-request tracking runs', async () => {
  const http = await load(`backend b\n${H}\n  mode http\n  stick-table type ip size 10\n  stick on src\n  http-request track-sc0 src\n`);
  assert.deepEqual(rendered(http).errors, []);
  assert.deepEqual(http.warnings.map((w) => w.message).filter((m) => m.includes('not implemented')), []);
  const tcp = await load(`backend b\n${H}\n  mode tcp\n  stick-table type ip size 10\n  stick on src\n`);
  assert.deepEqual(rendered(tcp).errors, []);
  assert.deepEqual(tcp.warnings.map((w) => w.message).filter((m) => m.includes('not implemented')), [
    "'stick in mode tcp' is not implemented yet by orcalb; the rule is ignored",
  ]);
  // TCP sessions run tcp-request tracking, HTTP sessions an HTTP backend's content rules per request (issue 11).
  const tracked = await load(`frontend f\n  bind 127.0.0.1:18000\n${H}\n  mode tcp\n  stick-table type ip size 10\n  tcp-request connection track-sc0 src\n`);
  assert.deepEqual(rendered(tracked).errors, []);
  const backendSide = await load(`backend b\n${H}\n  stick-table type ip size 10\n  tcp-request content track-sc0 src\n`);
  assert.deepEqual(rendered(backendSide).errors, []);
  const tcpBackend = await load(`backend b\n${H}\n  mode tcp\n  stick-table type ip size 10\n  tcp-request content track-sc0 src\n`);
  assert.deepEqual(rendered(tcpBackend).errors, []);
});

test('a table too large to preallocate in shared memory is refused with its size, where haproxy allocates lazily', async () => {
  const result = await load(`backend b\n${H}\n  stick-table type string len 4096 size 1m\n`);
  assert.match(rendered(result).errors.join('\n'), /stick-table: orcalb reserves every entry .* 1048576 entries of 4096 bytes need \d+ MB/);
  validConfig(await load(`backend b\n${H}\n  stick-table type ip size 10m store http_req_rate(10s)\n`));
});
