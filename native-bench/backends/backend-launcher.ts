// Starts the bench backends (backend-process.ts) as child processes pinned to the load CPUs (one by default; thread
// scaling starts one per load CPU so the backends are not the limit), and reads their ports and live connection
// count. Bench runner main thread.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessGroup } from '../process-group.js';

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'backend-process.js');

export type BackendKind = 'bulk' | 'http' | 'ddb';

/** The `http` backends answer `GET /bulk` with a body of BULK_SIZE bytes (the L7 1 MiB bulk scenario). */
export const BULK_PATH = '/bulk';
export const BULK_SIZE = 1 << 20;

export interface Backends {
  readonly kind: BackendKind;
  readonly ports: readonly number[];
  /** Connections open on all backends now (asked over the child's stdin). */
  liveConnections(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts `count` backends of `kind` (3 by default, like the seed configs' data nodes) in each of `processes` child
 * processes. Rejects when a process does not report ready within 10 s. The open-file limit is raised for the idle
 * scenario's 10,000 connections.
 */
export async function startBackends(group: ProcessGroup, kind: BackendKind, cpus: string | undefined, count = 3, processes = 1): Promise<Backends> {
  const children = Array.from({ length: Math.max(1, processes) }, () =>
    group.spawn({ name: `backends(${kind})`, command: process.execPath, args: [ENTRY, '--kind', kind, '--count', String(count)], cpus, nofile: 65_536 }));
  const ports: number[] = [];
  try {
    for (const child of children) {
      const line = await child.waitFor(/^backends ready /, 10_000);
      const parsed: unknown = JSON.parse(line.slice('backends ready '.length));
      if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'number')) throw new Error(`backends: bad ready line ${line}`);
      ports.push(...parsed);
    }
  } catch (e) {
    await Promise.all(children.map((c) => c.stop('SIGTERM', 2000)));
    throw e;
  }
  const liveOf = async (child: (typeof children)[number]): Promise<number> => {
    const from = child.output().length;
    child.send('conns');
    const reply = await child.waitFor(/^conns \d+/, 5000, from);
    return Number(reply.slice('conns '.length));
  };
  return {
    kind,
    ports,
    async liveConnections() {
      let sum = 0;
      for (const c of children) sum += await liveOf(c);
      return sum;
    },
    stop: async () => void (await Promise.all(children.map((c) => c.stop('SIGTERM', 2000)))),
  };
}
