// Issue 17, the `peers` section's configuration against `haproxy -c` (2.6.12): the local peer comes from -L, then
// `localpeer`, then the host name; a section without it is removed with haproxy's warning (its tables stay local);
// unknown keywords (2.6 has no `shards` nor `enable` there) and a name used twice are alerts with haproxy's texts.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runHaproxyCli } from '../support/haproxy-process.js';
import { load, rendered, tempConfigDir, TIMEOUTS, validConfig } from '../support/config-load.js';

const TABLE = ['backend be', '  mode http', TIMEOUTS, '  stick-table type ip size 10 peers mesh', '  stick on src', '  server s1 127.0.0.1:1', ''].join('\n');

/** Runs haproxy -c on `text` (with `args`), returns its stderr. */
async function haproxyCheck(t: Parameters<typeof tempConfigDir>[0], text: string, args: readonly string[] = []): Promise<{ code: number | null; stderr: string }> {
  const dir = await tempConfigDir(t, {});
  const file = join(dir, 't.cfg');
  await writeFile(file, text);
  const r = await runHaproxyCli(['-c', '-f', file, ...args]);
  return { code: r.code, stderr: r.stderr };
}

test('the local peer is -L, else localpeer, else the host name; its address is where the section listens', async () => {
  const text = ['global', '  localpeer b', 'peers mesh', '  peer a 127.0.0.1:20001', '  peer b 127.0.0.1:20002', TABLE].join('\n');
  const byGlobal = validConfig(await load(text));
  assert.equal(byGlobal.peers?.[0]?.localName, 'b');
  assert.deepEqual(byGlobal.peers?.[0]?.listen, { host: '127.0.0.1', port: 20002 });
  const byFlag = validConfig(await load(text, 't.cfg', { localPeer: 'a' }));
  assert.equal(byFlag.peers?.[0]?.localName, 'a');
  assert.deepEqual(byFlag.peers?.[0]?.peers.map((p) => p.local), [true, false]);
  const host = ['peers mesh', `  peer ${hostname()} 127.0.0.1:20001`, '  peer other 127.0.0.1:20002', TABLE].join('\n');
  assert.equal(validConfig(await load(host)).peers?.[0]?.localName, hostname());
});

test('bind + server NAME without address: the 2.x form of the local peer', async () => {
  const text = ['peers mesh', '  bind 127.0.0.1:20005', '  server a', '  server b 127.0.0.1:20006', TABLE].join('\n');
  const c = validConfig(await load(text, 't.cfg', { localPeer: 'a' }));
  assert.deepEqual(c.peers?.[0]?.listen, { host: '127.0.0.1', port: 20005 });
});

test('a section without the local peer is removed with haproxy 2.6 warning, the config stays valid', async (t) => {
  const text = ['peers mesh', '  peer a 127.0.0.1:20001', '  peer b 127.0.0.1:20002', TABLE].join('\n');
  const ours = await load(text, 't.cfg', { localPeer: 'zz' });
  const theirs = await haproxyCheck(t, text, ['-L', 'zz']);
  const line = "Removing incomplete section 'peers mesh' (no peer named 'zz').";
  assert.ok(theirs.stderr.includes(line), theirs.stderr);
  assert.ok(rendered(ours).warnings.some((w) => w.includes(line)), rendered(ours).warnings.join('\n'));
  assert.equal(validConfig(ours).peers, undefined);
});

test('unknown keywords and a peer named twice are alerts, as haproxy says them', async (t) => {
  const text = ['peers mesh', '  peer a 127.0.0.1:20001', '  shards 2', '  enable', '  peer a 127.0.0.1:20003', TABLE].join('\n');
  const theirs = await haproxyCheck(t, text, ['-L', 'a']);
  const ours = rendered(await load(text, 't.cfg', { localPeer: 'a' }));
  assert.notEqual(theirs.code, 0);
  for (const text of [
    "unknown keyword 'shards' in 'peers' section",
    "unknown keyword 'enable' in 'peers' section",
    "'peer a' : local peer name already referenced at",
  ]) {
    assert.ok(theirs.stderr.includes(text), `haproxy: ${text}`);
    assert.ok(ours.errors.some((e) => e.includes(text)), `orcalb: ${text}\n${ours.errors.join('\n')}`);
  }
});

test('a stick-table naming no peers section is haproxy alert; ssl on a peer is refused (fail closed)', async () => {
  const bad = TABLE.replace('peers mesh', 'peers nosuch');
  const ours = rendered(await load(['peers mesh', '  peer a 127.0.0.1:20001', bad].join('\n'), 't.cfg', { localPeer: 'a' }));
  assert.ok(ours.errors.some((e) => e.includes("unable to find sync peers 'nosuch'")), ours.errors.join('\n'));
  const ssl = rendered(await load(['peers mesh', '  peer a 127.0.0.1:20001', '  peer b 127.0.0.1:20002 ssl verify none', TABLE].join('\n'), 't.cfg', { localPeer: 'a' }));
  assert.ok(ssl.errors.some((e) => e.includes("'peers ... ssl'")), ssl.errors.join('\n'));
});
