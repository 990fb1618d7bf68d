// Scenario 6, idle connections: memory per proxied connection. Per round and subject: a fresh proxy, its RSS (whole
// process tree) idle, then 10,000 client connections proxied to the backends and held idle, RSS again once every
// server-side connection has arrived; (after − before) / connections. The pingora-style separate RSS scenario.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBackends, type Backends } from '../backends/backend-launcher.js';
import { hardFdLimit, treeRss } from '../process-group.js';
import { record, ROW_STATUS, rowsOf, type MetricSpec, type RunTable, type SubjectName, type SubjectOutcome } from '../result-model.js';
import type { RunningSubject } from '../subjects/subject.js';
import { startSubject } from './subject-rounds.js';
import type { Scenario, ScenarioContext } from './scenario.js';

const IDLE_CLIENT = join(dirname(fileURLToPath(import.meta.url)), '../load/idle-client.js');
const METRICS: readonly MetricSpec[] = [
  { name: 'memory per connection', unit: 'KiB', better: 'lower' },
  { name: 'RSS idle', unit: 'MiB', better: 'lower', informational: true },
];
/** RSS is read after it stops moving: three reads 200 ms apart within 1 % (at most 5 s). */
async function settledRss(pid: number): Promise<number> {
  let last = treeRss(pid);
  let stable = 0;
  for (let i = 0; i < 25 && stable < 2; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = treeRss(pid);
    stable = Math.abs(now - last) <= last * 0.01 ? stable + 1 : 0;
    last = now;
  }
  return last;
}

async function waitForConns(backends: Backends, want: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let have = await backends.liveConnections();
  while (have < want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    have = await backends.liveConnections();
  }
  return have;
}

/**
 * Connections to hold: the setting, or fewer when the proxy's open-file limit cannot take two sockets per
 * connection plus some headroom (a container may cap `ulimit -Hn`, e.g. at 20,000).
 */
function idleCount(ctx: ScenarioContext): number {
  return Math.min(ctx.settings.idleConns, Math.floor((hardFdLimit() - 400) / 2));
}

async function measureOnce(ctx: ScenarioContext, s: RunningSubject, backends: Backends): Promise<Record<string, number>> {
  const pid = s.pid;
  if (pid === undefined) throw new Error('no proxy process');
  const before = await settledRss(pid);
  const n = idleCount(ctx);
  const client = ctx.group.spawn({
    name: 'idle-client', command: process.execPath, args: [IDLE_CLIENT, '--port', String(s.ports[0] ?? 0), '--conns', String(n)],
    cpus: ctx.layout.load, nofile: 65_536,
  });
  try {
    const line = await client.waitFor(/^idle open \d+/, 60_000);
    const open = Number(/idle open (\d+)/.exec(line)?.[1] ?? '0');
    const arrived = await waitForConns(backends, open, 20_000);
    if (arrived < open) throw new Error(`only ${arrived} of ${open} connections reached the backends`);
    const after = await settledRss(pid);
    return { 'memory per connection': (after - before) / open / 1024, 'RSS idle': before / (1 << 20) };
  } finally {
    client.send('close');
    await client.stop('SIGTERM', 3000);
  }
}

export const idleMemory: Scenario = {
  id: 'idle-memory',
  title: 'Idle connections: RSS per proxied connection',
  async run(ctx) {
    const subjects = (['orcalb', 'haproxy', 'nginx'] as const).filter((s) => ctx.settings.subjects.includes(s));
    const n = idleCount(ctx);
    if (n < ctx.settings.idleConns) ctx.log(`  ${n} connections, not ${ctx.settings.idleConns}: the open-file hard limit is ${hardFdLimit()}`);
    const caseLabel = `conns=${n}`;
    const table: RunTable = new Map();
    const outcomes = new Map<SubjectName, SubjectOutcome>();
    const backends = await startBackends(ctx.group, 'bulk', ctx.layout.load);
    try {
      for (let round = 0; round < ctx.settings.rounds; round++) {
        for (const name of subjects) {
          if (outcomes.has(name)) continue;
          // A fresh process per measurement: memory left over from the previous round would hide the delta.
          const started = await startSubject(ctx, name, { mode: 'tcp', servers: backends.ports, threads: ctx.settings.threads, maxconn: n + 50 });
          if (!('running' in started)) {
            outcomes.set(name, started.outcome);
            continue;
          }
          let values: Record<string, number> = {};
          try {
            values = await measureOnce(ctx, started.running, backends);
            ctx.log(`  round ${round + 1} ${name}: ${(values['memory per connection'] ?? Number.NaN).toFixed(2)} KiB/conn`);
          } catch (e) {
            ctx.log(`  round ${round + 1} ${name}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''}`);
          } finally {
            await started.running.stop();
          }
          record(table, name, METRICS, values);
        }
      }
    } finally {
      await backends.stop();
    }
    for (const name of subjects) if (!table.has(name) && !outcomes.has(name)) outcomes.set(name, { status: ROW_STATUS.failed, note: 'no run' });
    return rowsOf(this.id, caseLabel, METRICS, subjects, table, outcomes);
  },
};
