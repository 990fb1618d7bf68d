// Test support: the conformance suite every `balance` algorithm must pass (the hono common-case pattern): down
// servers, weight 0, no server, backups, allbackups, skip, and state changes seen without waiting for a rebuild.
// Call balancerConformance(name) inside a test file; it registers a describe() block of node:test tests.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HashTypeConfig } from '../../config/model.js';
import type { Balancer, PickRequest } from '../../core/balance/balancer.js';
import { getAlgorithm } from '../../core/balance/registry.js';
import { ServerState } from '../../core/shared/layout.js';
import type { ServerView } from '../../core/shared/server-slot.js';
import { balanceArgs, buildTestBackend, type TestBackend, type TestBackendOptions, type TestServerSpec } from './backend-view.js';

export interface ConformanceOptions {
  /** The `balance` line's words when the algorithm needs arguments, e.g. 'hdr(X-Key)'. */
  readonly line?: string;
  readonly hashType?: HashTypeConfig;
  /** Suite title suffix, e.g. 'hash-type consistent'. */
  readonly label?: string;
}

const DEFAULT_HASH: HashTypeConfig = { method: 'map-based', function: 'sdbm', avalanche: false };
const KEYS = 64;

/** Registers the conformance tests for the algorithm registered as `name`. */
export function balancerConformance(name: string, options: ConformanceOptions = {}): void {
  const algorithm = getAlgorithm(name);
  const title = `balance ${name}${options.label === undefined ? '' : ` (${options.label})`}`;

  // One request per key for the hashing algorithms (so many ring/map positions are exercised), or keyless ones.
  const requests: PickRequest[] = Array.from({ length: KEYS }, (_, i): PickRequest => {
    if (algorithm?.needs === 'addr') {
      return { key: i % 4 === 3 ? `2001:db8::${(i * 7919).toString(16)}` : `10.${i % 7}.${i >> 3}.${(i * 37) & 255}` };
    }
    if (algorithm?.needs === 'http') return { key: `/item/${i * 7919}?id=${i}` };
    return {};
  });

  function setup(specs: readonly TestServerSpec[], backendOptions?: TestBackendOptions): [TestBackend, Balancer] {
    assert.ok(algorithm, `algorithm ${name} is registered`);
    const be = buildTestBackend(specs, backendOptions);
    const args = balanceArgs(options.line ?? name);
    const balancer = algorithm.create(be.view, { args, hashType: options.hashType ?? DEFAULT_HASH });
    return [be, balancer];
  }

  /** Two rounds over every request: names picked, '-' for none. */
  function pickAll(be: TestBackend, balancer: Balancer, skip?: (s: ServerView) => boolean): string[] {
    const out: string[] = [];
    for (let round = 0; round < 2; round++) {
      for (const r of requests) out.push(be.nameOf(balancer.pick(skip === undefined ? r : { ...r, skip })));
    }
    return out;
  }

  const four: TestServerSpec[] = [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }];
  const withBackups: TestServerSpec[] = [
    { name: 'a0' },
    { name: 'a1' },
    { name: 'b0', backup: true },
    { name: 'b1', backup: true },
  ];

  describe(`${title} conformance`, () => {
    test('never picks a server that is down or in maintenance', () => {
      const [be, balancer] = setup(four);
      be.setUp(1, false);
      be.setState(3, ServerState.MAINT);
      const picked = new Set(pickAll(be, balancer));
      assert.ok([...picked].every((n) => n === 'a' || n === 'c'), `picked ${[...picked].join(',')}`);
    });

    test('never picks a server whose weight is 0 (config or effective)', () => {
      const [be, balancer] = setup([{ name: 'a', weight: 0 }, { name: 'b' }, { name: 'c', effectiveWeight: 0 }, { name: 'd' }]);
      const picked = new Set(pickAll(be, balancer));
      assert.ok([...picked].every((n) => n === 'b' || n === 'd'), `picked ${[...picked].join(',')}`);
    });

    test('returns undefined when every server, backups included, is down', () => {
      const [be, balancer] = setup(withBackups);
      for (let i = 0; i < 4; i++) be.setUp(i, false);
      assert.deepEqual(new Set(pickAll(be, balancer)), new Set(['-']));
    });

    test('uses backups only when every active server is down, and leaves them when one comes back', () => {
      const [be, balancer] = setup(withBackups);
      be.setUp(0, false);
      assert.deepEqual(new Set(pickAll(be, balancer)), new Set(['a1']));
      be.setUp(1, false);
      // Without allbackups only the first usable backup serves.
      assert.deepEqual(new Set(pickAll(be, balancer)), new Set(['b0']));
      be.setUp(2, false);
      assert.deepEqual(new Set(pickAll(be, balancer)), new Set(['b1']));
      be.setUp(0, true);
      assert.deepEqual(new Set(pickAll(be, balancer)), new Set(['a0']));
    });

    test('with option allbackups, uses every usable backup', () => {
      const [be, balancer] = setup(withBackups, { allbackups: true });
      be.setUp(0, false);
      be.setUp(1, false);
      const picked = new Set(pickAll(be, balancer));
      assert.ok([...picked].every((n) => n === 'b0' || n === 'b1'), `picked ${[...picked].join(',')}`);
      // b1 is eligible too: once b0 is excluded, b1 serves every request.
      assert.deepEqual(new Set(pickAll(be, balancer, (s) => s.name === 'b0')), new Set(['b1']));
    });

    test('honours skip: never returns a skipped server, and none when all are skipped', () => {
      const [be, balancer] = setup(four);
      const picked = new Set(pickAll(be, balancer, (s) => s.name === 'a' || s.name === 'c'));
      assert.ok([...picked].every((n) => n === 'b' || n === 'd'), `picked ${[...picked].join(',')}`);
      assert.deepEqual(new Set(pickAll(be, balancer, () => true)), new Set(['-']));
    });

    test('sees a server go down even before the backend generation moves', () => {
      const [be, balancer] = setup(four);
      pickAll(be, balancer);
      // Store the state the way a racing health thread would, before it bumps the generation.
      be.slots[0]?.store('state', ServerState.DOWN);
      be.slots[2]?.store('effectiveWeight', 0);
      const picked = new Set(pickAll(be, balancer));
      assert.ok([...picked].every((n) => n === 'b' || n === 'd'), `picked ${[...picked].join(',')}`);
    });

    test('picks a server again once it is back up', () => {
      const [be, balancer] = setup(four);
      be.setUp(1, false);
      pickAll(be, balancer);
      be.setUp(1, true);
      assert.deepEqual(new Set(pickAll(be, balancer, (s) => s.name !== 'b')), new Set(['b']));
    });
  });
}
