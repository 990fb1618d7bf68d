// The stats page's pure parts: status words as HAProxy 2.6 writes them, the CSV cell encoding and header, the URI
// suffixes and the admin form's body, the `;st=` code of an admin request's outcomes. Test-runner thread.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { adminStatusCode } from '../../core/health/server-admin.js';
import { ServerState } from '../../core/shared/layout.js';
import { CSV_HEADER, csvCell, csvLine } from '../../core/stats/csv.js';
import { MODULE_COLUMNS, STAT_COLUMNS } from '../../core/stats/stat-columns.js';
import { parseAdminPost, parseStatsQuery } from '../../core/stats/stats-request.js';
import { AdminFlag, backendStatus, serverStatus } from '../../core/stats/status-text.js';

const RF = { rise: 2, fall: 3, check: true };

describe('status words (measured on haproxy 2.6.12)', () => {
  test('UP, going down, DOWN, going up, no check', () => {
    assert.equal(serverStatus({ ...RF, state: ServerState.UP, admin: 0, health: 4 }), 'UP');
    assert.equal(serverStatus({ ...RF, state: ServerState.UP, admin: 0, health: 2 }), 'UP 1/3');
    assert.equal(serverStatus({ ...RF, state: ServerState.UP, admin: 0, health: 3 }), 'UP 2/3');
    assert.equal(serverStatus({ ...RF, state: ServerState.DOWN, admin: 0, health: 0 }), 'DOWN');
    assert.equal(serverStatus({ ...RF, state: ServerState.DOWN, admin: 0, health: 1 }), 'DOWN 1/2');
    assert.equal(serverStatus({ ...RF, check: false, state: ServerState.UP, admin: 0, health: 2 }), 'no check');
  });

  test('MAINT, DRAIN (with the check count), NOLB, checks disabled by dhlth', () => {
    assert.equal(serverStatus({ ...RF, state: ServerState.MAINT, admin: AdminFlag.MAINT, health: 2 }), 'MAINT');
    assert.equal(serverStatus({ ...RF, state: ServerState.UP, admin: AdminFlag.DRAIN, health: 2 }), 'DRAIN 1/3');
    assert.equal(serverStatus({ ...RF, state: ServerState.UP, admin: AdminFlag.DRAIN, health: 4 }), 'DRAIN');
    assert.equal(serverStatus({ ...RF, state: ServerState.UP, admin: AdminFlag.NOLB, health: 4 }), 'NOLB');
    assert.equal(serverStatus({ ...RF, state: ServerState.UP, admin: AdminFlag.NOCHECK, health: 2 }), 'no check');
  });

  test('a backend is UP with a usable server or with no server at all (a stats listen), else DOWN', () => {
    assert.equal(backendStatus(0, 0), 'UP');
    assert.equal(backendStatus(4, 1), 'UP');
    assert.equal(backendStatus(4, 0), 'DOWN');
  });
});

describe(';csv', () => {
  test('the header is 2.6.12\'s line: generic columns, `-`, module columns, a trailing comma', () => {
    assert.ok(CSV_HEADER.startsWith('# pxname,svname,qcur,qmax,'));
    assert.ok(CSV_HEADER.includes(',agg_check_status,-,ssl_sess,'));
    assert.ok(CSV_HEADER.endsWith(',h1_spliced_bytes_out,\n'));
  });

  test('cells: empty, numbers, bigints, and texts quoted as csv_enc does', () => {
    assert.equal(csvCell(undefined), '');
    assert.equal(csvCell(0), '0');
    assert.equal(csvCell(12345678901234n), '12345678901234');
    assert.equal(csvCell('Layer4 check passed'), 'Layer4 check passed');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell(' x'), '" x"');
  });

  test('a line has the `-` cell between the columns and the modules, and ends with a comma', () => {
    const values = STAT_COLUMNS.map(() => undefined);
    const line = csvLine({ values, modules: MODULE_COLUMNS.map(() => 0) });
    assert.equal(line, `${','.repeat(STAT_COLUMNS.length)}-,${MODULE_COLUMNS.map(() => '0').join(',')},\n`);
  });
});

describe('stats URI suffixes and the admin POST', () => {
  test(';csv, ;json, ;json-schema, ;up, ;norefresh, ;st= and scope= after the uri prefix', () => {
    assert.deepEqual(parseStatsQuery('/s;csv;up', '/s'), { format: 'csv', hideDown: true, noRefresh: false, status: '', scope: '' });
    assert.equal(parseStatsQuery('/s;json-schema', '/s').format, 'json-schema');
    assert.equal(parseStatsQuery('/s;json', '/s').format, 'json');
    assert.deepEqual(parseStatsQuery('/s;norefresh;st=DONE', '/s'), { format: 'html', hideDown: false, noRefresh: true, status: 'DONE', scope: '' });
    assert.equal(parseStatsQuery('/s?scope=ddb%5F', '/s').scope, 'ddb_');
  });

  test('s, action and b fields; missing ones are NONE, an unknown action is ERRP', () => {
    assert.deepEqual(parseAdminPost('s=node1&s=node%202&action=drain&b=ddb_backend'), { kind: 'ok', backend: 'ddb_backend', action: 'drain', servers: ['node1', 'node 2'] });
    assert.deepEqual(parseAdminPost('garbage'), { kind: 'none' });
    assert.deepEqual(parseAdminPost('action=ready&b=x'), { kind: 'none' });
    assert.deepEqual(parseAdminPost('s=a&action=explode&b=x'), { kind: 'bad-action' });
    assert.deepEqual(parseAdminPost('s=%ZZ&action=maint&b=x'), { kind: 'ok', backend: 'x', action: 'maint', servers: ['%ZZ'] });
  });

  test(';st= codes as 2.6.12 answers: DONE, PART, ERRP, NONE', () => {
    assert.equal(adminStatusCode(['done', 'done']), 'DONE');
    assert.equal(adminStatusCode(['done', 'error']), 'PART');
    assert.equal(adminStatusCode(['error']), 'ERRP');
    assert.equal(adminStatusCode(['none']), 'NONE');
  });
});

describe('counters on a shared buffer', () => {
  test('qtime/ctime/rtime/ttime: the first samples average exactly, later ones slide; maxima kept', async () => {
    const { SharedState } = await import('../../core/shared/state-buffer.js');
    const { addTimeSample, readTimeAverage, TIME_WINDOW } = await import('../../core/shared/stat-counters.js');
    const s = SharedState.allocate({ servers: 1, backends: 1, frontends: 1, threads: 1 }).server(0);
    assert.equal(readTimeAverage(s, 'rtimeSum', 'timeSamples'), 0);
    addTimeSample(s, 0, 2, 10, 20);
    assert.equal(readTimeAverage(s, 'rtimeSum', 'timeSamples'), 10);
    for (let i = 0; i < 4 * TIME_WINDOW; i++) addTimeSample(s, 1, 2, 30, 40);
    // A window of 30 ms samples: the old 10 has long slid out.
    assert.ok(Math.abs(readTimeAverage(s, 'rtimeSum', 'timeSamples') - 30) <= 1);
    assert.deepEqual([s.load('qtimeMax'), s.load('rtimeMax'), s.load('ttimeMax')], [1, 30, 40]);
    addTimeSample(s, -5, -1, 99_999_999, 0);
    assert.equal(s.load('rtimeMax'), 8_000_000);
  });

  test('hrsp classes and the 1 s rate with its maximum', async () => {
    const { SharedState } = await import('../../core/shared/state-buffer.js');
    const { countAnswer, countRate, hrspField, readRate } = await import('../../core/shared/stat-counters.js');
    assert.deepEqual([100, 204, 302, 404, 503, 99, 600, 0].map(hrspField), ['hrsp1xx', 'hrsp2xx', 'hrsp3xx', 'hrsp4xx', 'hrsp5xx', 'hrspOther', 'hrspOther', 'hrspOther']);
    const f = SharedState.allocate({ servers: 1, backends: 1, frontends: 1, threads: 1 }).frontend(0);
    countAnswer(f, 200);
    countAnswer(f, 201);
    assert.equal(f.load('hrsp2xx'), 2);
    const t0 = 1_000_000;
    for (let i = 0; i < 5; i++) countRate(f, 'reqRatetick', 'reqRateMax', t0 + i);
    assert.equal(readRate(f, 'reqRatetick', t0 + 10), 5);
    assert.equal(f.load('reqRateMax'), 5);
    // Two periods later nothing remains, the maximum stays.
    assert.equal(readRate(f, 'reqRatetick', t0 + 2500), 0);
    assert.equal(f.load('reqRateMax'), 5);
  });
});
