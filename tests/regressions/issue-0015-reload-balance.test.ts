// Issue 15: a reload that changes a backend's `balance` line (config/balance-change.ts, backend-runtime.ts
// applyBalance): every forwarder builds the backend's balancer again, so the next connections follow the new algorithm
// while the servers keep their slots and a session opened before goes on; to dolphindb-load is refused whole. TCP mode
// against tagged echo servers, orcalb as a child process. Test-runner thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectTagged } from '../support/backend-farm.js';
import { count, startOnFile, tags } from '../support/reload-file.js';
import { tcpConfig } from '../support/tcp-config.js';

test('a new balance line applies in place: roundrobin → first → source → roundrobin, a running session untouched', async (t) => {
  const cfg = (front: number, ports: readonly number[], balance: string): string => tcpConfig(front, ports).replace('balance roundrobin', `balance ${balance}`);
  const r = await startOnFile(t, ['s1', 's2'], (front, farm) => cfg(front, [farm.port('s1'), farm.port('s2')], 'roundrobin'));
  const ports = [r.farm.port('s1'), r.farm.port('s2')];
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 2, s2: 2 });
  const held = await connectTagged(r.front);
  t.after(() => held.destroy());

  assert.match(await r.reload(cfg(r.front, ports, 'first')), /reload done: .*new balance for be/);
  assert.deepEqual(count(await tags(r.front, 6)), { s1: 6 }, "'balance first' sends every connection to the first server with room");
  assert.equal((await held.exchange('on')).toString(), 'on', 'a session opened before the reload goes on');

  // A hash: every connection from 127.0.0.1 to one server (the key is the source address).
  assert.match(await r.reload(cfg(r.front, ports, 'source')), /reload done: .*new balance for be/);
  assert.equal(Object.keys(count(await tags(r.front, 6))).length, 1, "'balance source' keeps one client on one server");

  assert.match(await r.reload(cfg(r.front, ports, 'roundrobin')), /reload done: .*new balance for be/);
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 2, s2: 2 });

  assert.match(await r.reload(cfg(r.front, ports, 'dolphindb-load')), /reload refused: these changes need a restart/);
  assert.match(r.lb.stderr(), /backend 'be': 'balance' changed to or from 'dolphindb-load'/);
  assert.deepEqual(count(await tags(r.front, 4)), { s1: 2, s2: 2 });
});
