// The shared buffer under contention (core/shared/): four worker threads update the same server and backend
// records at once through ServerSlot/BackendSlot, and no update or round-robin ticket may be lost or repeated.
// Also the header check that keeps a thread from attaching a buffer of another layout.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { HEADER_WORDS, LAYOUT_MAGIC, LAYOUT_VERSION } from '../../core/shared/layout.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import { within } from '../support/wait.js';

const WORKERS = 4;
const ITERATIONS = 100_000;
const WORKER_URL = new URL('../support/hammer-worker.js', import.meta.url);
const COUNTS = { servers: 3, backends: 2, frontends: 1, threads: WORKERS };

test('four threads adding to one server and drawing tickets from one backend lose no update and repeat no ticket', async (t) => {
  const state = SharedState.allocate(COUNTS);
  // The middle server and the last backend, so a wrong offset shows up as a change in a neighbour.
  const init = { buffer: state.buffer, iterations: ITERATIONS, server: 1, backend: 1 };
  const workers = Array.from({ length: WORKERS }, () => new Worker(WORKER_URL, { workerData: init }));
  t.after(async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  });
  await within(Promise.all(workers.map((w) => once(w, 'online'))), 5000, 'workers online');

  const results = workers.map((w) => once(w, 'message') as Promise<[Uint32Array]>);
  for (const w of workers) w.postMessage('go');
  const ticketSets = await within(Promise.all(results), 20_000, 'all workers to finish');

  const server = state.server(1);
  assert.equal(server.load('curConns'), 0);
  assert.equal(server.load('totalConns'), WORKERS * ITERATIONS);
  assert.equal(server.loadWide('bytesIn'), BigInt(WORKERS * ITERATIONS * 3));
  assert.equal(server.loadWide('bytesOut'), 0n);

  const seen = new Set<number>();
  let drawn = 0;
  let highest = -1;
  for (const [tickets] of ticketSets) {
    assert.equal(tickets.length, ITERATIONS);
    for (const ticket of tickets) {
      seen.add(ticket);
      if (ticket > highest) highest = ticket;
    }
    drawn += tickets.length;
  }
  assert.equal(drawn, WORKERS * ITERATIONS);
  assert.equal(seen.size, drawn, 'every ticket is unique');
  // Tickets start at 0 and are dense: the cursor handed out exactly 0..n-1.
  assert.equal(highest, drawn - 1);
  assert.equal(state.backend(1).load('rrCursor'), drawn);

  // Neighbouring records were not touched by offset slips.
  for (const other of [0, 2]) {
    assert.equal(state.server(other).load('totalConns'), 0);
    assert.equal(state.server(other).loadWide('bytesIn'), 0n);
  }
  assert.equal(state.backend(0).load('rrCursor'), 0);
});

test('four threads admitting clients against maxconn 1 never hold more than 1 at once, and give every slot back', async (t) => {
  const state = SharedState.allocate(COUNTS);
  const held = new SharedArrayBuffer(3 * 4);
  const init = { buffer: state.buffer, iterations: 50_000, server: 0, backend: 0, mode: 'admission', maxconn: 1, held };
  const workers = Array.from({ length: WORKERS }, () => new Worker(WORKER_URL, { workerData: init }));
  t.after(async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  });
  await within(Promise.all(workers.map((w) => once(w, 'online'))), 5000, 'workers online');
  const done = workers.map((w) => once(w, 'message'));
  for (const w of workers) w.postMessage('go');
  await within(Promise.all(done), 20_000, 'all workers to finish');

  const [now, most, admitted] = new Int32Array(held);
  assert.equal(now, 0);
  assert.ok((most ?? 0) <= 1, `${most} held at once with maxconn 1`);
  assert.ok((admitted ?? 0) > 0, 'some admissions succeeded');
  assert.equal(state.loadGlobal('curConns'), 0, 'every global slot given back');
  assert.equal(state.frontend(0).load('curConns'), 0, 'every frontend slot given back');
  assert.equal(state.frontend(0).load('totalConns'), admitted);
});

test('attach accepts a buffer from allocate and reads back its counts', () => {
  const state = SharedState.allocate(COUNTS);
  const attached = SharedState.attach(state.buffer);
  assert.deepEqual(attached.counts, COUNTS);
  assert.deepEqual(attached.offsets, state.offsets);
});

test('attach rejects a buffer whose magic or layout version is wrong', () => {
  const wrongMagic = SharedState.allocate(COUNTS).buffer;
  new Int32Array(wrongMagic, 0, HEADER_WORDS)[0] = LAYOUT_MAGIC ^ 1;
  assert.throws(() => SharedState.attach(wrongMagic), /header mismatch/);

  const wrongVersion = SharedState.allocate(COUNTS).buffer;
  new Int32Array(wrongVersion, 0, HEADER_WORDS)[1] = LAYOUT_VERSION + 1;
  assert.throws(() => SharedState.attach(wrongVersion), /header mismatch/);

  // A zeroed buffer (never allocated by the main thread) is rejected too.
  assert.throws(() => SharedState.attach(new SharedArrayBuffer(4096)), /header mismatch/);
});
