// The stick-table fetches the registry offers (core/acl/fetch-stick.ts over core/stick/stick-fetches.ts) are exactly
// those haproxy 2.6.12 registers (`haproxy -dKsmp`: sc_*, sc0_*…sc2_*, the src_* table fetches, table_cnt/avl),
// with its signatures.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getFetch } from '../../core/acl/registry.js';
import { STICK_FETCH_NAMES } from '../../core/stick/stick-fetches.js';
import { runHaproxyCli } from '../support/haproxy-process.js';

/** haproxy's `-dKsmp` rows of the stick fetches: name → argument signature (`integer[,table]`). */
async function haproxyStickFetches(): Promise<Map<string, string>> {
  const run = await runHaproxyCli(['-dKsmp', '-q', '-c', '-f', '/dev/null']);
  const out = new Map<string, string>();
  for (const line of `${run.stdout}${run.stderr}`.split('\n')) {
    const m = /^\[[^\]]*\] ([a-z0-9_.+]+)(?:\(([^)]*)\))?:/.exec(line);
    const name = m?.[1] ?? '';
    if (!/^(sc[0-2]?_|src_|table_(cnt|avl)$)/.test(name) || name === 'src_port' || name === 'src_is_local') continue;
    out.set(name, m?.[2] ?? '');
  }
  return out;
}

test('the registry has every stick-table fetch haproxy 2.6.12 has, and no other, with its arguments', async () => {
  const theirs = await haproxyStickFetches();
  assert.deepEqual([...STICK_FETCH_NAMES].sort(), [...theirs.keys()].sort());
  for (const [name, signature] of theirs) {
    const f = getFetch(name);
    assert.ok(f !== undefined, name);
    // `integer,integer[,table]`: the types in order, the bracketed ones optional.
    const types = signature.replace(/[[\]]/g, '').split(',').filter((t) => t !== '');
    const required = signature.split('[')[0]?.split(',').filter((t) => t !== '') ?? [];
    // A required table (`src_conn_cur(table)`) may be left out: HAProxy fills in the proxy's own table.
    const mandatory = required.at(-1) === 'table' ? required.length - 1 : required.length;
    assert.deepEqual([f.args.types, f.args.mandatory], [types, mandatory], name);
  }
});
