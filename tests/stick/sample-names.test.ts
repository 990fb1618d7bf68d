// The name tables that stand for HAProxy's registries until core/acl/ has its own: config/keywords/sample-names.ts
// (every sample fetch and converter name) and core/stick/stick-fetches.ts (the sc_*/src_*/table_* fetches orcalb
// implements) against what the installed haproxy 2.6.12 registers (`haproxy -dKsmp`, `-dKcnv`).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HAPROXY_CONVERTERS, HAPROXY_FETCHES } from '../../config/keywords/sample-names.js';
import { STICK_FETCH_NAMES } from '../../core/stick/stick-fetches.js';
import { runHaproxyCli } from '../support/haproxy-process.js';

/** The names haproxy lists for keyword class `cls` (`smp`, `cnv`). */
async function haproxyNames(cls: string): Promise<string[]> {
  const run = await runHaproxyCli([`-dK${cls}`, '-q', '-c', '-f', '/dev/null']);
  const lines = `${run.stdout}${run.stderr}`.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  return [...new Set(lines.map((l) => l.replace(/^\[[^\]]*\] /, '').replace(/[(:].*$/, '').trim()))].sort();
}

test('the fetch and converter names config/ knows are exactly haproxy 2.6.12\'s', async () => {
  assert.deepEqual([...HAPROXY_FETCHES].sort(), await haproxyNames('smp'));
  assert.deepEqual([...HAPROXY_CONVERTERS].sort(), await haproxyNames('cnv'));
});

test('orcalb implements every stick-table fetch haproxy registers (sc_*, sc0_*…, src_* counters, table_cnt/avl)', async () => {
  const stick = (await haproxyNames('smp')).filter((n) => /^(sc[0-2]?_|src_|table_(cnt|avl)$)/.test(n));
  // src_port and src_is_local are address fetches, not table ones.
  assert.deepEqual(
    [...STICK_FETCH_NAMES].sort(),
    stick.filter((n) => n !== 'src_port' && n !== 'src_is_local'),
  );
});
