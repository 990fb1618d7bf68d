// Scenario: idle connections: memory per proxied connection at 4,000 and 10,000 (or as many as the open-file limit
// allows, 9,800 under a 20,000 hard limit) idle connections, and the idle RSS of the whole process (issue 10's
// memory targets). Per round and subject: a fresh proxy, its RSS (whole process tree) idle, then the client
// connections proxied to the backends and held idle, RSS again once every server-side connection has arrived;
// (after − before) / connections. The pingora-style separate RSS scenario. "RSS after" is read once the clients
// have closed: what the proxy keeps of connections that are gone.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBackends, type Backends } from '../backends/backend-launcher.js';
import { hardFdLimit } from '../process-group.js';
import { IDLE_SETTLE, MIB, PROCESS_METRICS, samplePeak, settledRss, treeFds, treeRss } from '../process-figures.js';
import type { MetricSpec, ResultRow } from '../result-model.js';
import type { RunningSubject } from '../subjects/subject.js';
import { measureFreshPerRound } from './subject-rounds.js';
import type { Scenario, ScenarioContext } from './scenario.js';

const IDLE_CLIENT = join(dirname(fileURLToPath(import.meta.url)), '../load/idle-client.js');
const METRICS: readonly MetricSpec[] = [
  { name: 'memory per connection', unit: 'KiB', better: 'lower' },
  { name: 'RSS idle', unit: 'MiB', better: 'lower', informational: true },
  // The part of it that is the process's own (RssAnon): the rest is file pages (the program's binary, libraries),
  // page cache the kernel can take back, which orcalb gives back itself once quiet (native/resident-trim.c).
  { name: 'RSS idle, anonymous', unit: 'MiB', better: 'lower', informational: true },
  ...PROCESS_METRICS,
];

/** Polls the backends' live connection count until it reaches `want` (up: at least, down: at most) or timeoutMs. */
async function waitForConns(backends: Backends, want: number, timeoutMs: number, direction: 'up' | 'down' = 'up'): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const reached = (n: number): boolean => (direction === 'up' ? n >= want : n <= want);
  let have = await backends.liveConnections();
  while (!reached(have) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    have = await backends.liveConnections();
  }
  return have;
}

/**
 * Connections to hold: `wanted`, or fewer when the proxy's open-file limit cannot take two sockets per
 * connection plus some headroom (a container may cap `ulimit -Hn`, e.g. at 20,000).
 */
function idleCount(wanted: number): number {
  return Math.min(wanted, Math.floor((hardFdLimit() - 400) / 2));
}

async function measureOnce(ctx: ScenarioContext, s: RunningSubject, backends: Backends, n: number): Promise<Record<string, number>> {
  const pid = s.pid;
  if (pid === undefined) throw new Error('no proxy process');
  // Both readings wait for the idle state (IDLE_SETTLE): a proxy that gives memory back once quiet is read after.
  const before = await settledRss(pid, IDLE_SETTLE);
  const anonymous = treeRss(pid, 'RssAnon');
  const fds = samplePeak(() => treeFds(pid));
  const client = ctx.group.spawn({
    name: 'idle-client', command: process.execPath, args: [IDLE_CLIENT, '--port', String(s.ports[0] ?? 0), '--conns', String(n)],
    cpus: ctx.layout.load, nofile: 65_536,
  });
  let values: Record<string, number>;
  let peak: number;
  try {
    const line = await client.waitFor(/^idle open \d+/, 60_000);
    const open = Number(/idle open (\d+)/.exec(line)?.[1] ?? '0');
    const arrived = await waitForConns(backends, open, 20_000);
    if (arrived < open) throw new Error(`only ${arrived} of ${open} connections reached the backends`);
    const after = await settledRss(pid, IDLE_SETTLE);
    values = { 'memory per connection': (after - before) / open / 1024, 'RSS idle': before / MIB, 'RSS idle, anonymous': anonymous / MIB };
  } finally {
    client.send('close');
    await client.stop('SIGTERM', 3000);
    peak = fds.stop();
  }
  // Every server-side connection must be gone too before "after" means anything.
  await waitForConns(backends, 0, 20_000, 'down');
  return { ...values, 'fds at peak': peak, 'RSS after': (await settledRss(pid)) / MIB };
}

export const idleMemory: Scenario = {
  id: 'idle-memory',
  title: 'Idle connections: RSS per proxied connection',
  async run(ctx) {
    const backends = await startBackends(ctx.group, 'bulk', ctx.layout.load);
    const rows: ResultRow[] = [];
    try {
      for (const wanted of ctx.settings.idleConns) {
        const n = idleCount(wanted);
        if (n < wanted) ctx.log(`  ${n} connections, not ${wanted}: the open-file hard limit is ${hardFdLimit()}`);
      }
      // Under a low open-file limit both sizes may come down to the same count: measure it once.
      for (const n of new Set(ctx.settings.idleConns.map(idleCount))) {
        rows.push(...(await measureFreshPerRound(ctx, {
          scenario: this.id,
          caseLabel: `conns=${n}`,
          spec: { mode: 'tcp', servers: backends.ports, threads: ctx.settings.threads, maxconn: n + 50 },
          subjects: ['orcalb', 'haproxy', 'nginx'],
          metrics: METRICS,
          measure: (s) => measureOnce(ctx, s, backends, n),
        })));
      }
      return rows;
    } finally {
      await backends.stop();
    }
  },
};
