// The bench suite's arithmetic and parsers (issue 5): paired ratios to HAProxy, medians with spread, wrk's report,
// and the .cpuprofile self-time analyser. Pure functions, no processes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWrk } from '../../native-bench/load/wrk-run.js';
import { selfTimes } from '../../native-bench/profile-top.js';
import { rowsOf, type RunTable } from '../../native-bench/result-model.js';
import { pairedRatio, summarize } from '../../native-bench/statistics.js';

test('summarize gives the median, min, max and interquartile range and ignores failed (NaN) runs', () => {
  const s = summarize([5, 1, Number.NaN, 3, 2, 4]);
  assert.deepEqual(s, { median: 3, min: 1, max: 5, q1: 2, q3: 4, n: 5 });
  assert.equal(summarize([]).n, 0);
});

test('ratios to HAProxy pair round i with round i and skip rounds where either side failed', () => {
  // Sorted separately these would give 2/1 and 4/2; paired by round they are 4/1 and 2/2 → median 2.5.
  const r = pairedRatio([4, 2, Number.NaN], [1, 2, 3]);
  assert.deepEqual(r, { median: 2.5, min: 1, max: 4, q1: 1.75, q3: 3.25, n: 2 });
  assert.equal(pairedRatio([1], [0]), undefined);
});

test('rows carry the paired ratio for measured subjects and the status and note for the others', () => {
  const table: RunTable = new Map([
    ['haproxy', new Map([['rps', [10, 20]]])],
    ['orcalb', new Map([['rps', [5, 20]]])],
  ]);
  const rows = rowsOf('s', 'c=1', [{ name: 'rps', unit: 'req/s', better: 'higher' }], ['orcalb', 'haproxy', 'nginx'], table,
    new Map([['nginx', { status: 'skipped', note: 'not installed' }]]));
  const [orcalb, haproxy, nginx] = rows;
  assert.equal(orcalb?.ratioToHaproxy?.median, 0.75);
  assert.equal(haproxy?.ratioToHaproxy, undefined);
  assert.equal(haproxy?.summary?.median, 15);
  assert.equal(nginx?.status, 'skipped');
  assert.equal(nginx?.note, 'not installed');
});

test("parseWrk reads wrk 4.1's requests/s, the 50 % and 99 % latencies in any unit, and counts errors", () => {
  const text = [
    'Running 3s test @ http://127.0.0.1:1234/',
    '  Latency Distribution',
    '     50%  812.00us',
    '     75%    1.20ms',
    '     90%    2.00ms',
    '     99%    1.50s ',
    '  45000 requests in 3.00s, 4.12MB read',
    '  Socket errors: connect 0, read 2, write 1, timeout 3',
    '  Non-2xx or 3xx responses: 4',
    'Requests/sec:  15000.50',
  ].join('\n');
  assert.deepEqual(parseWrk(text), {
    requests: 45000, bytesRead: 4.12 * 2 ** 20, reqPerS: 15000.5, p50Ms: 0.812, p99Ms: 1500, errors: 10,
    socket: { connect: 0, read: 2, write: 1, timeout: 3 }, non2xx: 4,
  });
  // The work of a bulk run: wrk counts its bytes in binary units.
  assert.equal(parseWrk('  80 requests in 10.00s, 80.01GB read\nRequests/sec:      8.00\n').bytesRead, 80.01 * 2 ** 30);
  assert.ok(Number.isNaN(parseWrk('unable to connect').reqPerS));
});

test('selfTimes sums each sample into its own frame (not its callers) and names the thread by its entry script', () => {
  const frame = (functionName: string, url = ''): { functionName: string; url: string; lineNumber: number } => ({ functionName, url, lineNumber: 9 });
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('', 'file:///repo/dist/workers/forwarder.js') },
      { id: 3, callFrame: frame('pipe', 'node:internal/streams/readable') },
      { id: 4, callFrame: frame('(idle)') },
    ],
    samples: [3, 3, 4, 2, 3],
    timeDeltas: [0, 1000, 1000, 3000, 500],
  };
  const r = selfTimes(profile);
  assert.equal(r.role, 'forwarder');
  assert.equal(r.totalMs, 5.5);
  assert.deepEqual(r.frames.map((f) => [f.frame, f.ms]), [
    ['(idle)', 3],
    ['pipe (node:internal/streams/readable:10)', 2],
    ['(anonymous) (dist/workers/forwarder.js:10)', 0.5],
  ]);
  assert.throws(() => selfTimes({ nodes: [] }), /not a \.cpuprofile/);
});
