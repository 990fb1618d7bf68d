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
