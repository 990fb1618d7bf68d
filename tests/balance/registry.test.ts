// The `balance` keyword table: which names exist, their metadata, and createBalancer()'s contract.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BalanceConfig } from '../../config/model.js';
import { OrcaError } from '../../core/errors.js';
import { algorithmNames, createBalancer, getAlgorithm } from '../../core/balance/registry.js';
import { buildTestBackend, pickNames } from '../support/backend-view.js';

const HASH = { method: 'map-based', function: 'sdbm', avalanche: false } as const;

function balance(algorithm: string, args: readonly string[] = []): BalanceConfig {
  return { source: { file: 'test.cfg', line: 1 }, algorithm, args, hashType: HASH };
}

test('registers the HAProxy 2.6 balance keywords, in documentation order, then orcalb\'s dolphindb-load', () => {
  assert.deepEqual(algorithmNames(), [
    'roundrobin',
    'static-rr',
    'leastconn',
    'first',
    'source',
    'uri',
    'url_param',
    'hdr',
    'random',
    'dolphindb-load',
  ]);
});

test('each algorithm states the input it needs and whether it follows effective weights', () => {
  const meta = Object.fromEntries(
    algorithmNames().map((n) => [n, [getAlgorithm(n)?.needs, getAlgorithm(n)?.dynamicWeights]]),
  );
  assert.deepEqual(meta, {
    roundrobin: ['none', true],
    'static-rr': ['none', false],
    leastconn: ['none', true],
    first: ['none', false],
    source: ['addr', false],
    uri: ['http', false],
    url_param: ['http', false],
    hdr: ['http', false],
    random: ['none', true],
    'dolphindb-load': ['none', false],
  });
});

test('unknown names are not registered', () => {
  assert.equal(getAlgorithm('roundrobbin'), undefined);
  assert.equal(getAlgorithm('rdp-cookie'), undefined);
});

test('createBalancer builds the configured algorithm over the backend', () => {
  const be = buildTestBackend([{}, {}]);
  assert.deepEqual(pickNames(be, createBalancer(be.view, balance('roundrobin')), 4), ['s0', 's1', 's0', 's1']);
  assert.deepEqual(pickNames(be, createBalancer(be.view, balance('first')), 2), ['s0', 's0']);
});

test('createBalancer rejects an unknown algorithm or bad arguments with ORCA_INTERNAL', () => {
  const be = buildTestBackend([{}]);
  for (const cfg of [balance('roundrobbin'), balance('random', ['0']), balance('hdr')]) {
    assert.throws(
      () => createBalancer(be.view, cfg),
      (e: unknown) => e instanceof OrcaError && e.code === 'ORCA_INTERNAL',
      cfg.algorithm,
    );
  }
});
