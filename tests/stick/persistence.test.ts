// Persistence by table (core/stick/persistence.ts), the functions dispatch calls for `stick match`, `stick on` and
// `stick store-request|response`: a stored key names its server (id = position + 1, HAProxy's default ids) until
// the entry expires, a match restarts the expiry, the first store rule of each table wins, at most 8 stores a
// request, and ids past the backend's servers match nothing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_STORES, PendingStores, storeSticky, stickyServer } from '../../core/stick/persistence.js';
import { setAddressKey, setTextKey } from '../../core/stick/stick-key.js';
import { stickBuffer, tableSpec } from '../support/stick-state.js';

const ip = (last: number): Uint8Array => Uint8Array.from([10, 0, 0, last]);

test('a stored key sticks to its server until the entry expires; a match pushes the expiry', () => {
  const buf = stickBuffer([tableSpec('b', { expire: 1000 })], 2);
  const a = buf.view(0);
  const b = buf.view(1);
  setAddressKey(a.store(0), ip(1), 0, 4);
  assert.equal(stickyServer(a, 0, 3, 0), -1, 'nothing stored yet');
  assert.equal(storeSticky(a, 0, 2, 0), true);
  setAddressKey(b.store(0), ip(1), 0, 4);
  assert.equal(stickyServer(b, 0, 3, 900), 2, 'another thread matches it');
  assert.equal(stickyServer(b, 0, 3, 1800), 2, 'the match at 900 pushed the expiry to 1900');
  assert.equal(stickyServer(b, 0, 3, 2800), -1, 'expired');
  // An id past the servers of the backend that reads the table (a table shared with a bigger backend).
  assert.equal(storeSticky(a, 0, 5, 3000), true);
  assert.equal(stickyServer(a, 0, 3, 3000), -1);
  assert.equal(stickyServer(a, 0, 6, 3000), 5);
});

test('a later store overwrites the server (the one that served last), as HAProxy stores at each response', () => {
  const buf = stickBuffer([tableSpec('b', { keyType: 'string', keyLen: 16 })], 1);
  const v = buf.view(0);
  setTextKey(v.store(0), 'session-42');
  storeSticky(v, 0, 0, 0);
  setTextKey(v.store(0), 'session-42');
  storeSticky(v, 0, 1, 5);
  setTextKey(v.store(0), 'session-42');
  assert.equal(stickyServer(v, 0, 2, 10), 1);
});

test('pending stores keep the first key of each table, at most 8, and all name the server that took the request', () => {
  const specs = Array.from({ length: MAX_STORES + 1 }, (_, i) => tableSpec(`t${i}`));
  const buf = stickBuffer(specs, 1);
  const v = buf.view(0);
  const pending = new PendingStores(v);
  setAddressKey(v.store(0), ip(1), 0, 4);
  assert.equal(pending.add(0), true);
  setAddressKey(v.store(0), ip(2), 0, 4);
  assert.equal(pending.has(0), true);
  assert.equal(pending.add(0), false, 'a second store rule of the same table is skipped');
  for (let t = 1; t <= MAX_STORES; t++) {
    setAddressKey(v.store(t), ip(1), 0, 4);
    assert.equal(pending.add(t), t < MAX_STORES, `table ${t}`);
  }
  // The key words were overwritten since: the pending copies are what gets stored.
  setAddressKey(v.store(0), ip(9), 0, 4);
  pending.commit(3, 0);
  for (let t = 0; t < MAX_STORES; t++) {
    setAddressKey(v.store(t), ip(1), 0, 4);
    assert.equal(stickyServer(v, t, 4, 0), 3, `table ${t}`);
  }
  setAddressKey(v.store(0), ip(2), 0, 4);
  assert.equal(stickyServer(v, 0, 4, 0), -1, 'the skipped key was not stored');
  setAddressKey(v.store(MAX_STORES), ip(1), 0, 4);
  assert.equal(stickyServer(v, MAX_STORES, 4, 0), -1, 'the ninth store was dropped');
  pending.commit(0, 0);
  assert.equal(v.store(0).count(), 1, 'commit cleared the list');
});
