// The bench's one HAProxy config text (native-bench/subjects/haproxy-config.ts) is valid for both HAProxy 2.6 and
// orcalb, in mode tcp with send-proxy and in mode http (HAProxy's default keep-alive mode, issue 10): `haproxy -c`
// and `orcalb -c` accept it unchanged.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { haproxyConfigText } from '../../native-bench/subjects/haproxy-config.js';
import { runHaproxyCli } from '../support/haproxy-process.js';
import { runOrcalbCli } from '../support/orcalb-process.js';

for (const spec of [
  { mode: 'tcp', servers: [10001, 10002, 10003], threads: 2, maxconn: 4000, sendProxy: true },
  { mode: 'http', servers: [10001, 10002, 10003], threads: 1, maxconn: 4000 },
] as const) {
  test(`the bench config in mode ${spec.mode} passes haproxy -c and orcalb -c`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'orcalb-bench-cfg-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'bench.cfg');
    const text = haproxyConfigText(spec, 10000);
    await writeFile(file, text);
    assert.match(text, /balance roundrobin/);
    assert.equal(text.includes('send-proxy'), spec.mode === 'tcp');
    // Keep-alive on both sides, as issue 10's L7 figures are measured: no connection-mode option at all.
    assert.doesNotMatch(text, /option (http-server-close|httpclose)/);
    assert.equal(text.includes('option forwardfor'), spec.mode === 'http');
    const haproxy = await runHaproxyCli(['-c', '-f', file]);
    assert.equal(haproxy.code, 0, haproxy.stderr);
    assert.match(haproxy.stdout + haproxy.stderr, /Configuration file is valid/);
    const orcalb = await runOrcalbCli(['-c', '-f', file]);
    assert.equal(orcalb.code, 0, orcalb.stderr);
    assert.match(orcalb.stdout, /Configuration file is valid/);
  });
}
