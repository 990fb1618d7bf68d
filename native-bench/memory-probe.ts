// A diagnostic preload for measuring orcalb's memory from inside, kept out of the product: `node --expose-gc
// --import dist/native-bench/memory-probe.js dist/workers/main.js …` with ORCALB_MEMPROBE_PORT set. Node runs the
// preload in the main thread and in every file-backed worker (acceptor, health checker, piscina's forwarders), so
// each thread answers heap statistics, a forced GC or a heap snapshot; the main thread serves the commands on
// 127.0.0.1 (memory-probe-client.ts asks). Nothing in dist/workers/ imports this file: production builds never write
// heap snapshots.

import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { PerformanceObserver, constants as perfConstants, monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import * as threads from 'node:worker_threads';
import { MEMPROBE_PORT_ENV, type ThreadMemory } from './memory-probe-client.js';

/** The channel the main thread broadcasts commands on, and the one every thread answers on. */
const COMMANDS = 'orcalb-memprobe-commands';
const ANSWERS = 'orcalb-memprobe-answers';
/** How long the main thread collects answers: threads answer from their event loop, busy ones a little late. */
const COLLECT_MS = 400;

type Command = { readonly id: number; readonly cmd: 'stats' | 'gc' } | { readonly id: number; readonly cmd: 'snapshot'; readonly dir: string };

function threadLabel(): string {
  if (threads.isMainThread) return 'main';
  // threadName is Node ≥ 24 (not in the @types of our Node 22 floor); spawn.ts names each thread after its kind,
  // a forwarder with its slot ('forwarder 3', issue 15): the label is the kind. An unnamed worker (Node's default,
  // builds before issue 10) was a forwarder.
  const name = (threads as { readonly threadName?: unknown }).threadName;
  return typeof name !== 'string' || name === '' || name === 'WorkerThread' ? 'forwarder' : name.replace(/ \d+$/, '');
}

const gcTotals = { scavenges: 0, scavengeMs: 0, majorGcs: 0, majorGcMs: 0, gcMaxMs: 0, gcOver2Ms: 0 };
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.duration > gcTotals.gcMaxMs) gcTotals.gcMaxMs = e.duration;
    if (e.duration >= 2) gcTotals.gcOver2Ms++;
    const kind = ((e as { readonly detail?: unknown }).detail as { kind?: number } | undefined)?.kind;
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) {
      gcTotals.scavenges++;
      gcTotals.scavengeMs += e.duration;
    } else {
      gcTotals.majorGcs++;
      gcTotals.majorGcMs += e.duration;
    }
  }
}).observe({ entryTypes: ['gc'] });

function threadCpuUs(): number {
  const f = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage;
  if (f === undefined) return Number.NaN;
  const u = f.call(process);
  return u.user + u.system;
}

function figures(snapshot?: string): ThreadMemory {
  const h = getHeapStatistics();
  const spaces = getHeapSpaceStatistics();
  const space = (n: string): number => spaces.find((s) => s.space_name === n)?.space_size ?? 0;
  const mu = process.memoryUsage();
  return {
    thread: threads.threadId,
    name: threadLabel(),
    heapUsed: h.used_heap_size,
    heapTotal: h.total_heap_size,
    heapLimit: h.heap_size_limit,
    external: mu.external,
    arrayBuffers: mu.arrayBuffers,
    mallocedMemory: h.malloced_memory,
    newSpace: space('new_space'),
    oldSpace: space('old_space'),
    threadCpuUs: threadCpuUs(),
    ...gcTotals,
    ...loopDelayFigures(),
    ...(snapshot === undefined ? {} : { snapshot }),
  };
}

/** The event-loop delay since the last reading (ns → ms), then a fresh histogram. */
function loopDelayFigures(): { loopDelayP99Ms: number; loopDelayMaxMs: number } {
  const f = { loopDelayP99Ms: loopDelay.percentile(99) / 1e6, loopDelayMaxMs: loopDelay.max / 1e6 };
  loopDelay.reset();
  return f;
}

function asCommand(v: unknown): Command | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as { id?: unknown; cmd?: unknown; dir?: unknown };
  if (typeof m.id !== 'number') return undefined;
  if (m.cmd === 'stats' || m.cmd === 'gc') return { id: m.id, cmd: m.cmd };
  if (m.cmd === 'snapshot' && typeof m.dir === 'string') return { id: m.id, cmd: 'snapshot', dir: m.dir };
  return undefined;
}

/** Runs one command in this thread and returns its figures (gc: after a full collection, when --expose-gc is on). */
function execute(c: Command): ThreadMemory {
  // 'last-resort' is V8's memory-reducing full GC (it also gives pooled pages back), not just a major GC.
  if (c.cmd === 'gc' && typeof globalThis.gc === 'function') void globalThis.gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  if (c.cmd === 'snapshot') {
    return figures(writeHeapSnapshot(join(c.dir, `${threadLabel()}-${threads.threadId}-${c.id}.heapsnapshot`)));
  }
  return figures();
}

const commands = new threads.BroadcastChannel(COMMANDS);
const answers = new threads.BroadcastChannel(ANSWERS);
// Neither channel may keep a thread alive: orcalb's own lifecycle decides when threads end.
commands.unref();
answers.unref();

if (!threads.isMainThread) {
  commands.onmessage = (event: unknown) => {
    const c = asCommand((event as { data?: unknown }).data);
    if (c !== undefined) answers.postMessage({ id: c.id, figures: execute(c) });
  };
} else {
  const port = process.env[MEMPROBE_PORT_ENV];
  if (port !== undefined) serveCommands(Number(port));
}

/**
 * Main thread: a line protocol on 127.0.0.1:port (0: any; the port is printed as `memprobe listening PORT`).
 * `stats`, `gc`, `snapshot DIR` → one JSON line: an array of ThreadMemory, the main thread's first.
 */
function serveCommands(port: number): void {
  let nextId = 1;
  const pending = new Map<number, ThreadMemory[]>();
  answers.onmessage = (event: unknown) => {
    const d = (event as { data?: unknown }).data as { id?: unknown; figures?: unknown } | undefined;
    if (typeof d?.id === 'number') pending.get(d.id)?.push(d.figures as ThreadMemory);
  };
  const run = (line: string, sock: Socket): void => {
    const [word, arg] = line.trim().split(/\s+/, 2);
    const id = nextId++;
    const c = word === 'snapshot' && arg !== undefined ? { id, cmd: 'snapshot' as const, dir: arg } : asCommand({ id, cmd: word });
    if (c === undefined) return void sock.write(`${JSON.stringify({ error: `unknown command ${JSON.stringify(line)}` })}\n`);
    pending.set(id, [execute(c)]);
    commands.postMessage(c);
    setTimeout(() => {
      const got = pending.get(id) ?? [];
      pending.delete(id);
      sock.write(`${JSON.stringify(got)}\n`);
    }, c.cmd === 'snapshot' ? COLLECT_MS * 10 : c.cmd === 'gc' ? COLLECT_MS * 5 : COLLECT_MS).unref();
  };
  const server = createServer((sock) => {
    sock.setEncoding('utf8');
    sock.on('error', () => undefined);
    let buf = '';
    sock.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        run(buf.slice(0, nl), sock);
        buf = buf.slice(nl + 1);
      }
    });
  });
  server.listen({ host: '127.0.0.1', port }, () => {
    const a = server.address();
    process.stderr.write(`memprobe listening ${a !== null && typeof a === 'object' ? a.port : port}\n`);
  });
  server.unref();
}
