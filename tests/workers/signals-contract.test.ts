// The operator's signals are a contract: README's table lists exactly the signals of workers/signals.ts with the same
// meaning, every signal HAProxy 2.6 acts on is in it, and a blocked one is found in a /proc SigBlk mask.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SIGNALS, blockedSignals } from '../../workers/signals.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

test('README lists exactly the signals of workers/signals.ts, with the same meaning', () => {
  const block = /<!-- signals:start[^>]*-->([\s\S]*?)<!-- signals:end -->/.exec(readme)?.[1] ?? '';
  const rows = [...block.matchAll(/^\| `([A-Z0-9]+)` \| (.+?) \|$/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(rows, SIGNALS.map((s) => [s.signal, s.meaning]));
});

test('every signal HAProxy 2.6 acts on or survives in the foreground is in the table (management.txt §4, §6)', () => {
  // SIGALRM: haproxy 2.6.12 survives it (its watchdog's signal), Node's default would end orcalb.
  const haproxy = ['SIGUSR1', 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGTTOU', 'SIGTTIN', 'SIGPIPE', 'SIGALRM'];
  assert.deepEqual(SIGNALS.map((s) => s.signal).sort(), [...haproxy].sort());
});

test('blockedSignals reads a SigBlk mask: SIGUSR1 is bit 9, an ignored signal does not count', () => {
  assert.deepEqual(blockedSignals('0000000000000200'), ['SIGUSR1']);
  assert.deepEqual(blockedSignals('0000000000000000'), []);
  // SIGPIPE (bit 12) is ignored anyway; SIGHUP (bit 0) and SIGTERM (bit 14) are not.
  assert.deepEqual(blockedSignals('0000000000005001'), ['SIGTERM', 'SIGHUP']);
});
