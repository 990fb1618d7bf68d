// The command-line flags are a contract: README's table lists exactly the flags of workers/cli-options.ts, and the
// parser accepts and rejects what the table says.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CLI_FLAGS, parseCli } from '../../workers/cli-options.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

test('README lists exactly the CLI flags of cli-options.ts, with the same help text', () => {
  const block = /<!-- cli-flags:start[^>]*-->([\s\S]*?)<!-- cli-flags:end -->/.exec(readme)?.[1] ?? '';
  const rows = [...block.matchAll(/^\| `([^`]+)` \| (.+?) \|$/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(rows, CLI_FLAGS.map((f) => [f.flag, f.help]));
});

test('parses repeated -f, --threads, --accept and the HAProxy -db flag', () => {
  const o = parseCli(['-f', 'a.cfg', '-f', 'b.cfg', '--threads', '12', '--accept', 'reuseport', '-db']);
  assert.deepEqual(o.files, ['a.cfg', 'b.cfg']);
  assert.equal(o.threads, 12);
  assert.equal(o.accept, 'reuseport');
  assert.equal(o.check, false);
});

test('rejects bad --threads, bad --accept, unknown flags and a missing -f with ORCA_CLI_USAGE', () => {
  for (const argv of [['-f', 'a', '--threads', '0'], ['-f', 'a', '--accept', 'magic'], ['-f', 'a', '--bogus'], []]) {
    assert.throws(() => parseCli(argv), { code: 'ORCA_CLI_USAGE' }, argv.join(' '));
  }
});

test("HAProxy's process flags: -D/-db, -W/-Ws, -p, -q/-V, -N, -L, and -sf/-st with the PIDs up to the next flag", () => {
  const o = parseCli(['-Ws', '-f', 'a.cfg', '-p', '/run/orcalb.pid', '-sf', '12', '34', '-q', '-N', '500', '-L', 'lb1', '-D']);
  assert.equal(o.systemd, true);
  assert.equal(o.masterWorker, true);
  assert.equal(o.pidfile, '/run/orcalb.pid');
  assert.deepEqual(o.oldPids, [12, 34]);
  assert.equal(o.oldStop, 'soft');
  assert.equal(o.quiet, true);
  assert.equal(o.defaultMaxconn, 500);
  assert.equal(o.localPeer, 'lb1');
  assert.equal(o.daemon, true);
  const st = parseCli(['-f', 'a.cfg', '-st', '7', '-V', '-D', '-db']);
  assert.deepEqual([st.oldPids, st.oldStop, st.quiet, st.daemon], [[7], 'hard', false, false]);
  // `-sf $(cat pidfile)` with no file yet: no PID at all is fine.
  assert.deepEqual(parseCli(['-f', 'a.cfg', '-sf']).oldPids, []);
  const plain = parseCli(['-f', 'a.cfg']);
  assert.deepEqual([plain.daemon, plain.quiet, plain.systemd, plain.masterWorker], [undefined, undefined, false, false]);
});

test('rejects -sf with a word that is no PID, -sf with -st, a bad -N, and -S / -x with the reason', () => {
  for (const argv of [['-f', 'a', '-sf', 'abc'], ['-f', 'a', '-sf', '1', '-st', '2'], ['-f', 'a', '-N', '0'], ['-f', 'a', '-N', 'x']]) {
    assert.throws(() => parseCli(argv), { code: 'ORCA_CLI_USAGE' }, argv.join(' '));
  }
  assert.throws(() => parseCli(['-f', 'a', '-S', '/run/haproxy-master.sock']), { code: 'ORCA_CLI_USAGE', message: /no master process; use a `stats socket`/ });
  assert.throws(() => parseCli(['-f', 'a', '-x', '/run/haproxy.sock', '-sf', '1']), { code: 'ORCA_CLI_USAGE', message: /no expose-fd socket is needed/ });
});
