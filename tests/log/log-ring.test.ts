// The forwarders' traffic log rings (core/shared/log-ring.ts) and their TrafficLog (core/log/ring-traffic-log.ts):
// records come out whole and in order across wrap-arounds, a full ring refuses without overwriting, the refusal is
// counted in the slot's logDrops, and two producer threads against one draining consumer lose nothing they did not
// count. Issue 13, the log writer.

import assert from 'node:assert/strict';
import test from 'node:test';
import { Worker } from 'node:worker_threads';
import { ringTrafficLog } from '../../core/log/ring-traffic-log.js';
import { allocateLogRings, LogRingConsumer, LogRingProducer, MAX_RECORD_CHARS } from '../../core/shared/log-ring.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import { topologyOf } from '../../core/shared/topology.js';
import { load, validConfig } from '../support/config-load.js';
import type { LogRingWorkerInit } from '../support/log-ring-worker.js';

interface Got {
  readonly frontend: number;
  readonly severity: number;
  readonly text: string;
  readonly sd: string;
}

function drainAll(c: LogRingConsumer, into: Got[]): number {
  return c.drain((frontend, severity, bytes, offset, length, sd) => {
    into.push({ frontend, severity, text: bytes.toString('utf8', offset, offset + length), sd });
  });
}

test('records come out whole and in order across many wrap-arounds (UTF-8, structured data)', () => {
  const mem = allocateLogRings(1, 4096);
  const p = new LogRingProducer(mem.rings[0] as SharedArrayBuffer, mem.doorbell);
  const c = new LogRingConsumer(mem);
  const got: Got[] = [];
  const sent: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const text = `line ${i} é ${'y'.repeat(i % 97)}`;
    // Drain whenever the ring is full: the same record then fits.
    if (!p.push(i % 3, i % 8, text, i % 5 === 0 ? `[x@1 n="${i}"]` : '')) {
      drainAll(c, got);
      assert.ok(p.push(i % 3, i % 8, text, i % 5 === 0 ? `[x@1 n="${i}"]` : ''));
    }
    sent.push(text);
  }
  drainAll(c, got);
  assert.deepEqual(got.map((g) => g.text), sent);
  assert.deepEqual(got.map((g) => g.frontend), sent.map((_, i) => i % 3));
  assert.deepEqual(got.map((g) => g.severity), sent.map((_, i) => i % 8));
  assert.deepEqual(got.map((g) => g.sd), sent.map((_, i) => (i % 5 === 0 ? `[x@1 n="${i}"]` : '')));
});

test('a line past MAX_RECORD_CHARS is cut there, and the ring keeps working', () => {
  const mem = allocateLogRings(1);
  const p = new LogRingProducer(mem.rings[0] as SharedArrayBuffer, mem.doorbell);
  assert.ok(p.push(0, 6, 'h'.repeat(1_000_000), ''));
  assert.ok(p.push(0, 6, 'after', ''));
  const got: Got[] = [];
  drainAll(new LogRingConsumer(mem), got);
  assert.deepEqual(got.map((g) => g.text.length), [MAX_RECORD_CHARS, 5]);
});

test('a full ring refuses the line and keeps every unread record intact', () => {
  const mem = allocateLogRings(1, 1024);
  const p = new LogRingProducer(mem.rings[0] as SharedArrayBuffer, mem.doorbell);
  let accepted = 0;
  for (let i = 0; i < 100; i++) if (p.push(0, 6, `keep ${i}`, '')) accepted++;
  assert.ok(accepted > 0 && accepted < 100, `accepted ${accepted}`);
  const got: Got[] = [];
  drainAll(new LogRingConsumer(mem), got);
  assert.deepEqual(got.map((g) => g.text), Array.from({ length: accepted }, (_, i) => `keep ${i}`));
});

test("the TrafficLog counts refused lines in the slot's logDrops and skips frontends without targets", async () => {
  const config = validConfig(await load(`
frontend logged
    mode http
    bind 127.0.0.1:8001
    log 127.0.0.1:9 local0
    default_backend be
frontend silent
    mode http
    bind 127.0.0.1:8002
    default_backend be
backend be
    mode http
    server s1 127.0.0.1:1
`));
  const state = SharedState.allocate(topologyOf(config, 1).counts);
  const mem = allocateLogRings(1, 1024);
  const log = ringTrafficLog(config, mem, 0, state.thread(0));
  assert.equal(log.enabled, true);
  assert.deepEqual([log.logsFrontend(0), log.logsFrontend(1)], [true, false]);
  for (let i = 0; i < 100; i++) log.emit(0, 'info', `line ${i} ${'z'.repeat(40)}`);
  for (let i = 0; i < 100; i++) log.emit(1, 'info', 'never stored');
  const got: Got[] = [];
  drainAll(new LogRingConsumer(mem), got);
  assert.ok(got.every((g) => g.frontend === 0));
  assert.equal(state.thread(0).load('logDrops'), 100 - got.length);
  assert.ok(got.length < 100);
});

test('two producer threads against a consumer that sleeps on the doorbell: received + refused = pushed', async (t) => {
  const lines = 20_000;
  const mem = allocateLogRings(2, 64 * 1024);
  const c = new LogRingConsumer(mem);
  const got: Got[] = [];
  const workers = [0, 1].map((i) => {
    const init: LogRingWorkerInit = { ring: mem.rings[i] as SharedArrayBuffer, doorbell: mem.doorbell, frontend: i, lines };
    return new Worker(new URL('../support/log-ring-worker.js', import.meta.url), { workerData: init });
  });
  t.after(() => Promise.all(workers.map((w) => w.terminate())));
  const refused = workers.map((w) => new Promise<number>((resolve) => w.once('message', resolve)));
  for (const w of workers) w.postMessage('go');
  let done = false;
  const all = Promise.all(refused).then((r) => {
    done = true;
    return r;
  });
  // Bounded: each round either drains or sleeps on the doorbell (woken by a push, or after 50 ms).
  for (let round = 0; round < 100_000 && !done; round++) {
    if (drainAll(c, got) === 0) await c.sleep(50);
  }
  const [r0, r1] = await all;
  drainAll(c, got);
  for (const [fe, r] of [[0, r0], [1, r1]] as const) {
    const mine = got.filter((g) => g.frontend === fe);
    assert.equal(mine.length + (r ?? 0), lines, `frontend ${fe}`);
    // In order, each line whole: its number and its padding agree.
    let last = -1;
    for (const g of mine) {
      const m = /^fe(\d) line (\d+) (x*)$/.exec(g.text);
      assert.ok(m !== null, g.text);
      const n = Number(m[2]);
      assert.ok(n > last);
      assert.equal(m[3]?.length, n % 200);
      assert.equal(g.sd, n % 7 === 0 ? `[sd i="${n}"]` : '');
      last = n;
    }
  }
});

test("the writer's gathering ends when a ring passes an eighth of its bytes, not for a line below that", { timeout: 20_000 }, async () => {
  const mem = allocateLogRings(1, 64 * 1024);
  const p = new LogRingProducer(mem.rings[0] as SharedArrayBuffer, mem.doorbell);
  const c = new LogRingConsumer(mem);
  let over = false;
  // A gathering far longer than the test's timeout: only the high-water ring ends it in time.
  const gathering = c.gather(600_000).then(() => void (over = true));
  assert.ok(p.push(0, 6, 'one line', ''));
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(over, false, 'a line below the high-water mark lets the gathering go on');
  let pushed = 1;
  // 8 KiB of a 64 KiB ring: ~90 records of 90 bytes.
  while (pushed < 200 && p.push(0, 6, `burst line ${pushed} ${'x'.repeat(60)}`, '')) pushed++;
  await gathering;
  const got: Got[] = [];
  drainAll(c, got);
  assert.equal(got.length, pushed);
});
