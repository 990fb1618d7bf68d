// README's fetch and converter tables are a contract (the fastify errors-test style): they list exactly the keywords
// core/acl/registry.ts implements, in its order, so the users' documentation never promises a fetch orcalb lacks nor
// hides one it has.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PROGRAM_ACTIONS } from '../../config/keywords/http-rules.js';
import { converterNames, fetchNames } from '../../core/acl/registry.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The backquoted names of the first column of each row of the table whose header starts with `header`. */
function column(block: string, header: string): string[] {
  const table = block.slice(block.indexOf(header));
  const rows = table.split('\n').slice(2);
  const end = rows.findIndex((r) => !r.startsWith('|'));
  return rows.slice(0, end < 0 ? rows.length : end).flatMap((r) => [...(r.split(' | ')[0] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ''));
}

test('README lists exactly the fetches and converters of the registry, in its order', () => {
  const block = /<!-- acl-fetches:start[^>]*-->([\s\S]*?)<!-- acl-fetches:end -->/.exec(readme)?.[1] ?? '';
  assert.deepEqual(column(block, '| fetches orcalb evaluates'), fetchNames());
  assert.deepEqual(column(block, '| converters orcalb evaluates'), converterNames());
});

test("README's HTTP rules table lists exactly the actions the rule program runs, per rule keyword", () => {
  const block = /<!-- http-actions:start[^>]*-->([\s\S]*?)<!-- http-actions:end -->/.exec(readme)?.[1] ?? '';
  for (const [keyword, actions] of Object.entries(PROGRAM_ACTIONS)) {
    const row = block.split('\n').find((r) => r.startsWith(`| \`${keyword}\` |`)) ?? '';
    const listed = [...(row.split(' | ')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
    assert.deepEqual(listed, actions, keyword);
  }
});
