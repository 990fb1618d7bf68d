// Where a proxy's memory goes over one run (issue 8, item 11): `node dist/native-bench/memory-trace.js --subject
// orcalb --mode http --threads 4`. One fresh subject on the bench backends, pinned like the bench: RSS (and RssAnon)
// idle, after keep-alive load, after a connection storm, 10 s and 60 s later; for orcalb also every thread's V8 heap
// (memory probe) and, last, RSS after a memory-reducing GC in every thread: what V8 holds but does not use.
// `--snapshots DIR` writes heap snapshots of every thread idle and at the end (compare them in Chrome DevTools).
// Its own process, like run.ts.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBackends } from './backends/backend-launcher.js';
import { planCpuLayout, proxyCpusFor } from './cpu-layout.js';
import { runWrk, type WrkReport } from './load/wrk-run.js';
import { queryMemoryProbe, type ThreadMemory } from './memory-probe-client.js';
import { MIB, samplePeak, statusBytes, treeFds, treeRss } from './process-figures.js';
import { ProcessGroup } from './process-group.js';
import { PROXY_NOFILE, SEED_MAXCONN } from './scenarios/subject-rounds.js';
import { launcherOf } from './subjects/registry.js';
import type { RunningSubject } from './subjects/subject.js';

const { values } = parseArgs({
  options: {
    subject: { type: 'string', default: 'orcalb' }, mode: { type: 'string', default: 'http' }, threads: { type: 'string', default: '1' },
    load: { type: 'string', default: '60' }, storm: { type: 'string', default: '20' }, 'storm-conns': { type: 'string', default: '1000' },
    snapshots: { type: 'string' },
  },
});
const subjectName = values.subject === 'haproxy' ? 'haproxy' : 'orcalb';
const mode = values.mode === 'tcp' ? 'tcp' : 'http';
const threads = Number(values.threads);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function heaps(list: readonly ThreadMemory[] | undefined): string {
  if (list === undefined) return '';
  // used/committed (new space), per thread: where the resident heap is.
  return list.map((t) => `${t.name} ${(t.heapUsed / MIB).toFixed(0)}/${(t.heapTotal / MIB).toFixed(0)} (${(t.newSpace / MIB).toFixed(0)})`).join(', ');
}

function rssAnon(pid: number): number {
  try {
    return statusBytes(readFileSync(`/proc/${pid}/status`, 'utf8'), 'RssAnon');
  } catch {
    return 0;
  }
}

async function phase(s: RunningSubject, label: string, load: WrkReport | undefined, peakFds?: number, cmd = 'stats'): Promise<void> {
  const pid = s.pid ?? 0;
  const figures = s.memoryProbePort === undefined ? undefined : await queryMemoryProbe(s.memoryProbePort, cmd);
  const rps = load === undefined ? '' : load.reqPerS.toFixed(0);
  const cells = [label, (treeRss(pid) / MIB).toFixed(0), (rssAnon(pid) / MIB).toFixed(0), treeFds(pid), peakFds ?? '', rps, heaps(figures)];
  process.stdout.write(`| ${cells.join(' | ')} |\n`);
}

const group = new ProcessGroup();
const layout = planCpuLayout();
const tmpDir = mkdtempSync(join(tmpdir(), 'orcalb-memtrace-'));
const backends = await startBackends(group, 'http', layout.load);
try {
  const started = await launcherOf(subjectName).start(
    { mode, servers: backends.ports, threads, maxconn: SEED_MAXCONN },
    { group, cpus: proxyCpusFor(layout, threads), tmpDir, nofile: PROXY_NOFILE, memoryProbe: true },
  );
  if (started.kind !== 'running') throw new Error(`${subjectName}: ${started.kind}: ${started.note}`);
  const s = started.subject;
  const pid = s.pid ?? 0;
  const port = s.ports[0] ?? 0;
  process.stdout.write(`${subjectName}, mode ${mode}, ${threads} thread(s); heaps: used/committed (new space) MiB\n\n`);
  process.stdout.write('| phase | RSS MiB | RssAnon MiB | fds | fds peak | req/s | V8 heaps |\n|---|---:|---:|---:|---:|---:|---|\n');
  await sleep(3000);
  await phase(s, 'idle', undefined, treeFds(pid));
  // After the idle reading: the snapshot writer's buffers are malloc'd, and glibc keeps them (tens of MiB of RSS).
  const snapshot = async (): Promise<void> => {
    if (values.snapshots !== undefined && s.memoryProbePort !== undefined) {
      await queryMemoryProbe(s.memoryProbePort, `snapshot ${values.snapshots}`, 60_000);
    }
  };
  await snapshot();
  let fds = samplePeak(() => treeFds(pid));
  const wrk = (conns: number, durationS: number, close: boolean): Promise<WrkReport> =>
    runWrk(group, { port, conns, durationS, threads: 1, close, cpus: layout.load });
  const ka = await wrk(64, Number(values.load), false);
  await phase(s, `after ${values.load} s keep-alive (64 conns)`, ka, fds.stop());
  fds = samplePeak(() => treeFds(pid));
  const storm = await wrk(Number(values['storm-conns']), Number(values.storm), true);
  await phase(s, `after ${values.storm} s storm (${values['storm-conns']} conns, close)`, storm, fds.stop());
  await sleep(10_000);
  await phase(s, '10 s later', undefined);
  await sleep(50_000);
  await phase(s, '60 s later', undefined);
  if (s.memoryProbePort !== undefined) {
    await snapshot();
    await phase(s, 'after a memory-reducing GC', undefined, undefined, 'gc');
  }
  await s.stop();
} finally {
  await backends.stop();
  await group.stopAll();
  rmSync(tmpDir, { recursive: true, force: true });
}
