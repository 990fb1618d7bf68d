// Issue 17: the peers protocol's encoded integers at the boundaries doc/peers-v2.0.txt gives (1 to 5 bytes, and the
// bytes haproxy 2.6.12 sent for 60,000 and 1,800,000: its tables' expiries), and the framing of messages split
// anywhere across reads.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MessageBounds, PeerProtocolError, StktType, WireReader, WireWriter, nextMessage } from '../../core/peers/peer-wire.js';

const hex = (w: WireWriter): string => Buffer.from(w.bytes()).toString('hex');

test('encoded integers: the sizes of the documented ranges, haproxy bytes, and back', () => {
  const sizes: [number, number][] = [[0, 1], [239, 1], [240, 2], [2287, 2], [2288, 3], [264431, 3], [264432, 4], [33818863, 4], [33818864, 5], [2 ** 32 - 1, 5]];
  for (const [v, size] of sizes) {
    const w = new WireWriter();
    w.varint(v);
    assert.equal(w.length, size, `${v} takes ${size} bytes`);
    assert.equal(new WireReader(w.bytes()).varint(), v);
  }
  const w = new WireWriter();
  w.varint(60_000);
  assert.equal(hex(w), 'f0971c');
  w.reset();
  w.varint(1_800_000);
  assert.equal(hex(w), 'f0e5ed05');
});

test('a message is framed only once all of it has arrived, whatever the split', () => {
  const w = new WireWriter();
  const start = w.begin(StktType.ACK);
  w.varint(300);
  w.u32(7);
  w.end(start);
  const bytes = w.bytes().slice();
  const m: MessageBounds = { cls: 0, type: 0, payload: 0, payloadEnd: 0 };
  for (let cut = 0; cut < bytes.length; cut++) assert.equal(nextMessage(bytes, 0, cut, m), false, `cut at ${cut}`);
  assert.equal(nextMessage(bytes, 0, bytes.length, m), true);
  assert.deepEqual([m.cls, m.type, m.payloadEnd], [10, StktType.ACK, bytes.length]);
  const r = new WireReader(bytes, m.payloadEnd);
  r.at = m.payload;
  assert.deepEqual([r.varint(), r.u32()], [300, 7]);
});

test('an over-long length and reads past a payload are protocol errors', () => {
  const m: MessageBounds = { cls: 0, type: 0, payload: 0, payloadEnd: 0 };
  assert.throws(() => nextMessage(Uint8Array.of(10, 128, 0xff, 0xff, 0x7f), 0, 5, m), (e) => e instanceof PeerProtocolError && e.errType === 1);
  assert.throws(() => nextMessage(Uint8Array.of(10, 128, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), 0, 9, m), PeerProtocolError);
  assert.throws(() => new WireReader(Uint8Array.of(1, 2)).u32(), PeerProtocolError);
});
