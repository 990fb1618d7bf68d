// Test-only preload that makes orcalb's forwarders (or, with HEAP_HOG_THREAD=acceptor, its acceptor) run out of V8
// heap on demand: `node --import dist/tests/support/heap-hog-preload.js dist/workers/main.js …`, then SIGUSR2 to the
// process. Node runs a preload in the main thread and in every file-backed worker; each targeted thread then retains
// on-heap arrays until its old generation is full (Node ends it with ERR_WORKER_OUT_OF_MEMORY) or until HOG_BOUND_MB,
// whichever comes first. Product code knows nothing of it.

import * as threads from 'node:worker_threads';

/** Far above any bound orcalb sets, far below the ~4 GiB V8 gives an unbounded thread on a big machine. */
const HOG_BOUND_MB = 1536;
/** Each retained array: 1 Mi doubles, 8 MiB on V8's heap (large-object space, counted in the old generation). */
const CHUNK_DOUBLES = 1 << 20;
const CHANNEL = 'orcalb-test-heap-hog';

/** The environment variable naming the thread kind to fill: 'forwarder' (default) or 'acceptor'. */
const HOG_TARGET_ENV = 'HEAP_HOG_THREAD';

/**
 * True in the targeted threads. workers/spawn.ts names every thread after its kind ('forwarder N', 'acceptor',
 * 'health-checker'); an unnamed worker (Node's default 'WorkerThread') counts as a forwarder, as forwarders were
 * before issue 10 (threadName is Node ≥ 24, absent from the @types of our floor).
 */
function isTarget(): boolean {
  if (threads.isMainThread) return false;
  const name = (threads as { readonly threadName?: unknown }).threadName;
  // A forwarder's name carries its slot ('forwarder 0', issue 15): the kind is the name without it.
  const kind = name === 'WorkerThread' || typeof name !== 'string' ? 'forwarder' : name.replace(/ \d+$/, '');
  return kind === (process.env[HOG_TARGET_ENV] ?? 'forwarder');
}

const channel = new threads.BroadcastChannel(CHANNEL);
channel.unref();
if (threads.isMainThread) {
  process.on('SIGUSR2', () => channel.postMessage('hog'));
} else if (isTarget()) {
  const kept: number[][] = [];
  channel.onmessage = () => {
    // Synchronous on purpose: the thread must reach its limit with its connections open, not in between them.
    while (kept.length * 8 < HOG_BOUND_MB) kept.push(new Array<number>(CHUNK_DOUBLES).fill(kept.length + 0.5));
    process.stderr.write(`heap-hog: thread ${threads.threadId} holds ${kept.length * 8} MiB and lives on\n`);
  };
}
