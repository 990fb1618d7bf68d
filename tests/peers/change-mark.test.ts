// Issue 17 (receiving cost): a replicated table is marked changed by every local writer (forwarders, the runtime
// API's thread) and not by the peers thread applying a peer's updates, so the peers thread scans for local changes
// only when there are some (and every 100th tick, 10 s, as a safety net), not at every tick while only updates arrive.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StickTableConfig } from '../../config/model.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import { stickRegionLayout } from '../../core/shared/stick-layout.js';
import { initStickRegion, stickStores } from '../../core/shared/stick-store.js';

function table(peers: string | undefined): StickTableConfig {
  return {
    source: { file: 'test', line: 1 }, name: 'be', keyType: 'ip', keyLen: 4, size: 100, expire: 60_000, nopurge: false,
    srvkey: 'name', store: [{ type: 'gpc0', count: 1, period: 0 }, { type: 'http_req_rate', count: 1, period: 10_000 }],
    ...(peers === undefined ? {} : { peers }),
  };
}

test('every local write to a replicated table marks it changed; the peers thread\'s own writes do not', () => {
  const region = stickRegionLayout([table('pair')], 2);
  const state = SharedState.allocate({ servers: 0, backends: 0, frontends: 0, threads: 2, stickWords: region.words });
  initStickRegion(state, region, () => 7);
  const [fwd] = stickStores(state, region, 0);
  const [peers] = stickStores(state, region, 1, true);
  const [cli] = stickStores(state, region, -1);
  assert.ok(fwd && peers && cli);
  const gpc0 = fwd.layout.fields.get('gpc0');
  const rate = fwd.layout.fields.get('http_req_rate');
  assert.ok(gpc0 && rate);
  assert.equal(peers.takeChanged(), false, 'a fresh table holds no change');

  // The peers thread applies an update: a new entry, a counter, a rate. Nothing to send back.
  peers.key[0] = 0x0a000001;
  const applied = peers.acquire(1000);
  peers.storeWord(applied, gpc0, 5);
  peers.setRate(applied, rate, 1000, 3, 1);
  peers.release();
  assert.equal(peers.takeChanged(), false, 'the peers thread\'s writes are not local changes');

  // Each kind of local write marks the table, once taken back it is clear again.
  const writes: [string, () => void][] = [
    ['acquire (insert or touch)', () => {
      fwd.key[0] = 0x0a000002;
      fwd.acquire(2000);
      fwd.release();
    }],
    ['track', () => {
      fwd.key[0] = 0x0a000002;
      fwd.track(fwd.acquire(2000));
    }],
    ['untrack', () => {
      fwd.key[0] = 0x0a000002;
      const slot = fwd.lookup(2000);
      fwd.untrack(slot, 2100);
    }],
    ['a counter', () => void fwd.addUint(applied, gpc0, 1)],
    ['a rate', () => void fwd.updateRate(applied, rate, 1, 2200)],
    ['a tag by the runtime API (set table)', () => cli.storeWord(applied, gpc0, 9)],
  ];
  for (const [what, write] of writes) {
    write();
    assert.equal(peers.takeChanged(), true, what);
    assert.equal(peers.takeChanged(), false, `${what}: taken back`);
  }
});

test('a table no peers section replicates is never marked', () => {
  const region = stickRegionLayout([table(undefined)], 1);
  const state = SharedState.allocate({ servers: 0, backends: 0, frontends: 0, threads: 1, stickWords: region.words });
  initStickRegion(state, region, () => 7);
  const [fwd] = stickStores(state, region, 0);
  assert.ok(fwd);
  fwd.key[0] = 0x0a000001;
  fwd.track(fwd.acquire(1000));
  assert.equal(fwd.takeChanged(), false);
});
