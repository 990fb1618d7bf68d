// `option redispatch` after a refused connect follows the algorithm's kind (HAProxy's BE_LB_KIND, from its descriptor):
// a round-robin or connection-based algorithm moves to another server at once, a hash retries the server its key
// maps to first. dispatch() on real sockets: server s0 refuses, s1 accepts. Test-runner thread.

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import type { Config } from '../../config/model.js';
import { buildBackends } from '../../core/forward/backend-runtime.js';
import { dispatch } from '../../core/forward/dispatch.js';
import { ConnAccounting } from '../../core/shared/conn-accounting.js';
import { balanceConfig } from '../support/backend-view.js';
import { closedPort, healthConfig, seededState, serverConfig } from '../support/check-target.js';

/** A backend of two servers without checks (both stay UP): s0 refuses connections, s1 accepts them. */
function config(line: string, refused: number, accepting: number): Config {
  const base = healthConfig([{
    name: 'be',
    servers: [serverConfig('s0', refused, { check: false }), serverConfig('s1', accepting, { check: false })],
    timeouts: { connect: 100 },
  }]);
  return {
    ...base,
    backends: base.backends.map((b) => ({
      ...b,
      balance: balanceConfig(line),
      retries: 3,
      options: { ...b.options, redispatch: true },
    })),
  };
}

// [balance line, client key, counters of s0 once the request reached s1]. haproxy 2.6.12 counts the same for first and
// roundrobin (wretr 0, wredis 1, measured); for source it retries s0 all three times and then gives up, as its hash
// maps the key to s0 again (orcalb moves on at the last retry, as before).
const CASES: readonly (readonly [string, string | undefined, { retries: number; redispatches: number }])[] = [
  ['first', undefined, { retries: 0, redispatches: 1 }],
  ['roundrobin', undefined, { retries: 0, redispatches: 1 }],
  ['leastconn', undefined, { retries: 0, redispatches: 1 }],
  // 127.0.0.2 hashes to s0 (0x7f000002 mod 2).
  ['source', '127.0.0.2', { retries: 2, redispatches: 1 }],
];

test('a refused connect moves at once for round-robin and connection-based kinds, and stays first for a hash', async (t) => {
  const accepting = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => accepting.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => accepting.close(() => resolve())));
  const address = accepting.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const refused = await closedPort();
  for (const [line, key, expected] of CASES) {
    const cfg = config(line, refused, port);
    const { state, topology } = seededState(cfg);
    const accounting = new ConnAccounting(state);
    const [rt] = buildBackends(cfg, state, topology, { accounting, thread: 0 });
    assert.ok(rt);
    const got = await dispatch(rt, { accounting, thread: 0, ...(key === undefined ? {} : { key }) });
    got.socket.destroy();
    accounting.serverClosed(0, rt.index, rt.serverSlotIndexes[got.server] ?? 0);
    const s0 = rt.serverSlots[0];
    assert.deepEqual(
      { server: got.server, retries: s0?.load('retries'), redispatches: s0?.load('redispatches') },
      { server: 1, ...expected },
      line,
    );
  }
});
