// Issue 13, `set maxconn server|frontend` in a running orcalb through socat on its stats socket: a lowered limit holds
// the next session back (the backend's queue, or the listener) while the server never sees more than the limit, and
// raising it lets the held session through at once (the raise wakes the waiters: the queue, the paused listeners),
// with the limit shown in `show stat` slim. The server limit side by side with haproxy 2.6.12; the frontend one on
// orcalb alone: haproxy 2.6.12 answers nothing at all to a raise while a connection waits (not even the empty line)
// and leaves the waiting connection pending (measured with socat), where its manual says a raise accepts pending
// connections at once, which is what orcalb does.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connectTagged, startBackendFarm, type TaggedClient } from '../support/backend-farm.js';
import { socatCommand } from '../support/cli-client.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { statRow } from '../support/haproxy-stats.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { pollUntil } from '../support/wait.js';

const LIMITS = [
  // [the line that lowers it, the row and column where it shows and counts, the line that raises it]
  { lower: 'set maxconn server be/s1 1', px: 'be', sv: 's1', queued: true, raise: 'set maxconn server be/s1 2', withHaproxy: true },
  { lower: 'set maxconn frontend fe 1', px: 'fe', sv: 'FRONTEND', queued: false, raise: 'set maxconn frontend fe 5', withHaproxy: false },
] as const;

for (const limit of LIMITS) {
  test(`${limit.lower}: the next session waits, the server sees one; ${limit.raise} lets it through${limit.withHaproxy ? ', as haproxy' : ''}`, async (t) => {
    const farm = await startBackendFarm(['s1']);
    t.after(() => farm.close());
    const dir = mkdtempSync(join(tmpdir(), 'orcalb-cli-'));
    const body = (port: number, socket: string): string =>
      [
        'global', `  stats socket ${socket} level admin`,
        'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 10s', '  timeout server 10s', '  timeout queue 10s',
        'frontend fe', `  bind 127.0.0.1:${port}`, '  default_backend be',
        'backend be', `  server s1 127.0.0.1:${farm.port('s1')}`,
        '',
      ].join('\n');
    const sides = [
      { name: 'orcalb', port: await freeTcpPort(), socket: join(dir, 'orcalb.sock') },
      { name: 'haproxy', port: await freeTcpPort(), socket: join(dir, 'haproxy.sock') },
    ];
    const [o, h] = sides;
    assert.ok(o !== undefined && h !== undefined);
    const orcalb = await startOrcalb(body(o.port, o.socket), { threads: 2 });
    t.after(() => orcalb.stop());
    if (limit.withHaproxy) {
      const haproxy = await startHaproxy(body(h.port, h.socket));
      t.after(() => haproxy.stop());
    }
    for (const side of limit.withHaproxy ? sides : [o]) {
      assert.equal(await socatCommand(side.socket, limit.lower), '\n', `${side.name}: ${limit.lower}`);
      assert.equal(statRow(await socatCommand(side.socket, 'show stat'), limit.px, limit.sv)['slim'], '1', `${side.name}: slim`);
      const first = await connectTagged(side.port);
      t.after(() => first.destroy());
      const second: Promise<TaggedClient> = connectTagged(side.port, 10_000);
      // Held back where each limit holds: in the backend's queue (no server has a free slot: qcur 1), or not
      // accepted by the frontend.
      if (limit.queued) {
        await pollUntil(async () => statRow(await socatCommand(side.socket, 'show stat'), 'be', 'BACKEND')['qcur'] === '1', 5000, `${side.name}: queued`, 50);
      }
      assert.equal(farm.liveConnections('s1').length, 1, `${side.name}: the server sees one session`);
      assert.equal(await socatCommand(side.socket, limit.raise), '\n', `${side.name}: ${limit.raise}`);
      const late = await second;
      t.after(() => late.destroy());
      assert.equal(late.tag, 's1');
      assert.equal(first.isClosed(), false, `${side.name}: the first session still runs: the raise let the second in`);
      first.destroy();
      late.destroy();
      await farm.waitFor(() => farm.liveConnections('s1').length === 0, 5000, `${side.name}: sessions gone`);
    }
  });
}
