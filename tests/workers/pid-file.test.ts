// The PID file's start and undo (workers/pid-file.ts): written before the threads start, so a start that fails after
// it must put back what the file said (the PID of the process `-sf` was to replace, which serves on), and never
// touch a file a successor has written since. Real files in a temporary directory. Test-runner thread.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PidFile } from '../../workers/pid-file.js';

function tempFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-pidfile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'orcalb.pid');
}

test('a failed start puts the previous PID back', (t) => {
  const path = tempFile(t);
  writeFileSync(path, '4242\n');
  const f = new PidFile(path);
  f.write();
  assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n`);
  f.revert();
  assert.equal(readFileSync(path, 'utf8'), '4242\n');
});

test('a failed start with no file before removes the one it wrote', (t) => {
  const path = tempFile(t);
  const f = new PidFile(path);
  f.write();
  f.revert();
  assert.equal(existsSync(path), false);
});

test('a file another process wrote since is left alone, by revert and by remove', (t) => {
  const path = tempFile(t);
  writeFileSync(path, '4242\n');
  const f = new PidFile(path);
  f.write();
  writeFileSync(path, '777\n');
  f.revert();
  assert.equal(readFileSync(path, 'utf8'), '777\n');
  const g = new PidFile(path);
  g.write();
  writeFileSync(path, '778\n');
  g.remove();
  assert.equal(readFileSync(path, 'utf8'), '778\n');
});
