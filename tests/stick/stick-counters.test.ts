// The functions a session calls for its tracked counters (core/stick/stick-counters.ts) and the sc_*/src_*/table_*
// fetches compiled over them (core/stick/stick-fetches.ts), with HAProxy 2.6's semantics: the first track-scN wins,
// content trackers end with the stream and session ones with the connection, an untracked counter gives no sample,
// an absent entry reads 0, an unstored data type gives no sample, inc/clr create the entry.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StickCounters, TrackLevel } from '../../core/stick/stick-counters.js';
import { NO_SAMPLE, STICK_FETCH_NAMES, stickFetch, type StickFetch, type StickFetchFacts } from '../../core/stick/stick-fetches.js';
import { setAddressKey } from '../../core/stick/stick-key.js';
import type { StickTables } from '../../core/stick/stick-tables.js';
import { stickBuffer, stores, tableSpec } from '../support/stick-state.js';

const SPECS = [
  tableSpec('fe', { expire: 60_000, store: stores('conn_cur', 'conn_cnt', 'conn_rate(10000)', 'http_req_cnt', 'http_req_rate(10000)', 'http_err_cnt', 'gpc0', 'gpc0_rate(10000)') }),
  tableSpec('other', { store: stores('http_req_cnt', 'gpc(2)') }),
];

/** The facts a session fills, and the tick of the evaluation. */
type Facts = StickFetchFacts & { readonly now: number };

function setup(): { tables: StickTables; fetch: (name: string, ...args: string[]) => (f: Facts) => number } {
  const buf = stickBuffer(SPECS, 2);
  const tables = buf.view(0);
  const scope = { proxyName: 'fe', tableIndex: (n: string) => tables.indexOf(n) };
  const fetch = (name: string, ...args: string[]): ((f: Facts) => number) => {
    const def = stickFetch(name);
    assert.ok(def !== undefined, name);
    const compiled = def.compile(args, scope);
    assert.equal(typeof compiled, 'function', `${name}(${args.join(',')}): ${JSON.stringify(compiled)}`);
    return (f) => (compiled as StickFetch)(f, f.now);
  };
  return { tables, fetch };
}

function facts(tables: StickTables, counters: StickCounters | undefined, address: string, now: number): Facts {
  return { stickCounters: counters, stickTables: tables, srcFamily: 4, src: Uint8Array.from(address.split('.').map(Number)), now };
}

function keyOf(tables: StickTables, table: number, address: string): void {
  setAddressKey(tables.store(table), Uint8Array.from(address.split('.').map(Number)), 0, 4);
}

test('a session tracker counts the connection (conn_cnt, conn_rate, conn_cur) and ends with the session', () => {
  const { tables, fetch } = setup();
  const one = new StickCounters(tables);
  const two = new StickCounters(tables);
  keyOf(tables, 0, '10.1.1.1');
  assert.equal(one.track(0, 0, TrackLevel.SESSION, 1000), true);
  keyOf(tables, 0, '10.1.1.1');
  assert.equal(two.track(0, 0, TrackLevel.SESSION, 1000), true);
  const f = facts(tables, one, '10.1.1.1', 1000);
  assert.equal(fetch('sc0_conn_cur')(f), 2);
  assert.equal(fetch('sc_conn_cnt', '0')(f), 2);
  assert.equal(fetch('sc_conn_rate', '0')(f), 2);
  assert.equal(fetch('src_conn_cur')(f), 2);
  two.endSession(1000);
  assert.equal(fetch('sc0_conn_cur')(f), 1);
  assert.equal(fetch('sc_trackers', '0')(f), 1);
});

test('the first track-scN wins; http-request tracking counts the request at once and ends with the stream', () => {
  const { tables, fetch } = setup();
  const c = new StickCounters(tables);
  keyOf(tables, 0, '10.1.1.2');
  assert.equal(c.trackHttpRequest(0, 0, 5000), true);
  keyOf(tables, 0, '10.9.9.9');
  assert.equal(c.trackHttpRequest(0, 0, 5000), false, 'sc0 already tracks');
  const f = facts(tables, c, '10.1.1.2', 5000);
  assert.equal(fetch('sc0_http_req_cnt')(f), 1);
  assert.equal(fetch('sc_http_req_rate', '0')(f), 1);
  assert.equal(fetch('sc_tracked', '0')(f), 1);
  assert.equal(fetch('sc_tracked', '1')(f), 0);
  assert.equal(fetch('sc1_http_req_rate')(f), NO_SAMPLE, 'an untracked counter has no sample');
  c.endStream(5000);
  assert.equal(fetch('sc_tracked', '0')(f), 0);
  assert.equal(fetch('src_http_req_cnt')(f), 1, 'the entry stays, only the tracking ended');
  assert.equal(fetch('src_conn_cur')(f), 0);
  keyOf(tables, 0, '10.9.9.9');
  assert.equal(tables.store(0).lookup(5000), -1, 'the refused second rule created nothing');
});

test('a connection tracker counts each new request and each error; a content tracker of the same counter is skipped', () => {
  const { tables, fetch } = setup();
  const c = new StickCounters(tables);
  keyOf(tables, 0, '10.1.1.3');
  c.track(2, 0, TrackLevel.SESSION, 0);
  for (let i = 0; i < 3; i++) {
    c.countHttpRequest(i);
    keyOf(tables, 0, '10.1.1.3');
    assert.equal(c.trackHttpRequest(2, 0, i), false);
    c.endStream(i);
  }
  c.countHttpError(3);
  const f = facts(tables, c, '10.1.1.3', 3);
  assert.equal(fetch('sc2_http_req_cnt')(f), 3);
  assert.equal(fetch('sc2_http_err_cnt')(f), 1);
  assert.equal(fetch('sc2_conn_cur')(f), 1, 'the connection still tracks');
});

test('sc_inc_gpc0 / src_inc_gpc0 increment (creating the entry), src_clr_gpc0 returns the old value, gpc arrays', () => {
  const { tables, fetch } = setup();
  const f = facts(tables, undefined, '10.2.2.2', 100);
  assert.equal(fetch('src_get_gpc0')(f), 0, 'absent entry reads 0');
  assert.equal(fetch('src_inc_gpc0')(f), 1);
  assert.equal(fetch('src_inc_gpc0')(f), 2);
  assert.equal(fetch('src_gpc0_rate')(f), 2);
  assert.equal(fetch('src_clr_gpc0')(f), 2);
  assert.equal(fetch('src_get_gpc0')(f), 0);
  assert.equal(fetch('src_inc_gpc', '1', 'other')(f), 1, 'gpc(2) element 1');
  assert.equal(fetch('src_get_gpc1', 'other')(f), 1, 'gpc1 reads gpc element 1');
  assert.equal(fetch('src_get_gpc', '5', 'other')(f), NO_SAMPLE, 'past the array');
  assert.equal(fetch('src_get_gpt0')(f), NO_SAMPLE, 'gpt0 is not stored');
  assert.equal(fetch('src_http_err_rate')(f), NO_SAMPLE, 'http_err_rate is not stored');
  assert.equal(fetch('table_cnt')(f), 1);
  assert.equal(fetch('table_cnt', 'other')(f), 1);
  assert.equal(fetch('table_avl')(f), 1023);
});

test('sc_*(N, table) reads the tracked key in another table; absent there it reads 0', () => {
  const { tables, fetch } = setup();
  const c = new StickCounters(tables);
  keyOf(tables, 0, '10.3.3.3');
  c.trackHttpRequest(0, 0, 0);
  const f = facts(tables, c, '10.3.3.3', 0);
  assert.equal(fetch('sc_http_req_cnt', '0', 'other')(f), 0);
  keyOf(tables, 1, '10.3.3.3');
  c.track(1, 1, TrackLevel.CONTENT, 0);
  c.countHttpRequest(0);
  assert.equal(fetch('sc_http_req_cnt', '0', 'other')(f), 1);
  assert.equal(fetch('sc0_http_req_cnt', 'other')(f), 1);
});

test('fetch arguments resolve at compile time: unknown tables, the proxy table of src_*, bad counters', () => {
  const { tables } = setup();
  const scope = (proxyName: string) => ({ proxyName, tableIndex: (n: string) => tables.indexOf(n) });
  assert.deepEqual(stickFetch('sc_http_req_rate')?.compile(['0', 'nope'], scope('fe')), { kind: 'unknown-table', table: 'nope', arg: 2 });
  assert.deepEqual(stickFetch('src_http_req_rate')?.compile([], scope('f2')), { kind: 'unknown-table', table: 'f2', arg: 1 });
  assert.equal(typeof stickFetch('sc_http_req_rate')?.compile(['0'], scope('f2')), 'function', 'sc_* need no table of their own');
  assert.equal(stickFetch('sc_get_gpc')?.compile(['100', '0'], scope('fe'))?.constructor, Object);
  assert.equal(stickFetch('sc3_conn_cur'), undefined);
  assert.equal(stickFetch('src_tracked'), undefined);
  assert.ok(STICK_FETCH_NAMES.includes('sc0_http_req_rate') && STICK_FETCH_NAMES.includes('src_updt_conn_cnt'));
});

test('a client without an address (UNIX socket) has no src_* sample', () => {
  const { tables, fetch } = setup();
  const f: Facts = { ...facts(tables, undefined, '0.0.0.0', 0), srcFamily: 0 };
  assert.equal(fetch('src_conn_cnt')(f), NO_SAMPLE);
  assert.equal(fetch('src_updt_conn_cnt')(f), NO_SAMPLE);
});
