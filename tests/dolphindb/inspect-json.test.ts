// The JSON-API field reader of `option dolphindb-inspect` / `dolphindb-json-affinity` (core/dolphindb/inspect-json.ts):
// the outer object's sessionID, functionName, resultCode and msg found in any chunking, nested or quoted look-alikes
// ignored, escapes read, values cut at 240 bytes, and junk or endless bodies costing a bounded scan. Pure; test thread.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JSON_FIELD as F, JsonApiFields } from '../../core/dolphindb/inspect-json.js';
import { RecentLatency, LATENCY_FLOOR_US, LATENCY_WEIGHT } from '../../core/dolphindb/recent-latency.js';
import type { ServerView } from '../../core/shared/server-slot.js';
import { SERVER } from '../../core/shared/layout.js';
import { DDB_LATENCY_FIELDS } from '../../core/dolphindb/inspect-fields.js';

const REQUEST = [F.sessionId, F.functionName];
const REPLY = [F.sessionId, F.resultCode, F.msg];

/** Feeds `body` in pieces of `step` bytes. */
function scan(fields: readonly number[], body: string, step: number): JsonApiFields {
  const r = new JsonApiFields(fields);
  const bytes = Buffer.from(body);
  for (let i = 0; i < bytes.length; i += step) r.feed(bytes, i, Math.min(bytes.length, i + step));
  return r;
}

describe('JsonApiFields', () => {
  test('reads a request\'s sessionID and functionName in every chunking, a reply\'s resultCode and msg', () => {
    const body = JSON.stringify({ sessionID: '942605602', functionName: 'executeCode', params: [{ name: 'script', value: '1%2B2' }] });
    for (const step of [1, 2, 3, 7, body.length]) {
      const r = scan(REQUEST, body, step);
      assert.equal(r.text(F.sessionId), '942605602', `step ${step}`);
      assert.ok(r.equals(F.functionName, 'executeCode'));
      assert.equal(r.scanning, false, 'both found: the scan stops');
    }
    const reply = scan(REPLY, '{ "sessionid" : 77 , "resultcode":"1", "msg":"Syntax Error: [line #1] \\"x\\"\\nnext", "object":[] }', 5);
    assert.equal(reply.text(F.sessionId), '77');
    assert.ok(reply.equals(F.resultCode, '1'));
    assert.equal(reply.text(F.msg), 'Syntax Error: [line #1] "x" next');
  });

  test('ignores nested keys and keys inside strings; cuts long values; stops on junk after a bounded scan', () => {
    const nested = scan(REQUEST, '{"params":[{"sessionID":"1","functionName":"no"}],"script":"\\"sessionID\\":\\"2\\"","sessionID":"3"}', 4);
    assert.equal(nested.text(F.sessionId), '3');
    assert.equal(nested.has(F.functionName), false);
    const long = scan(REPLY, `{"msg":"${'e'.repeat(1000)}"}`, 64);
    assert.equal(long.bytes(F.msg).length, 240);
    const junk = new JsonApiFields(REQUEST);
    const noise = Buffer.alloc(200 * 1024, 0x7b);
    junk.feed(noise, 0, noise.length);
    assert.equal(junk.scanning, false, 'a body of 200 KiB of junk stops the scan at its limit');
    assert.equal(junk.has(F.sessionId), false);
    junk.reset();
    junk.feed(Buffer.from('{"sessionID":"5"'), 0, 16);
    assert.equal(junk.text(F.sessionId), '5', 'reset starts a new body');
  });
});

/** A server view with only the inspect counters (the rest unused by RecentLatency). */
function view(index: number, counts: { n: number; us: number }): ServerView {
  return { index, ddbExchanges: () => counts.n, ddbLatencyUs: () => counts.us } as ServerView;
}

describe('RecentLatency', () => {
  test('a node slower than the fastest gets a penalty from its last window; equal nodes under the floor get none', () => {
    const fast = { n: 0, us: 0 };
    const fast2 = { n: 0, us: 0 };
    const slow = { n: 0, us: 0 };
    const servers = [view(0, fast), view(1, fast2), view(2, slow)];
    const r = new RecentLatency();
    r.refresh(servers, 1);
    assert.deepEqual([r.penalty(0), r.penalty(1), r.penalty(2)], [0, 0, 0], 'no exchange yet: no term');
    fast.n = 10; fast.us = 10 * 300;
    fast2.n = 10; fast2.us = 10 * 2000;
    slow.n = 10; slow.us = 10 * 40_000;
    r.refresh(servers, 500);
    assert.equal(r.penalty(2), 0, 'the window is not over');
    r.refresh(servers, 1001);
    assert.equal(r.penalty(0), 0);
    assert.equal(r.penalty(1), 0, '0.3 ms and 2 ms are both under the floor');
    assert.equal(r.penalty(2), Math.round(LATENCY_WEIGHT * (1 - LATENCY_FLOOR_US / 40_000)));
    // The slow node recovers: its next window's mean replaces the old one.
    slow.n += 10; slow.us += 10 * 1000;
    fast.n += 1; fast.us += 300;
    r.refresh(servers, 2002);
    assert.equal(r.penalty(2), 0);
  });
});

test('the latency buckets are contiguous in the server layout, first to +Inf (serverView\'s ddbExchanges sums that range)', () => {
  const at = DDB_LATENCY_FIELDS.map((f) => SERVER[f]);
  assert.deepEqual(at, at.map((_v, i) => SERVER.ddbLe1ms + i));
  assert.equal(at.at(-1), SERVER.ddbLeInf);
});
