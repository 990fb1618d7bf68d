// Runs one of our load generators (bulk-client, ddb-client, ddb-ws-client, ddb-json-client, tls-handshake-client) as a pinned child process and parses its JSON result
// line; bounded in time (killed after its duration + 15 s). Bench runner main thread.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CpuWindow } from '../process-cpu.js';
import type { ProcessGroup } from '../process-group.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Starts `node load/<entry>.js args…` on cpus; resolves with the numeric fields of the last JSON line it prints.
 * `window` is opened and closed at the generator's `window start` / `window end` lines (its counting time, without
 * its start-up and warm-up). Rejects when it exits without a result or runs past durationS + 15 s.
 */
export async function runGenerator(
  group: ProcessGroup,
  entry: 'bulk-client' | 'ddb-client' | 'ddb-ws-client' | 'ddb-json-client' | 'tls-handshake-client',
  args: readonly string[],
  cpus: string | undefined,
  durationS: number,
  window?: CpuWindow,
): Promise<Record<string, number>> {
  const child = group.spawn({ name: entry, command: process.execPath, args: [join(HERE, `${entry}.js`), ...args], cpus, nofile: 65_536 });
  if (window !== undefined) {
    // Read at the line's arrival (the generator writes it synchronously to a pipe): a few ms late at most.
    const bound = (line: RegExp, then: () => void): void =>
      void child.waitFor(line, (durationS + 60) * 1000).then(then, () => undefined);
    bound(/^window start$/, () => window.begin());
    bound(/^window end$/, () => window.end());
  }
  const timer = setTimeout(() => void child.stop('SIGKILL'), (durationS + 15) * 1000);
  const code = await child.exited;
  clearTimeout(timer);
  const line = child.output().trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`${entry} exited (${code}) without a result:\n${child.output().slice(-1500)}`);
  const parsed: unknown = JSON.parse(line);
  const out: Record<string, number> = {};
  if (typeof parsed === 'object' && parsed !== null) {
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'number') out[k] = v;
  }
  return out;
}
