// orcalb's Prometheus renderer on snapshots built in memory: orcalb's own families (orcalb_dolphindb_node_*,
// orcalb_thread_*) and their units, the query parser's rules, and the format holding under hostile input (names with
// quotes, backslashes and newlines; odd cells; random snapshots; 100 proxies × 20 servers). What haproxy 2.6.12 does
// is held in prometheus-vs-haproxy.test.ts. Test-runner thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOAD_SCORE } from '../../core/dolphindb/load-score.js';
import {
  PROM_SCOPE_ALL, PROMETHEUS_QUERY_ALL, PromScope, parsePrometheusQuery, prometheusChunks, renderPrometheus, type OrcalbMetrics,
} from '../../core/stats/prometheus.js';
import { COL, StatType, type StatColumn, type StatRow, type StatSnapshot, type StatValue } from '../../core/stats/stat-columns.js';
import { prng } from '../support/prng.js';
import { parseExposition, sampleKey, type PromFamily } from '../support/prometheus-exposition.js';
import { infoRowOf, statRowOf, syntheticSnapshot } from '../support/stat-snapshots.js';

/** A row of proxy `px`, service `sv`, object `type` (mode http) with `cells`. */
const rowOf = (px: string, sv: string, type: number, cells: Partial<Record<StatColumn, StatValue>> = {}): StatRow =>
  statRowOf(px, sv, type, cells);
const INFO_2612 = (): StatValue[] => infoRowOf({ Version: '2.6.12-1+deb12u4', 'Build info': '2.6.12-1+deb12u4', Nbthread: 2 });

/** syntheticSnapshot with every 11th server of each proxy (node10) in maintenance. */
function withMaint(snap: StatSnapshot): StatSnapshot {
  const maint = (r: StatRow): StatRow => ({ values: r.values.map((v, i) => (i === COL.status ? 'MAINT' : v)), modules: r.modules });
  return { info: snap.info, rows: snap.rows.map((r) => (r.values[COL.svname] === 'node10' ? maint(r) : r)) };
}

const family = (fs: PromFamily[], name: string): PromFamily | undefined => fs.find((f) => f.name === name);
const valueOf = (fs: PromFamily[], name: string, labels: Record<string, string>): string | undefined =>
  family(fs, name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels.get(k) === v))?.raw;

const EXTRA: OrcalbMetrics = {
  dolphindbNodes: [
    { proxy: 'ddb', server: 'n1', loadScore: LOAD_SCORE.noReading },
    { proxy: 'ddb', server: 'n2', loadScore: LOAD_SCORE.failed, placedSinceReading: 3 },
    {
      proxy: 'ddb', server: 'n3', loadScore: 412, placedSinceReading: 0, perfTimeSec: 1796312106,
      perf: new Map([
        ['cpuUsage', 37.5], ['memoryUsed', 1048576], ['maxMemSize', 8], ['medLast10QueryTime', 2_500_000],
        ['connectionNum', 12], ['lastMsgLatency', -9.223372036854776e18], ['someNewKey', 1],
      ]),
    },
  ],
  threads: [
    { thread: 0, currentConnections: 5, connectionsTotal: 1200, cpuUserSeconds: 1.25, cpuSystemSeconds: 0.5 },
    { thread: 1, currentConnections: 0, connectionsTotal: 7 },
  ],
};

test('orcalb_dolphindb_node_*: the load score as a ratio, NaN before a reading, a failed reading flagged, getPerf figures in base units', () => {
  const fs = parseExposition(renderPrometheus({ info: [], rows: [] }, PROMETHEUS_QUERY_ALL, EXTRA));
  const score = (server: string): string | undefined => valueOf(fs, 'orcalb_dolphindb_node_load_score', { server });
  assert.equal(score('n1'), 'NaN');
  assert.equal(score('n2'), '3');
  assert.equal(score('n3'), '0.412');
  assert.equal(valueOf(fs, 'orcalb_dolphindb_node_reading_failed', { server: 'n2' }), '1');
  assert.equal(valueOf(fs, 'orcalb_dolphindb_node_reading_failed', { server: 'n3' }), '0');
  assert.equal(valueOf(fs, 'orcalb_dolphindb_node_placed_since_reading', { server: 'n2' }), '3');
  assert.equal(valueOf(fs, 'orcalb_dolphindb_node_cpu_usage_percent', { server: 'n3' }), '37.5');
  assert.equal(valueOf(fs, 'orcalb_dolphindb_node_memory_used_bytes', { server: 'n3' }), '1048576');
  assert.equal(valueOf(fs, 'orcalb_dolphindb_node_memory_limit_bytes', { server: 'n3' }), String(8 * 1024 ** 3));
  assert.equal(valueOf(fs, 'orcalb_dolphindb_node_query_time_median_last10_seconds', { server: 'n3' }), '0.0025');
  assert.equal(valueOf(fs, 'orcalb_dolphindb_node_last_reading_timestamp_seconds', { server: 'n3' }), '1796312106');
  // DolphinDB's NULL latency (a huge negative number) is no figure; nodes without a reading have no figure lines.
  assert.equal(family(fs, 'orcalb_dolphindb_node_last_message_latency_seconds'), undefined);
  assert.deepEqual(family(fs, 'orcalb_dolphindb_node_connections')?.samples.map((s) => s.labels.get('server')), ['n3']);
  for (const f of fs.filter((x) => x.name.startsWith('orcalb_'))) {
    assert.ok(f.help.length > 20, `${f.name} has a HELP line that says what it is`);
    assert.equal(f.type, f.name.endsWith('_total') ? 'counter' : 'gauge', `${f.name}: counters end in _total`);
  }
});

test('orcalb_thread_*: connections per forwarder, CPU seconds by mode only where known', () => {
  const fs = parseExposition(renderPrometheus({ info: [], rows: [] }, PROMETHEUS_QUERY_ALL, EXTRA));
  assert.equal(valueOf(fs, 'orcalb_thread_current_connections', { thread: '0' }), '5');
  assert.equal(valueOf(fs, 'orcalb_thread_connections_total', { thread: '1' }), '7');
  assert.deepEqual(family(fs, 'orcalb_thread_cpu_seconds_total')?.samples.map(sampleKey), [
    'orcalb_thread_cpu_seconds_total{thread=0,mode=user}', 'orcalb_thread_cpu_seconds_total{thread=0,mode=system}',
  ]);
});

test('scopes: orcalb families come with every scope or scope=orcalb, never with a HAProxy scope alone', () => {
  const snap = syntheticSnapshot(2, 3);
  const names = (query: string): string[] => {
    const q = parsePrometheusQuery(query);
    assert.ok(q !== undefined);
    return [...new Set(parseExposition(renderPrometheus(snap, q, EXTRA)).map((f) => f.name.split('_').slice(0, 2).join('_')))];
  };
  assert.deepEqual(names(''), ['haproxy_process', 'haproxy_frontend', 'haproxy_backend', 'haproxy_server', 'orcalb_dolphindb', 'orcalb_thread']);
  assert.deepEqual(names('?scope=orcalb'), ['orcalb_dolphindb', 'orcalb_thread']);
  assert.deepEqual(names('?scope=server&scope=global'), ['haproxy_process', 'haproxy_server']);
  assert.deepEqual(names('?scope=*&scope='), []);
});

test('parsePrometheusQuery reads the query string as 2.6 does', () => {
  const cases: Array<[string, number | undefined, boolean?]> = [
    ['', PROM_SCOPE_ALL], ['/metrics', PROM_SCOPE_ALL], ['/metrics?', PROM_SCOPE_ALL], ['?scope=server', PromScope.SERVER],
    ['?scope=server&scope=backend', PromScope.SERVER | PromScope.BACKEND], ['?scope=*&scope=', 0],
    ['?scope=&scope=global', PromScope.GLOBAL], ['?scope=*x', PROM_SCOPE_ALL], ['?no-maint', PROM_SCOPE_ALL, true],
    ['?no-maint=1&scope=server', PromScope.SERVER, true], ['?x=%41&scope=%73erver', PromScope.SERVER],
    ['?&&scope=listener&', PromScope.LISTENER], ['?scope=sticktable#scope=bogus', PromScope.STICKTABLE],
    ['?scope=bogus', undefined], ['?scope', undefined], ['?scope=a=b', undefined], ['?x=%g1', undefined],
    ['?scope=SERVER', undefined], ['?%', undefined], [`?${'a'.repeat(20_000)}`, undefined],
  ];
  for (const [query, scopes, noMaint = false] of cases) {
    const q = parsePrometheusQuery(query);
    if (scopes === undefined) assert.equal(q, undefined, query.slice(0, 40));
    else assert.deepEqual(q, { scopes, noMaint }, query);
  }
});

test('hostile names: quotes, backslashes and newlines in proxy, server and node names stay valid and round-trip', () => {
  const px = 'a"b\\c\nd';
  const sv = '"}\n# TYPE x counter\nx 1';
  const snap = {
    info: INFO_2612(),
    rows: [
      rowOf(px, 'FRONTEND', StatType.FRONTEND, { status: 'OPEN' }),
      rowOf(px, sv, StatType.SERVER, { status: 'UP', check_status: 'L4OK' }),
      rowOf(px, 'BACKEND', StatType.BACKEND, { status: 'UP' }),
    ],
  };
  const extra: OrcalbMetrics = { dolphindbNodes: [{ proxy: px, server: sv, loadScore: 0 }], threads: [], stickTables: [{ name: px, type: 'string', size: 1, used: 0 }] };
  const fs = parseExposition(renderPrometheus(snap, PROMETHEUS_QUERY_ALL, extra));
  assert.equal(family(fs, 'x'), undefined, 'no injected family');
  assert.equal(valueOf(fs, 'haproxy_server_status', { proxy: px, server: sv, state: 'UP' }), '1');
  assert.equal(valueOf(fs, 'haproxy_sticktable_size', { name: px }), '1');
  assert.equal(valueOf(fs, 'orcalb_dolphindb_node_load_score', { proxy: px, server: sv }), '0');
});

test('odd cells render valid samples: strings and empty cells NaN, bigints whole, infinities as ±Inf', () => {
  const cells: Partial<Record<StatColumn, StatValue>> = {
    stot: 'twelve', bin: 2n ** 64n - 1n, bout: Infinity, scur: -Infinity, smax: NaN, slim: undefined, qtime: 'x', ctime: 1.5,
  };
  const snap = { info: ['x', 1n, Infinity], rows: [rowOf('p', 's', StatType.SERVER, cells), rowOf('p', 'BACKEND', StatType.BACKEND)] };
  const fs = parseExposition(renderPrometheus(snap, PROMETHEUS_QUERY_ALL));
  const sv = { proxy: 'p', server: 's' };
  assert.equal(valueOf(fs, 'haproxy_server_sessions_total', sv), 'NaN');
  assert.equal(valueOf(fs, 'haproxy_server_bytes_in_total', sv), '18446744073709551615');
  assert.equal(valueOf(fs, 'haproxy_server_bytes_out_total', sv), '+Inf');
  assert.equal(valueOf(fs, 'haproxy_server_current_sessions', sv), '-Inf');
  assert.equal(valueOf(fs, 'haproxy_server_max_sessions', sv), 'NaN');
  assert.equal(valueOf(fs, 'haproxy_server_limit_sessions', sv), 'NaN');
  assert.equal(valueOf(fs, 'haproxy_server_queue_time_average_seconds', sv), 'NaN');
  assert.equal(valueOf(fs, 'haproxy_server_connect_time_average_seconds', sv), '0.001500');
  // No check running (empty check_status): no check_status/check_code lines, as 2.6.
  assert.equal(family(fs, 'haproxy_server_check_status'), undefined);
  assert.equal(family(fs, 'haproxy_server_check_code'), undefined);
});

test('random snapshots (seeded): the answer is always valid exposition with unique samples', () => {
  const rnd = prng(12);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const cellValues: StatValue[] = [undefined, 0, 1, -1, 2 ** 53, 3n, 'UP', 'MAINT (via a/b)', '* L7OK', 'NOLB 1/2', '', 'http', 'tcp', 0.25, NaN];
  for (let round = 0; round < 200; round++) {
    const rows = [];
    const proxies = 1 + Math.floor(rnd() * 4);
    for (let p = 0; p < proxies; p++) {
      for (const [sv, type] of [['FRONTEND', 0], ['l', 3], ['s1', 2], ['s2', 2], ['BACKEND', 1]] as const) {
        if (rnd() < 0.3) continue;
        const cells: Partial<Record<StatColumn, StatValue>> = {};
        for (const c of ['status', 'check_status', 'check_code', 'check_duration', 'mode', 'stot', 'qtime', 'hrsp_2xx'] as const) cells[c] = pick(cellValues);
        rows.push(rowOf(`p${p}`, sv, type, cells));
      }
    }
    const q = { scopes: PROM_SCOPE_ALL, noMaint: rnd() < 0.5 };
    const fs = parseExposition(renderPrometheus({ info: INFO_2612(), rows }, q, EXTRA));
    assert.ok(fs.length > 0);
  }
});

test('100 proxies × 20 servers: every server of every proxy in every server family, once', () => {
  const fs = parseExposition(renderPrometheus(withMaint(syntheticSnapshot(100, 20)), PROMETHEUS_QUERY_ALL));
  const status = family(fs, 'haproxy_server_status') as PromFamily;
  assert.equal(status.samples.length, 100 * 20 * 5);
  assert.equal(status.samples.filter((s) => s.value === 1).length, 2000);
  assert.equal(family(fs, 'haproxy_server_sessions_total')?.samples.length, 2000);
  const noMaint = parseExposition(renderPrometheus(withMaint(syntheticSnapshot(100, 20)), { scopes: PROM_SCOPE_ALL, noMaint: true }));
  // node10 of every proxy is MAINT: gone from every server family, still counted by the backend aggregate.
  assert.equal(family(noMaint, 'haproxy_server_sessions_total')?.samples.length, 1900);
  assert.equal(valueOf(noMaint, 'haproxy_backend_agg_server_status', { proxy: 'px0', state: 'MAINT' }), '1');
});

test('prometheusChunks: the same text in pieces of about the chunk size, each ending at a line end', () => {
  const snap = syntheticSnapshot(100, 20);
  const whole = renderPrometheus(snap, PROMETHEUS_QUERY_ALL, EXTRA);
  const pieces = [...prometheusChunks(snap, PROMETHEUS_QUERY_ALL, EXTRA, 65536)];
  assert.equal(pieces.join(''), whole);
  assert.ok(pieces.length > whole.length / 65536 - 1, `${pieces.length} pieces`);
  for (const piece of pieces) {
    assert.ok(piece.endsWith('\n'));
    // A piece passes the size by at most one object's lines (16 check states of one server, HELP/TYPE included).
    assert.ok(piece.length < 65536 + 4096, `piece of ${piece.length} bytes`);
  }
  // A stalled scraper: nothing is rendered past the piece it has not taken yet.
  const lazy = prometheusChunks(snap, PROMETHEUS_QUERY_ALL, EXTRA, 65536);
  assert.equal(lazy.next().done, false);
  assert.equal(lazy.return(undefined).done, true);
});

test('the exposition reader refuses what the format forbids (so the validity checks above bite)', () => {
  const bad = [
    'x 1\n', // a sample without its family's TYPE
    '# TYPE x gauge\nx{a="b"c"} 1\n', // an unescaped quote
    '# TYPE x gauge\nx{a="b\\q"} 1\n', // a bad escape
    '# TYPE x gauge\nx{a="1",a="2"} 1\n', // a label twice
    '# TYPE x gauge\nx 1\nx 2\n', // a sample twice
    '# TYPE x gauge\nx one\n', // no number
    '# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\n# TYPE x gauge\n', // a family split in two
    '# TYPE x gauge\nx{1a="b"} 1\n', // a bad label name
    '# TYPE x gauge\nx 1', // no final newline
  ];
  for (const text of bad) assert.throws(() => parseExposition(text), Error, JSON.stringify(text));
  assert.equal(parseExposition('# HELP x a \\\\ b\n# TYPE x gauge\nx{a="q\\"\\n\\\\"} NaN\n')[0]?.samples[0]?.labels.get('a'), 'q"\n\\');
});
