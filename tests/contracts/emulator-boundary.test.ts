// The DolphinDB emulator (emulator/) is a tool beside orcalb, not a part of it: orcalb's own code (core/, config/,
// workers/) imports nothing from it, so the engine never carries the emulated node's evaluator or sessions. Scans the
// source files' import specifiers (static, `import type`, re-exports and dynamic import()).

import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importGraph, REPO_ROOT as ROOT } from '../support/source-imports.js';

test('core/, config/ and workers/ import nothing from emulator/', () => {
  const offenders = importGraph(['core', 'config', 'workers'])
    .filter((e) => e.to.startsWith('emulator/'))
    .map((e) => `${e.from} → ${e.to}`);
  assert.deepEqual(offenders, []);
});

test('the scan sees the emulator imports that do exist (the demo and the tests import it)', () => {
  // Guards the scan itself: a regex that matched nothing would pass the test above for any code.
  const seen = importGraph(['tests']).filter((e) => e.to.startsWith('emulator/'));
  assert.ok(seen.some((e) => e.to === 'emulator/emulated-node.ts'), 'no test imports emulator/emulated-node.ts');
});

test('the package entries of the emulator (orcalb-ddb-node, npm start) are built from emulator/', () => {
  const pkg: unknown = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.ok(typeof pkg === 'object' && pkg !== null && 'bin' in pkg && 'scripts' in pkg);
  const { bin, scripts } = pkg as { bin: Record<string, string>; scripts: Record<string, string> };
  assert.equal(bin['orcalb-ddb-node'], 'dist/emulator/ddb-node.js');
  assert.match(scripts['start'] ?? '', /\bdist\/emulator\/demo\.js\b/);
  for (const source of ['emulator/ddb-node.ts', 'emulator/demo.ts']) assert.ok(statSync(join(ROOT, source)).isFile(), source);
});
