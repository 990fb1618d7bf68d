// House rule: no `any` in the engine (core/), the thread entries (workers/), the config language (config/) or the
// DolphinDB emulator (emulator/, which lived in core/ until issue 9).
// Without a linter that understands TypeScript 7, this scan keeps the rule honest: values from other threads,
// files and sockets are `unknown` and parsed.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT as ROOT, tsFiles } from '../support/source-imports.js';

test('core/, workers/, config/ and emulator/ contain no explicit any', () => {
  const offenders: string[] = [];
  for (const dir of ['core', 'workers', 'config', 'emulator']) {
    for (const file of tsFiles(join(ROOT, dir))) {
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        // Comments may say "any"; only code counts (JSDoc lines start with `*`).
        const trimmed = line.trim();
        if (trimmed.startsWith('*') || trimmed.startsWith('/*')) return;
        const code = line.replace(/\/\/.*$/, '').replace(/'[^']*'|"[^"]*"|`[^`]*`/g, "''");
        if (/(:\s*any\b|\bas any\b|<any>|\bany\[\])/.test(code)) offenders.push(`${file.slice(ROOT.length + 1)}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  assert.deepEqual(offenders, []);
});
