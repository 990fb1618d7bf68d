// Micro-benchmark: what handing one accepted connection (an fd number) to a forwarder thread costs through a
// piscina pool (one task per connection, resolved at close, LeastBusy balancer) versus a bare worker.postMessage
// to the least-loaded worker picked from per-thread counters in a SharedArrayBuffer (orcalb's design).
// Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/micro/piscina-handoff.js [--runs=5]

import Benchmark from 'benchmark';
import { Piscina } from 'piscina';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/** Handoffs per benchmark op: a burst of accepts, as under load; the cost per handoff is op time / BATCH. */
const BATCH = 256;
const WORKERS = 2;
const ROLE = 'orcalb-bare-forwarder';

// SAB words: [0..WORKERS) live connections per worker (the acceptor's pick reads these), then the done count.
const DONE = WORKERS;

/** Piscina task: "adopts" the fd and resolves at once, as a connection that closes immediately would. */
export default function adopt(fd: number): number {
  return fd;
}

interface BareInit {
  readonly role: typeof ROLE;
  readonly index: number;
  readonly sab: SharedArrayBuffer;
}

function isBareInit(data: unknown): data is BareInit {
  return typeof data === 'object' && data !== null && 'role' in data && data.role === ROLE;
}

/** Bare forwarder: the close of a connection is an Atomics.sub on its live count, no message back. */
function bareForwarder(init: BareInit): void {
  const i32 = new Int32Array(init.sab);
  parentPort?.on('message', (fd: number) => {
    if (fd < 0) return;
    Atomics.sub(i32, init.index, 1);
    Atomics.add(i32, DONE, 1);
    Atomics.notify(i32, DONE);
  });
}

/** Acceptor side of the bare path: least-loaded pick over the SAB counters, then postMessage. */
function barePick(i32: Int32Array): number {
  let best = 0;
  let bestLoad = Atomics.load(i32, 0);
  for (let w = 1; w < WORKERS; w++) {
    const load = Atomics.load(i32, w);
    if (load < bestLoad) {
      best = w;
      bestLoad = load;
    }
  }
  Atomics.add(i32, best, 1);
  return best;
}

/** Resolves once the DONE word reaches `target`, without blocking the event loop (waitAsync, never wait). */
async function untilDone(i32: Int32Array, target: number): Promise<void> {
  for (;;) {
    const seen = Atomics.load(i32, DONE);
    if (seen >= target) return;
    const waited = Atomics.waitAsync(i32, DONE, seen);
    if (waited.async) await waited.value;
  }
}

interface Deferred {
  resolve(): void;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** The two piscina set-ups measured: its defaults, and the one a forwarder could live with. */
interface Pools {
  /** Defaults: atomics 'sync' (an idle worker blocks in Atomics.wait), timing histograms on. */
  readonly defaults: Piscina<number, number>;
  /** atomics 'async' (the worker's event loop stays free for its sockets) and no timing histograms. */
  readonly forwarder: Piscina<number, number>;
}

function piscinaBatch(pool: Piscina<number, number>, next: () => number): (d: Deferred) => void {
  return (d: Deferred) => {
    const tasks: Promise<number>[] = [];
    for (let i = 0; i < BATCH; i++) tasks.push(pool.run(next()));
    void Promise.all(tasks).then(() => d.resolve());
  };
}

async function runSuite(pools: Pools, bare: readonly Worker[], i32: Int32Array): Promise<Map<string, number>> {
  let fd = 1000;
  const next = (): number => fd++;
  // DONE keeps counting across runs: start from what the workers have already acknowledged.
  let target = Atomics.load(i32, DONE);
  const suite = new Benchmark.Suite();
  suite
    .add(`piscina defaults run() x${BATCH}`, { defer: true, fn: piscinaBatch(pools.defaults, next) })
    .add(`piscina atomics:async run() x${BATCH}`, { defer: true, fn: piscinaBatch(pools.forwarder, next) })
    .add(`SAB pick + postMessage x${BATCH}`, {
      defer: true,
      fn: (d: Deferred) => {
        target += BATCH;
        for (let i = 0; i < BATCH; i++) bare[barePick(i32)]?.postMessage(fd++);
        void untilDone(i32, target).then(() => d.resolve());
      },
    })
    .add('piscina atomics:async run() x1 (round trip)', {
      defer: true,
      fn: (d: Deferred) => {
        void pools.forwarder.run(fd++).then(() => d.resolve());
      },
    })
    .add('SAB pick + postMessage x1 (round trip)', {
      defer: true,
      fn: (d: Deferred) => {
        target += 1;
        bare[barePick(i32)]?.postMessage(fd++);
        void untilDone(i32, target).then(() => d.resolve());
      },
    });
  const done = new Promise<void>((resolve) => suite.on('complete', () => resolve()));
  suite.on('cycle', (event: Benchmark.Event) => console.log(`  ${String(event.target)}`));
  suite.run({ async: true, maxTime: 2, minSamples: 15 });
  await done;
  const perHandoffUs = new Map<string, number>();
  suite.forEach((b: Benchmark) => {
    const perOp = b.name?.includes(`x${BATCH}`) === true ? BATCH : 1;
    perHandoffUs.set(b.name ?? '?', 1e6 / b.hz / perOp);
  });
  return perHandoffUs;
}

async function main(): Promise<void> {
  const runsArg = process.argv.find((a) => a.startsWith('--runs='));
  const runs = runsArg === undefined ? 5 : Number(runsArg.slice('--runs='.length));
  const self = fileURLToPath(import.meta.url);
  const common = {
    filename: self,
    minThreads: WORKERS,
    maxThreads: WORKERS,
    // A forwarder holds thousands of open connections, each a pending task.
    concurrentTasksPerWorker: 10_000,
    idleTimeout: 60_000,
  };
  const pools: Pools = {
    defaults: new Piscina<number, number>(common),
    forwarder: new Piscina<number, number>({ ...common, atomics: 'async', recordTiming: false }),
  };
  const sab = new SharedArrayBuffer((WORKERS + 1) * 4);
  const i32 = new Int32Array(sab);
  const bare = Array.from({ length: WORKERS }, (_, index) => new Worker(self, { workerData: { role: ROLE, index, sab } }));
  // Warm both paths so thread start-up is not measured.
  await Promise.all(Array.from({ length: 64 }, (_, i) => [pools.defaults.run(i), pools.forwarder.run(i)]).flat());

  const samples = new Map<string, number[]>();
  for (let r = 0; r < runs; r++) {
    console.log(`run ${r + 1}/${runs} (µs per handoff = 1e6 / ops/s / handoffs per op)`);
    for (const [name, us] of await runSuite(pools, bare, i32)) samples.set(name, [...(samples.get(name) ?? []), us]);
  }
  console.log(`\nmedian of ${runs} runs, Node ${process.version}, ${WORKERS} workers:`);
  for (const [name, values] of samples) {
    console.log(`  ${name.padEnd(44)} ${median(values).toFixed(2).padStart(8)} µs per handoff  (runs: ${values.map((v) => v.toFixed(2)).join(', ')})`);
  }
  await Promise.all([pools.defaults.destroy(), pools.forwarder.destroy()]);
  await Promise.all(bare.map((w) => w.terminate()));
}

if (isMainThread) {
  await main();
} else if (isBareInit(workerData)) {
  bareForwarder(workerData);
}
