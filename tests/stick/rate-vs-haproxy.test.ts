// orcalb's stick-table counting (core/stick/ over core/shared/) against the real haproxy 2.6 on one concrete case:
// the same requests go to haproxy (every connection tracked for its life with `tcp-request session track-sc1`, every
// request with `http-request track-sc0`, some marked with `sc-inc-gpc0`) and, as they are sent, into an
// in-process table through the functions a session calls; then haproxy's `show table` and the in-process table are
// read at the same instant, a quarter into the next rate period, where the sliding rate weighs the old period.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { stickNow } from '../../core/stick/stick-clock.js';
import { StickCounters, TrackLevel } from '../../core/stick/stick-counters.js';
import { NO_SAMPLE, stickFetch, type StickFetch, type StickFetchFacts } from '../../core/stick/stick-fetches.js';
import { setAddressKey } from '../../core/stick/stick-key.js';
import { tempConfigDir } from '../support/config-load.js';
import { RawHttpConnection, rawRequest } from '../support/http-client.js';
import { startHttpBackends } from '../support/http-backends.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { statsCommand } from '../support/haproxy-stats.js';
import { stickBuffer, stores, tableSpec } from '../support/stick-state.js';
import { delay } from '../support/wait.js';

const PERIOD = 2000;
const STORE = ['conn_cur', 'conn_cnt', 'http_req_cnt', `http_req_rate(${PERIOD})`, 'gpc0', `gpc0_rate(${PERIOD})`];
const LOCALHOST = Uint8Array.from([127, 0, 0, 1]);

/** `show table fe`'s entry for 127.0.0.1 as data type → value (`http_req_rate(2000)` → `http_req_rate`). */
function haproxyEntry(text: string): Record<string, number> {
  const line = text.split('\n').find((l) => l.includes('key=127.0.0.1 '));
  assert.ok(line !== undefined, text);
  const out: Record<string, number> = {};
  for (const m of line.matchAll(/ ([a-z0-9_]+)(?:\(\d+\))?=(\d+)/g)) out[m[1] ?? ''] = Number(m[2]);
  return out;
}

test("after the same traffic, haproxy's show table and orcalb's table read the same counts and sliding rates", async (t) => {
  const backends = await startHttpBackends(['s']);
  t.after(() => backends.close());
  const dir = await tempConfigDir(t, {});
  const sock = join(dir, 'stats.sock');
  const port = await freeTcpPort();
  const haproxy = await startHaproxy(
    [
      'global',
      `  stats socket ${sock} level admin`,
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 10s',
      '  timeout server 10s',
      'frontend fe',
      `  bind 127.0.0.1:${port}`,
      `  stick-table type ip size 1k expire 30s store ${STORE.join(',')}`,
      '  tcp-request session track-sc1 src',
      '  http-request track-sc0 src',
      '  http-request sc-inc-gpc0(0) if { path /mark }',
      '  default_backend be',
      'backend be',
      `  server s 127.0.0.1:${backends.ports()[0] ?? 0}`,
      '',
    ].join('\n'),
  );
  t.after(() => haproxy.stop());

  // The same table in-process, fed by the calls a session makes, at the moments the requests are sent.
  const buf = stickBuffer([tableSpec('fe', { expire: 30_000, store: stores(...STORE) })], 2);
  const tables = buf.view(0);
  const fetch = (name: string, ...args: string[]): StickFetch => {
    const f = stickFetch(name)?.compile(args, { proxyName: 'fe', tableIndex: (n) => tables.indexOf(n) });
    assert.equal(typeof f, 'function');
    return f as StickFetch;
  };
  // A connection: tracked by `tcp-request session track-sc1` for its life (conn_cnt, conn_cur).
  const connection = (): StickCounters => {
    const c = new StickCounters(tables);
    setAddressKey(tables.store(0), LOCALHOST, 0, 4);
    c.track(1, 0, TrackLevel.SESSION, stickNow());
    return c;
  };
  // A request: counted through sc1 as it begins, then `track-sc0` counts it again (same entry), maybe gpc0 + 1.
  const request = (c: StickCounters, marked: boolean): void => {
    const now = stickNow();
    c.countHttpRequest(now);
    setAddressKey(tables.store(0), LOCALHOST, 0, 4);
    c.trackHttpRequest(0, 0, now);
    if (marked) c.incGpc(0, 0, now);
    c.endStream(now);
  };

  // One connection held open (conn_cur 1 while it lives) sends 2 requests; 10 more come on their own connections.
  const held = await RawHttpConnection.open(port);
  t.after(() => held.destroy());
  const start = Date.now();
  const holder = connection();
  // haproxy counted its first request somewhere between these two ticks; ours counted it at the first.
  const firstSent = stickNow();
  let firstAnswered = 0;
  for (let i = 0; i < 2; i++) {
    request(holder, false);
    held.write('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
    assert.equal((await held.response()).status, 200);
    if (i === 0) firstAnswered = stickNow();
  }
  for (let i = 0; i < 10; i++) {
    const c = connection();
    request(c, i % 3 === 0);
    assert.equal((await rawRequest(port, `GET ${i % 3 === 0 ? '/mark' : '/'} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`)).status, 200);
    c.endSession(stickNow());
  }
  // A quarter into the next period (both counters' periods began within a few ms of `start`).
  await delay(Math.max(0, start + PERIOD + PERIOD / 4 - Date.now()));

  const ours = (now: number): Record<string, number> => {
    const f: StickFetchFacts = { stickCounters: undefined, stickTables: tables, srcFamily: 4, src: LOCALHOST };
    return {
      conn_cur: fetch('src_conn_cur')(f, now),
      conn_cnt: fetch('src_conn_cnt')(f, now),
      http_req_cnt: fetch('src_http_req_cnt')(f, now),
      http_req_rate: fetch('src_http_req_rate')(f, now),
      gpc0: fetch('src_get_gpc0')(f, now),
      gpc0_rate: fetch('src_gpc0_rate')(f, now),
    };
  };
  const asked = stickNow();
  const shown = await statsCommand(sock, 'show table fe');
  const answered = stickNow();
  const theirs = haproxyEntry(shown);
  // haproxy's period began up to (firstAnswered - firstSent) ms after ours, and it read its counters between
  // `asked` and `answered`: so it saw between (asked - firstAnswered) and (answered - firstSent) ms of its period.
  // Ours, read at those two offsets from our own period start, bound every value it can show.
  const early = ours((firstSent + (asked - firstAnswered)) | 0);
  const late = ours(answered);
  assert.deepEqual(Object.keys(theirs).filter((n) => n in early).sort(), Object.keys(early).sort(), shown);
  for (const [name, value] of Object.entries(theirs)) {
    // The entry's bookkeeping (key, use count, expiry) is not a data type.
    if (!(name in early)) continue;
    const [a = NaN, b = NaN] = [early[name], late[name]];
    assert.ok(value >= Math.min(a, b) && value <= Math.max(a, b), `${name}: haproxy ${value}, orcalb ${a}..${b}\n${shown}`);
  }
  // The case is the one meant: 12 requests counted twice each, 11 connections + 12 request trackings, one
  // connection still open, 4 marks; read with about 3/4 of the first period still weighing.
  assert.deepEqual([theirs['http_req_cnt'], theirs['conn_cnt'], theirs['conn_cur'], theirs['gpc0']], [24, 23, 1, 4], shown);
  assert.ok((theirs['http_req_rate'] ?? 0) > 0 && (theirs['http_req_rate'] ?? 24) < 24, shown);
  assert.notEqual(late['http_req_rate'], NO_SAMPLE);
});
