// Issue 17 (receiving cost): warmUpdates, the read-ahead the peers thread runs before it applies a run of a peer's
// updates. It must name the slots the updates will land in, stop where the applying loop has to take over (a message
// that is not an update, one cut by the read, one malformed) without throwing, and change nothing in the table.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StickTableConfig } from '../../config/model.js';
import { StktType, WireReader, WireWriter, nextMessage, type MessageBounds } from '../../core/peers/peer-wire.js';
import { WARM_AHEAD, localWireFields, readDefine, warmUpdates, writeDefine, writeUpdate, type RemoteTable } from '../../core/peers/table-codec.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import { stickRegionLayout } from '../../core/shared/stick-layout.js';
import { initStickRegion, stickStores, type StickStore } from '../../core/shared/stick-store.js';

const KEYS = WARM_AHEAD + 4;

function tables(): { sender: StickStore; receiver: StickStore } {
  const table: StickTableConfig = {
    source: { file: 'test', line: 1 }, name: 'fe', keyType: 'ip', keyLen: 4, size: 1000, expire: 60_000, nopurge: false,
    srvkey: 'name', store: [{ type: 'gpc0', count: 1, period: 0 }],
  };
  const region = stickRegionLayout([table], 1);
  // Two processes' tables: the sender's and the receiver's.
  const make = (): StickStore => {
    const state = SharedState.allocate({ servers: 0, backends: 0, frontends: 0, threads: 1, stickWords: region.words });
    initStickRegion(state, region, () => 11);
    const [store] = stickStores(state, region, 0);
    assert.ok(store);
    return store;
  };
  return { sender: make(), receiver: make() };
}

/** A definition then KEYS updates (the first with an id) of keys 10.0.0.1…, as a peer sends a batch. */
function batch(sender: StickStore): { bytes: Uint8Array; ends: number[] } {
  const gpc0 = sender.layout.fields.get('gpc0');
  assert.ok(gpc0);
  const fields = localWireFields(sender.layout);
  const w = new WireWriter();
  writeDefine(w, 1, sender.layout, fields);
  const ends = [w.length];
  for (let k = 0; k < KEYS; k++) {
    sender.key[0] = 0x0a000001 + k;
    const slot = sender.acquire(1000);
    sender.addUint(slot, gpc0, k + 1);
    const stamp = sender.stampOf(slot);
    sender.release();
    assert.ok(writeUpdate(w, sender, slot, stamp, fields, k === 0 ? 1 : undefined, 1000));
    ends.push(w.length);
  }
  return { bytes: w.bytes().slice(), ends };
}

function define(bytes: Uint8Array, receiver: StickStore): RemoteTable {
  const m: MessageBounds = { cls: 0, type: 0, payload: 0, payloadEnd: 0 };
  assert.ok(nextMessage(bytes, 0, bytes.length, m));
  assert.equal(m.type, StktType.DEFINE);
  const r = new WireReader(bytes, m.payloadEnd);
  r.at = m.payload;
  return readDefine(r, () => receiver);
}

test('warmUpdates reads WARM_AHEAD updates ahead, names the slots their keys hash to, and writes nothing', () => {
  const { sender, receiver } = tables();
  const { bytes, ends } = batch(sender);
  const table = define(bytes, receiver);
  const warmed: number[] = [];
  const sink = { warm: (store: StickStore, slot: number): void => void (store === receiver && warmed.push(slot)) };
  const m: MessageBounds = { cls: 0, type: 0, payload: 0, payloadEnd: 0 };
  const r = new WireReader(new Uint8Array(0));
  const first = ends[0] ?? 0;
  const stop = warmUpdates(bytes, first, bytes.length, table, m, r, sink);
  assert.equal(stop, ends[WARM_AHEAD], 'stops after WARM_AHEAD updates');
  assert.equal(warmed.length, WARM_AHEAD);
  assert.equal(receiver.count(), 0, 'the read-ahead creates no entry');
  // The same keys, inserted: each lands in the slot the read-ahead named (an almost empty table: its home slot).
  for (let k = 0; k < WARM_AHEAD; k++) {
    receiver.key[0] = 0x0a000001 + k;
    assert.equal(receiver.acquire(1000), warmed[k], `key ${k}`);
    receiver.release();
  }
  // The rest of the run: only what is left.
  warmed.length = 0;
  assert.equal(warmUpdates(bytes, stop, bytes.length, table, m, r, sink), bytes.length);
  assert.equal(warmed.length, KEYS - WARM_AHEAD);
});

test('warmUpdates stops, without throwing, where the applying loop must take over', () => {
  const { sender, receiver } = tables();
  const { bytes, ends } = batch(sender);
  const table = define(bytes, receiver);
  const sink = { warm: (): void => undefined };
  const m: MessageBounds = { cls: 0, type: 0, payload: 0, payloadEnd: 0 };
  const r = new WireReader(new Uint8Array(0));
  // At the definition (not an update), in an update cut by the read, at the end.
  assert.equal(warmUpdates(bytes, 0, bytes.length, table, m, r, sink), 0);
  const second = ends[1] ?? 0;
  assert.equal(warmUpdates(bytes, second, second + 3, table, m, r, sink), second);
  assert.equal(warmUpdates(bytes, bytes.length, bytes.length, table, m, r, sink), bytes.length);
  // An update whose payload is too short for its key: left to the applying loop (which reports it).
  const bad = Uint8Array.of(10, StktType.INCUPDATE, 2, 0x0a, 0x00);
  assert.equal(warmUpdates(bad, 0, bad.length, table, m, r, sink), 0);
  // A table that feeds no local one: nothing to warm.
  assert.equal(warmUpdates(bytes, second, bytes.length, { ...table, store: undefined }, m, r, sink), second);
  assert.equal(receiver.count(), 0);
});
