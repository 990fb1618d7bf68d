// Micro-benchmark: the log writer's whole loop on the main thread (core/log/log-writer.ts: doorbell, gathering,
// drain, headers, sendmmsg to a UDP sink that reads in another process), fed by a producer thread that pushes
// httplog-sized lines into its ring at a fixed rate, as a forwarder does. The figure is the main thread's own CPU time
// (process.threadCpuUsage) per line sent: what each wake-up costs shows here, not in micro/log-send.ts's tight loop.
// Run: node_modules/.bin/tsc -p . && node_modules/.bin/node dist/native-bench/micro/log-writer-loop.js [lines/s ...]

import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { LogWriter } from '../../core/log/log-writer.js';
import { loadNativeAddon } from '../../core/native-addon.js';
import { allocateLogRings, LogRingProducer } from '../../core/shared/log-ring.js';
import { SharedState } from '../../core/shared/state-buffer.js';
import { topologyOf } from '../../core/shared/topology.js';
import { load, validConfig } from '../../tests/support/config-load.js';

interface ProducerInit {
  readonly ring: SharedArrayBuffer;
  readonly doorbell: SharedArrayBuffer;
  readonly rate: number;
  readonly ms: number;
}

const LINE = '127.0.0.1:56154 [03/Dec/2026:21:29:08.801] f b/s1 0/0/0/1/1 200 85 - - ---- 64/64/0/0/0 0/0 "GET / HTTP/1.1"';
const MEASURE_MS = 3000;

/** The producer thread: `rate` lines a second in 1 ms ticks for `ms`, then posts { sent, refused }. */
function produce(init: ProducerInit): void {
  const p = new LogRingProducer(init.ring, init.doorbell);
  let sent = 0;
  let refused = 0;
  const end = Date.now() + init.ms;
  const perTick = Math.max(1, Math.round(init.rate / 1000));
  const timer = setInterval(() => {
    for (let i = 0; i < perTick; i++) {
      if (p.push(0, 6, LINE, '')) sent++;
      else refused++;
    }
    if (Date.now() >= end) {
      clearInterval(timer);
      parentPort?.postMessage({ sent, refused });
    }
  }, 1);
}

async function measure(rate: number): Promise<void> {
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', () => resolve()));
  const port = probe.address().port;
  probe.close();
  const sinkCode = `const s = require('node:dgram').createSocket('udp4'); s.on('message', () => {}); s.bind(${port}, '127.0.0.1', () => process.stdout.write('up'));`;
  const sink = spawn(process.execPath, ['-e', sinkCode], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => sink.stdout.once('data', () => resolve()));
  try {
    const config = validConfig(await load(`
frontend f
    mode http
    bind 127.0.0.1:8001
    log 127.0.0.1:${port} local2
    default_backend b
backend b
    mode http
    server s1 127.0.0.1:1
`));
    const mem = allocateLogRings(1);
    const writer = new LogWriter(config, mem, SharedState.allocate(topologyOf(config, 1).counts), { addon: loadNativeAddon(), alert: (m) => console.error(m) });
    writer.start();
    const start = process.threadCpuUsage();
    const init: ProducerInit = { ring: mem.rings[0] as SharedArrayBuffer, doorbell: mem.doorbell, rate, ms: MEASURE_MS };
    const producer = new Worker(new URL(import.meta.url), { workerData: init });
    const done = await new Promise<{ sent: number; refused: number }>((resolve) => producer.once('message', resolve));
    await writer.stop();
    const used = process.threadCpuUsage(start);
    await producer.terminate();
    const us = (used.user + used.system) / Math.max(1, done.sent);
    console.log(`${String(rate).padStart(7)} lines/s asked: ${done.sent} sent, ${done.refused} refused (ring full); main ${us.toFixed(2)} µs CPU per line`);
  } finally {
    sink.kill('SIGTERM');
  }
}

if (isMainThread) {
  const rates = process.argv.slice(2).map(Number).filter((n) => n > 0);
  for (const rate of rates.length > 0 ? rates : [8000, 40_000]) await measure(rate);
} else {
  produce(workerData as ProducerInit);
}
