// Micro-benchmark: what issue 12's stats counters add to one HTTP transaction on a forwarder (the hot path), measured
// in process on the real shared buffer: the frontend's req_tot and request rate, the backend's and server's session
// rates, smax and lastsess (ConnAccounting.takeServerSlot's share), req_tot on backend and server, hrsp_* on the three
// records, the frontend's bin/bout, and the queue/connect/response/total time samples. An end-to-end wrk A/B on this
// shared 2-core machine swings ±30 % between rounds; this isolates the added work. Forwarder-thread work, single thread.
// Two ways: each counter one Atomics operation at the time (how issue 12 landed them), and the per-thread batch the
// forwarders use since (core/shared/stat-batch.ts), flushed every K transactions (K: the requests one loop turn
// serves; a flush per transaction is the worst case, a lightly loaded forwarder's).
// Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/micro/stats-counters.js

import { SharedState } from '../../core/shared/state-buffer.js';
import { addTimeSample, countAnswer, countRate, raiseMax } from '../../core/shared/stat-counters.js';
import { stickNow } from '../../core/stick/stick-clock.js';

const state = SharedState.allocate({ servers: 2, backends: 1, frontends: 1, threads: 2 });
const f = state.frontend(0);
const b = state.backend(0);
const s = state.server(0);

/** One transaction's added stats work, one Atomics operation per counter (before the batch). */
function transaction(i: number): void {
  // statRequest
  f.add('reqTot', 1);
  countRate(f, 'reqRatetick', 'reqRateMax', stickNow());
  // takeServerSlot's additions
  const now = stickNow();
  countRate(s, 'ratetick', 'rateMax', now);
  countRate(b, 'ratetick', 'rateMax', now);
  raiseMax(s.words, s.at('maxConnsSeen'), s.load('curConns'));
  raiseMax(b.words, b.at('maxConns'), 1);
  Atomics.store(s.words, s.at('lastSessMs'), now || 1);
  Atomics.store(b.words, b.at('lastSessMs'), now || 1);
  // backend chosen, request sent
  b.add('reqTot', 1);
  s.add('reqTot', 1);
  // bytes of the head and the response on the frontend
  f.addWide('bytesIn', 54);
  f.addWide('bytesOut', 123);
  // the answer
  countAnswer(f, 200);
  countAnswer(b, 200);
  countAnswer(s, 200);
  // times
  addTimeSample(s, 0, i & 3, 2, 5);
  addTimeSample(b, 0, i & 3, 2, 5);
}

/** The same transaction through the batch, as the session and ConnAccounting count it today. */
function batched(i: number): void {
  const fl = f.later;
  fl.add('reqTot', 1);
  fl.rate('reqRatetick', 'reqRateMax');
  const sl = s.later;
  sl.add('totalConns', 1);
  sl.rate('ratetick', 'rateMax');
  sl.max('maxConnsSeen', 1);
  sl.latest('lastSessMs');
  const bl = b.later;
  bl.add('totalConns', 1);
  bl.rate('ratetick', 'rateMax');
  bl.max('maxConns', 1);
  bl.latest('lastSessMs');
  bl.add('reqTot', 1);
  sl.add('reqTot', 1);
  fl.addWide('bytesIn', 54);
  fl.addWide('bytesOut', 123);
  bl.addWide('bytesOut', 123);
  sl.addWide('bytesOut', 123);
  fl.add('hrsp2xx', 1);
  bl.add('hrsp2xx', 1);
  sl.add('hrsp2xx', 1);
  sl.time(0, i & 3, 2, 5);
  bl.time(0, i & 3, 2, 5);
}

/** `batched` with the loop turn's flush every `k` transactions. */
function batchedEvery(k: number): (i: number) => void {
  return (i: number): void => {
    batched(i);
    if (i % k === k - 1) state.stats.flush();
  };
}

function cpuNsPer(fn: (i: number) => void, calls: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let batch = 0; batch < 20; batch++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) fn(i);
    const c = process.cpuUsage(c0);
    best = Math.min(best, ((c.user + c.system) * 1000) / calls);
  }
  return best;
}

let sink = 0;
const empty = (i: number): void => {
  sink += i;
};
const ways: [string, (i: number) => void][] = [
  ['one Atomics operation per counter', transaction],
  ['batched, a flush per transaction', batchedEvery(1)],
  ['batched, a flush per 8 transactions', batchedEvery(8)],
  ['batched, a flush per 32 transactions', batchedEvery(32)],
];
for (const [name, fn] of ways) {
  const runs = [1, 2, 3].map(() => cpuNsPer(fn, 200_000) - cpuNsPer(empty, 200_000));
  console.log(`stats counters per HTTP transaction, ${name}: ${runs.map((n) => n.toFixed(0)).join(', ')} ns of CPU (3 runs, least of 20 batches each)${sink < 0 ? '' : ''}`);
}
