// Starts the bench backends (backend-process.ts) as one child process pinned to the load CPUs, and reads their
// ports and live connection count. Bench runner main thread.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessGroup } from '../process-group.js';

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'backend-process.js');

export type BackendKind = 'bulk' | 'http' | 'ddb';

export interface Backends {
  readonly kind: BackendKind;
  readonly ports: readonly number[];
  /** Connections open on all backends now (asked over the child's stdin). */
  liveConnections(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts `count` backends of `kind` (3 by default, like the seed configs' data nodes). Rejects when the process
 * does not report ready within 10 s. The open-file limit is raised for the idle scenario's 10,000 connections.
 */
export async function startBackends(group: ProcessGroup, kind: BackendKind, cpus: string | undefined, count = 3): Promise<Backends> {
  const child = group.spawn({
    name: `backends(${kind})`,
    command: process.execPath,
    args: [ENTRY, '--kind', kind, '--count', String(count)],
    cpus,
    nofile: 65_536,
  });
  const line = await child.waitFor(/^backends ready /, 10_000);
  const parsed: unknown = JSON.parse(line.slice('backends ready '.length));
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'number')) throw new Error(`backends: bad ready line ${line}`);
  return {
    kind,
    ports: parsed,
    async liveConnections() {
      const from = child.output().length;
      child.send('conns');
      const reply = await child.waitFor(/^conns \d+/, 5000, from);
      return Number(reply.slice('conns '.length));
    },
    stop: async () => void (await child.stop('SIGTERM', 2000)),
  };
}
