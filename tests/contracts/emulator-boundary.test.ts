// The DolphinDB emulator (emulator/) is a tool beside orcalb, not a part of it: orcalb's own code (core/, config/,
// workers/) imports nothing from it, so the engine never carries the emulated node's evaluator or sessions. Scans the
// source files' import specifiers (static, `import type`, re-exports and dynamic import()).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const EMULATOR = join(ROOT, 'emulator') + sep;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative module specifier of a TypeScript file, resolved to an absolute path. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? '');
  return specs.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s));
}

test('core/, config/ and workers/ import nothing from emulator/', () => {
  const offenders: string[] = [];
  for (const dir of ['core', 'config', 'workers']) {
    for (const file of tsFiles(join(ROOT, dir))) {
      for (const target of importsOf(file)) {
        if (target.startsWith(EMULATOR)) offenders.push(`${relative(ROOT, file)} → ${relative(ROOT, target)}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('the scan sees the emulator imports that do exist (the demo and the tests import it)', () => {
  // Guards the scan itself: a regex that matched nothing would pass the test above for any code.
  const seen = tsFiles(join(ROOT, 'tests')).flatMap(importsOf).filter((t) => t.startsWith(EMULATOR));
  assert.ok(seen.some((t) => t.endsWith(`${sep}emulated-node.js`)), 'no test imports emulator/emulated-node.js');
});

test('the package entries of the emulator (orcalb-ddb-node, npm start) are built from emulator/', () => {
  const pkg: unknown = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.ok(typeof pkg === 'object' && pkg !== null && 'bin' in pkg && 'scripts' in pkg);
  const { bin, scripts } = pkg as { bin: Record<string, string>; scripts: Record<string, string> };
  assert.equal(bin['orcalb-ddb-node'], 'dist/emulator/ddb-node.js');
  assert.match(scripts['start'] ?? '', /\bdist\/emulator\/demo\.js\b/);
  for (const source of ['emulator/ddb-node.ts', 'emulator/demo.ts']) assert.ok(statSync(join(ROOT, source)).isFile(), source);
});
