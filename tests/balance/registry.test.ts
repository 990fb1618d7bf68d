// The `balance` keyword table: which names exist, their metadata, and createBalancer()'s contract.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BalanceArgs, BalanceConfig } from '../../config/model.js';
import { OrcaError } from '../../core/errors.js';
import { LB_KIND, NO_ARGS } from '../../core/balance/balancer.js';
import { algorithmNames, createBalancer, getAlgorithm, parseBalanceWords } from '../../core/balance/registry.js';
import { buildTestBackend, pickNames } from '../support/backend-view.js';

const HASH = { method: 'map-based', function: 'sdbm', avalanche: false } as const;

function balance(algorithm: string, args: BalanceArgs = NO_ARGS): BalanceConfig {
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

test('each algorithm states HAProxy\'s kind for it and whether it reads the DolphinDB nodes\' load', () => {
  const meta = Object.fromEntries(algorithmNames().map((n) => [n, [getAlgorithm(n)?.kind, getAlgorithm(n)?.readsLoad]]));
  assert.deepEqual(meta, {
    roundrobin: [LB_KIND.roundRobin, false],
    'static-rr': [LB_KIND.roundRobin, false],
    leastconn: [LB_KIND.connectionBased, false],
    first: [LB_KIND.connectionBased, false],
    source: [LB_KIND.hash, false],
    uri: [LB_KIND.hash, false],
    url_param: [LB_KIND.hash, false],
    hdr: [LB_KIND.hash, false],
    // HAProxy files random under the hash kind (BE_LB_KIND_HI): it draws keys on its consistent-hash tree.
    random: [LB_KIND.hash, false],
    'dolphindb-load': [LB_KIND.connectionBased, true],
  });
});

test('a balance line is parsed once, by its algorithm: the model keeps the parsed arguments', () => {
  assert.deepEqual(parseBalanceWords(['hdr(Host)', 'use_domain_only']), {
    kind: 'ok',
    algorithm: 'hdr',
    args: { kind: 'hdr', header: 'Host', useDomainOnly: true },
  });
  assert.deepEqual(parseBalanceWords(['random(3)']), { kind: 'ok', algorithm: 'random', args: { kind: 'random', draws: 3 } });
  assert.deepEqual(parseBalanceWords(['leastconn']), { kind: 'ok', algorithm: 'leastconn', args: NO_ARGS });
  assert.deepEqual(parseBalanceWords(['roundrobbin']), { kind: 'unknown' });
  assert.deepEqual(parseBalanceWords(['random(']), { kind: 'unknown' });
  assert.deepEqual(parseBalanceWords(['uri', 'bogus']), {
    kind: 'error',
    message: "balance uri only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got 'bogus').",
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
  // An unknown name, and arguments that are not the algorithm's own (config load pairs each with its parseArgs()).
  for (const cfg of [balance('roundrobbin'), balance('random'), balance('hdr'), balance('leastconn', { kind: 'random', draws: 2 })]) {
    assert.throws(
      () => createBalancer(be.view, cfg),
      (e: unknown) => e instanceof OrcaError && e.code === 'ORCA_INTERNAL',
      cfg.algorithm,
    );
  }
});
