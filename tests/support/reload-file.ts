// A running orcalb started on a configuration file a test rewrites before each reload (issue 15's reload tests):
// the reload's last log line as its outcome, and the tags of the servers that answer new connections. Test-runner
// thread.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { requestTag, startBackendFarm, type BackendFarm } from './backend-farm.js';
import { freeTcpPort } from './haproxy-process.js';
import { startOrcalb, type OrcalbOptions, type OrcalbProcess } from './orcalb-process.js';
import { pollUntil } from './wait.js';

export interface Running {
  readonly lb: OrcalbProcess;
  readonly front: number;
  readonly farm: BackendFarm;
  /** The file orcalb was started on (its second -f; the first holds a comment only), rewritten before each reload. */
  readonly file: string;
  readonly base: string;
  /** Writes `text`, sends `sig` and resolves with the reload's last log line (done, refused or applied with errors). */
  reload(text: string, sig?: NodeJS.Signals): Promise<string>;
}

export async function startOnFile(t: TestContext, servers: readonly string[], config: (front: number, farm: BackendFarm) => string, opts: OrcalbOptions = {}): Promise<Running> {
  const farm = await startBackendFarm(servers);
  t.after(() => farm.close());
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-reload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const front = await freeTcpPort();
  const base = join(dir, 'base.cfg');
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(base, '# the generated first -f\n');
  writeFileSync(file, config(front, farm));
  const lb = await startOrcalb('# the generated first -f\n', { threads: 2, ...opts, args: [...(opts.args ?? []), '-f', file] });
  t.after(() => lb.stop());
  let done = 0;
  return {
    lb, front, farm, file, base,
    async reload(text, sig = 'SIGUSR2') {
      writeFileSync(file, text);
      lb.signal(sig);
      done++;
      const ends = (): string[] => lb.stderr().split('\n').filter((l) => /reload (done|refused|applied)/.test(l));
      await pollUntil(() => ends().length >= done, 10_000, `reload ${done} over`, 20);
      return ends()[done - 1] ?? '';
    },
  };
}

/** The servers that answer `n` new connections, in order. */
export async function tags(front: number, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await requestTag(front, `r${i}`)).tag);
  return out;
}

export function count(list: readonly string[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const x of list) c[x] = (c[x] ?? 0) + 1;
  return c;
}

