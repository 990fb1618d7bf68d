// House rule for the engine's clock: core/ and workers/ read `performance` from node:perf_hooks, never the global.
// Node defines the global as a replaceable lazy attribute, so every `performance.now()` through it runs a getter in
// JavaScript first: 1.2 % of a forwarder's busy time on L7 keep-alive (`--cpu-prof`, 2026-12-04), as much as the
// clock read itself. An imported binding is a plain reference.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT as ROOT, tsFiles } from '../support/source-imports.js';

test('every file of core/ and workers/ that uses performance imports it from node:perf_hooks', () => {
  const offenders: string[] = [];
  for (const dir of ['core', 'workers']) {
    for (const file of tsFiles(join(ROOT, dir))) {
      const text = readFileSync(file, 'utf8');
      // Code only: comments may name performance.now().
      const code = text
        .split('\n')
        .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
        .map((line) => line.replace(/\/\/.*$/, ''))
        .join('\n');
      if (/\bperformance\.\w/.test(code) && !/import \{[^}]*\bperformance\b[^}]*\} from 'node:perf_hooks'/.test(code)) {
        offenders.push(file.slice(ROOT.length + 1));
      }
    }
  }
  assert.deepEqual(offenders, []);
});
