// Issue 11, configurations haproxy 2.6.12 refuses that orcalb accepted: a `userlist` section was skipped with a
// warning, so a user in a group that does not exist, a group naming no user, an unknown option or keyword, or a
// nameless userlist started; `tcp-request connection` in a backend was a warning ("ignored because backend has no
// frontend capability") where haproxy refuses it. Each is now refused with haproxy's own text, side by side.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { load, rendered } from '../support/config-load.js';
import { runHaproxyCli } from '../support/haproxy-process.js';

const T = '  timeout connect 1s\n  timeout client 1s\n  timeout server 1s';
const L = `listen l\n  mode http\n  bind 127.0.0.1:18000\n${T}\n  server s 127.0.0.1:18001`;

/** [config, the text of haproxy's ALERT that orcalb's error must hold]. */
const CASES: readonly (readonly [string, string])[] = [
  [`userlist U\n  user a insecure-password x groups nog\n${L}`, "userlist 'U': no such group 'nog' specified in user 'a'"],
  [`userlist U\n  group g users nob\n${L}`, "userlist 'U': no such user 'nob' specified in group 'g'"],
  [`userlist U\n  user a foo x\n${L}`, "'user' only supports 'password', 'insecure-password' and 'groups' options."],
  [`userlist U\n  frobnicate\n${L}`, "unknown keyword 'frobnicate' in 'users' section"],
  [`userlist\n  user a insecure-password x\n${L}`, "'userlist' expects <name> as arguments."],
  [`backend b\n${T}\n  tcp-request connection accept\n  server s 127.0.0.1:18001`, 'tcp-request connection is not allowed because backend b is not a frontend'],
];

test('userlist and tcp-request mistakes haproxy refuses are refused with its words', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'orcalb-i11-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [i, [text, alert]] of CASES.entries()) {
    const file = join(dir, `${i}.cfg`);
    await writeFile(file, `${text}\n`);
    const haproxy = await runHaproxyCli(['-c', '-f', file]);
    assert.equal(haproxy.code, 1, `haproxy -c:\n${haproxy.stderr}`);
    assert.ok(haproxy.stderr.includes(alert), `haproxy words it: ${haproxy.stderr}`);
    const r = await load(`${text}\n`);
    assert.equal(r.config, undefined, `orcalb accepts:\n${text}`);
    assert.ok(rendered(r).errors.some((e) => e.includes(alert)), `orcalb: ${rendered(r).errors.join(' | ')}`);
  }
});

test('a correct userlist is read into the model, groups from both sides', async () => {
  const r = await load(`userlist U\n  group g1 users a\n  group g2\n  user a insecure-password x\n  user b password $6$s$h groups g2\n${L}\n`);
  assert.deepEqual(rendered(r).errors, []);
  assert.deepEqual(
    r.config?.userlists?.map((u) => u.users.map((x) => [x.name, x.password.kind, x.groups])),
    [[['a', 'clear', ['g1']], ['b', 'hash', ['g2']]]],
  );
});
