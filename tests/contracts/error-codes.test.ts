// The error codes are a contract (fastify's errors-test idea): README's table lists exactly the codes of
// core/errors.ts with their side, retry flag and meaning; every code in the table is raised somewhere in orcalb's own
// code (core/, config/, workers/); and a retired code is neither in the table nor raised.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERROR_CODES, RETIRED_ERROR_CODES } from '../../core/errors.js';
import { REPO_ROOT as ROOT, tsFiles } from '../support/source-imports.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The code of orcalb's own source files (not errors.ts, which defines the codes), comment lines and // tails removed. */
function raisingSource(): string {
  const files = ['core', 'config', 'workers'].flatMap((d) => tsFiles(join(ROOT, d)));
  return files
    .filter((f) => f !== join(ROOT, 'core', 'errors.ts'))
    .map((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\*|\/\/)/.test(line))
        .map((line) => line.replace(/\s\/\/.*$/, ''))
        .join('\n'),
    )
    .join('\n');
}

test('README lists exactly the error codes of core/errors.ts, with their side, retry flag and meaning', () => {
  const block = /<!-- error-codes:start[^>]*-->([\s\S]*?)<!-- error-codes:end -->/.exec(readme)?.[1] ?? '';
  const rows = [...block.matchAll(/^\| `(ORCA_[A-Z_]+)` \| (\w+) \| (yes|no) \| (.+?) \|$/gm)].map((m) => [m[1], m[2], m[3], m[4]]);
  const table = Object.entries(ERROR_CODES).map(([code, [side, retryable, meaning]]) => [code, side, retryable ? 'yes' : 'no', meaning]);
  assert.deepEqual(rows, table);
});

test('every code in the table is raised somewhere in core/, config/ or workers/', () => {
  const source = raisingSource();
  const unraised = Object.keys(ERROR_CODES).filter((code) => !source.includes(`'${code}'`));
  assert.deepEqual(unraised, []);
});

test('retired codes stay retired: out of the table, raised nowhere, and named in README', () => {
  const source = raisingSource();
  for (const code of RETIRED_ERROR_CODES) {
    assert.ok(!Object.hasOwn(ERROR_CODES, code), `${code} is back in the table`);
    assert.ok(!source.includes(`'${code}'`), `${code} is raised`);
    assert.ok(readme.includes(`\`${code}\``), `README does not name the retired ${code}`);
  }
});

test('codes are named ORCA_<AREA>_<WHAT>', () => {
  for (const code of Object.keys(ERROR_CODES)) assert.match(code, /^ORCA_[A-Z]+(_[A-Z]+)*$/);
});
