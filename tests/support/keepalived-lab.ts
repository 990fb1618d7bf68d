// Test support: Debian's keepalived inside a tests/support/netns-lab.ts host, with config/examples/keepalived/'s
// keepalived.conf (the MASTER's) and the backup's three changed lines, as issues 15 and 17's pairs run it. The VRRP
// child, which outlives a parent killed hard, is adopted by the lab through its PID file. Test-runner thread.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { LabHost, NetnsLab } from './netns-lab.js';
import { pollFor } from './wait.js';

/** The example keepalived.conf, the MASTER's. */
export const KEEPALIVED_EXAMPLE = readFileSync(new URL('../../../config/examples/keepalived/keepalived.conf', import.meta.url), 'utf8');

/** The backup's keepalived.conf, as the example's comments say to write it. */
export function keepalivedBackupConf(): string {
  const out = KEEPALIVED_EXAMPLE.replace(/router_id ha_1/, 'router_id ha_2').replace(/state MASTER/, 'state BACKUP').replace(/priority 100/, 'priority 80');
  assert.notEqual(out, KEEPALIVED_EXAMPLE);
  return out;
}

/**
 * Starts keepalived in `host` with `conf` (files in `dir` named after `name`), stopped after the test; returns a
 * reader of its output (for failure messages).
 */
export function startKeepalived(t: TestContext, lab: NetnsLab, host: LabHost, name: string, conf: string, dir: string): () => string {
  const file = join(dir, `${name}.conf`);
  writeFileSync(file, conf);
  const pids = ['pid', 'vrrp.pid'].map((f) => join(dir, `${name}.${f}`));
  const p = lab.start(host, 'keepalived', ['-n', '-l', '-D', '-P', '-f', file, '-p', pids[0] ?? '', '-r', pids[1] ?? '']);
  t.after(() => p.stop());
  void pollFor(() => pidFromFile(pids[1] ?? '') !== undefined, 5000, 20).then(() => {
    const child = pidFromFile(pids[1] ?? '');
    if (child !== undefined) lab.adopt(child);
  });
  return () => p.output();
}

/** The PID a PID file holds, or undefined (missing, empty, not a number). */
export function pidFromFile(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
