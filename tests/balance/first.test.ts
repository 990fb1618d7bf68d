// `balance first`: the first server in declaration order with a free slot (liveConns < maxconn) takes the
// connection; maxconn 0 means that server takes everything; weights only matter as 0.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_ARGS } from '../../core/balance/balancer.js';
import { firstAlgorithm } from '../../core/balance/first.js';
import { buildTestBackend, pickNames, type TestServerSpec } from '../support/backend-view.js';

const HASH = { method: 'map-based', function: 'sdbm', avalanche: false } as const;

function setup(specs: readonly TestServerSpec[]) {
  const be = buildTestBackend(specs);
  return { be, first: firstAlgorithm.create(be.view, { args: NO_ARGS, hashType: HASH }) };
}

test('without maxconn, the first server takes every connection, whatever the weights', () => {
  const { be, first } = setup([{ weight: 1, conns: 50 }, { weight: 100 }]);
  assert.deepEqual(pickNames(be, first, 3), ['s0', 's0', 's0']);
});

test('servers fill up in declaration order as connections are placed', () => {
  const { be, first } = setup([{ maxconn: 2 }, { maxconn: 2 }, { maxconn: 0 }]);
  const picks: string[] = [];
  for (let i = 0; i < 6; i++) {
    const s = first.pick({});
    picks.push(be.nameOf(s));
    if (s) be.slots[s.index]?.add('curConns', 1);
  }
  assert.deepEqual(picks, ['s0', 's0', 's1', 's1', 's2', 's2']);
});

test('a freed slot on an earlier server is used again at once', () => {
  const { be, first } = setup([{ maxconn: 1, conns: 1 }, { maxconn: 1 }]);
  assert.equal(be.nameOf(first.pick({})), 's1');
  be.setConns(0, 0);
  assert.equal(be.nameOf(first.pick({})), 's0');
});

test('returns none when every server is at its maxconn (the caller queues)', () => {
  const { be, first } = setup([{ maxconn: 1, conns: 1 }, { maxconn: 3, conns: 3 }]);
  assert.equal(first.pick({}), undefined);
  be.setConns(1, 2);
  assert.equal(be.nameOf(first.pick({})), 's1');
});

test('a down or skipped first server hands over to the next one', () => {
  const { be, first } = setup([{}, {}, {}]);
  be.setUp(0, false);
  assert.equal(be.nameOf(first.pick({})), 's1');
  assert.equal(be.nameOf(first.pick({ skip: (s) => s.name === 's1' })), 's2');
});
