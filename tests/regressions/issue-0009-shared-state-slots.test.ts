// Issue 9: SharedState builds its slot objects once (server()/backend() run per pick and per connection, and allocated
// a new view on every call); a slot index outside the layout throws instead of reading another record's memory.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedState } from '../../core/shared/state-buffer.js';

const COUNTS = { servers: 3, backends: 2, frontends: 2, threads: 2 };

test('server(), backend(), frontend() and thread() return the same slot object on every call', () => {
  const state = SharedState.allocate(COUNTS);
  for (let i = 0; i < COUNTS.servers; i++) assert.equal(state.server(i), state.server(i));
  for (let i = 0; i < COUNTS.backends; i++) assert.equal(state.backend(i), state.backend(i));
  for (let i = 0; i < COUNTS.frontends; i++) assert.equal(state.frontend(i), state.frontend(i));
  for (let i = 0; i < COUNTS.threads; i++) assert.equal(state.thread(i), state.thread(i));
  assert.notEqual(state.server(0), state.server(1));
});

test('a cached slot reads the live buffer: a write through another attach of the same memory is seen at once', () => {
  const main = SharedState.allocate(COUNTS);
  const worker = SharedState.attach(main.buffer);
  const seen = main.server(2);
  worker.server(2).add('curConns', 5);
  worker.backend(1).nextTicket();
  assert.equal(seen.load('curConns'), 5);
  assert.equal(main.backend(1).load('rrCursor'), 1);
  // Neighbouring records are untouched (each cached slot has its own offset).
  assert.equal(main.server(1).load('curConns'), 0);
  assert.equal(main.backend(0).load('rrCursor'), 0);
});

test('an index outside the layout throws RangeError instead of aliasing the next region', () => {
  const state = SharedState.allocate(COUNTS);
  assert.throws(() => state.server(COUNTS.servers), RangeError);
  assert.throws(() => state.server(-1), RangeError);
  assert.throws(() => state.backend(COUNTS.backends), RangeError);
  assert.throws(() => state.frontend(COUNTS.frontends), RangeError);
  assert.throws(() => state.thread(COUNTS.threads), RangeError);
});
